"""Needs assessed from the database, decided by practitioners, and claimed with evidence."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.families.models import FamilyMember
from familyhub.families.service import rebuild_families
from familyhub.outcomes.claims import (
    ClaimError,
    close_episode,
    make_claim,
    open_episode,
    write_evidence_pack,
)
from familyhub.outcomes.models import (
    FamilyAssessment,
    FamilyNeed,
    NeedEvidence,
    NeedProgress,
    RejectedEvent,
)
from familyhub.outcomes.rules import load_rules
from familyhub.outcomes.service import DecisionError, assess_all, decide_need, export_needs
from familyhub.rights.facts import OBJECTION, place
from familyhub.sources.models import SourceEvent
from tests.integration.families.scenario import load_scenario, write_links

AS_OF = date(2026, 9, 30)
TODAY = date(2026, 11, 22)


@pytest.fixture
def assessed(session: Session, tmp_path: Path) -> tuple[Session, Path, str]:
    load_scenario(session)
    links = write_links(tmp_path / "links.csv")
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=links)
    assess_all(session, actor="test", as_of=AS_OF, today=TODAY, links_file=links)
    larch = session.scalars(
        select(FamilyMember.family_id).where(FamilyMember.person_id == "cara")
    ).one()
    return session, links, larch


def needs_of(session: Session, family_id: str) -> dict[tuple[str, str], str]:
    rows = session.scalars(select(FamilyNeed).where(FamilyNeed.family_id == family_id))
    return {(n.person_id, n.need): n.status for n in rows}


def test_needs_are_found_with_plain_english_evidence(assessed) -> None:
    session, _, larch = assessed
    assert needs_of(session, larch) == {
        ("amy", "domestic_abuse"): "open",
        ("ben", "financial_stability"): "open",  # the claim is still live
        ("cara", "education"): "resolved",  # no absence for over six months
        ("cara", "children_safe"): "open",  # the child in need plan is open
        ("ian", "crime"): "improving",  # a non-resident parent's needs count for the family
    }
    evidence = session.scalars(
        select(NeedEvidence).where(
            NeedEvidence.family_id == larch, NeedEvidence.need == "education"
        )
    ).all()
    assert [e.text for e in evidence] == [
        "Attendance 84.5% in the 2025-26 AUT term, from the school census",
        "Attendance 86.0% in the 2025-26 SPR term, from the school census",
    ]
    assert {e.source for e in evidence} == {"school_census"}
    assert {e.rules_version for e in evidence} == {load_rules().version}
    family = session.get(FamilyAssessment, larch)
    assert family is not None
    assert family.eligible
    assert family.need_count == 5


def test_families_with_fewer_than_three_needs_are_not_eligible(assessed) -> None:
    session, _, _ = assessed
    hana = session.scalars(
        select(FamilyMember.family_id).where(FamilyMember.person_id == "hana")
    ).one()
    family = session.get(FamilyAssessment, hana)
    assert family is not None
    assert family.has_dependants  # expecting a baby
    assert sorted(family.needs) == ["health", "housing"]
    assert not family.eligible


def test_future_and_before_birth_events_are_reported_not_counted(assessed) -> None:
    session, _, _ = assessed
    rejected = {(r.person_id, r.reason) for r in session.scalars(select(RejectedEvent))}
    assert rejected == {
        ("amy", "dated in the future"),
        ("eve", "dated before the person was born"),
    }
    assert not session.scalars(select(FamilyNeed).where(FamilyNeed.need == "early_years")).all()
    cited = {(e.person_id, e.event_date) for e in session.scalars(select(NeedEvidence))}
    assert ("amy", date(2027, 1, 1)) not in cited
    assert ("eve", date(2020, 3, 1)) not in cited


def test_good_attendance_after_absence_is_read_as_a_positive_sign(
    session: Session, tmp_path: Path
) -> None:
    # Positive signs are read from the database only for people with candidate evidence of
    # the same need; Dan's recent absence makes him one, so his good term that follows is
    # read, cited, and makes the need improving rather than open.
    load_scenario(session)
    extract_id = session.scalars(
        select(SourceEvent.extract_id).where(SourceEvent.record_id == "sch-dan")
    ).first()
    for event_id, day, pct in (("D1", date(2026, 7, 10), 80.0), ("D2", date(2026, 9, 5), 96.0)):
        session.add(
            SourceEvent(
                source="school_census",
                record_id="sch-dan",
                event_id=event_id,
                event_type="school_term",
                event_date=day,
                data_category="personal",
                description="school term",
                attributes={"attendance_pct": pct, "term": "2026 SUM"},
                extract_id=extract_id,
            )
        )
    session.flush()
    links = write_links(tmp_path / "links.csv")
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=links)
    assess_all(session, actor="test", as_of=AS_OF, today=TODAY, links_file=links)
    need = session.scalars(
        select(FamilyNeed).where(FamilyNeed.person_id == "dan", FamilyNeed.need == "education")
    ).one()
    assert need.status == "improving"
    signs = session.scalars(
        select(NeedEvidence).where(
            NeedEvidence.person_id == "dan", NeedEvidence.signal == "positive"
        )
    ).all()
    assert ("D2", date(2026, 9, 5)) in {(e.event_id, e.event_date) for e in signs}
    # Ben's benefit claim is evidence of another need: no positive sign is cited for him.
    assert not session.scalars(
        select(NeedEvidence).where(
            NeedEvidence.person_id == "ben", NeedEvidence.signal == "positive"
        )
    ).all()


def test_export_writes_the_documented_columns(assessed, tmp_path: Path) -> None:
    session, _, larch = assessed
    out = tmp_path / "needs.csv"
    count = export_needs(session, out)
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) == 7
    assert list(rows[0]) == [
        "family_id",
        "person_id",
        "need",
        "status",
        "first_evidence_date",
        "last_evidence_date",
    ]
    cara = next(r for r in rows if r["person_id"] == "cara" and r["need"] == "education")
    assert (cara["family_id"], cara["first_evidence_date"], cara["last_evidence_date"]) == (
        larch,
        "2025-09-01",
        "2026-01-05",
    )


def test_a_person_who_objects_to_profiling_is_left_out(assessed) -> None:
    session, links, larch = assessed
    place(
        session,
        person_id="amy",
        kind=OBJECTION,
        grounds="Objects to profiling",
        on=date(2026, 9, 1),
    )
    assess_all(session, actor="test", as_of=AS_OF, today=TODAY, links_file=links)
    assert "amy" not in {p for p, _ in needs_of(session, larch)}
    # Her needs' disappearance is kept as progress ("gone"), not silently dropped.
    gone = {
        (p.person_id, p.need, p.previous_status)
        for p in session.scalars(select(NeedProgress).where(NeedProgress.status == "gone"))
    }
    assert gone == {("amy", "domestic_abuse", "open")}


def test_dismissed_needs_stop_counting_and_decisions_need_reasons(assessed) -> None:
    session, links, larch = assessed
    with pytest.raises(DecisionError, match="say why"):
        decide_need(
            session, family_id=larch, need="crime", decision="dismissed", reason="", decided_by="pw"
        )
    with pytest.raises(DecisionError, match="no housing need"):
        decide_need(
            session,
            family_id=larch,
            need="housing",
            decision="confirmed",
            reason="Arrears confirmed",
            decided_by="pw",
        )
    for need in ("crime", "education", "children_safe"):
        decide_need(
            session,
            family_id=larch,
            need=need,
            decision="dismissed",
            reason="Not a current concern",
            decided_by="pw",
        )
    assess_all(session, actor="test", as_of=AS_OF, today=TODAY, links_file=links)
    family = session.get(FamilyAssessment, larch)
    assert family is not None
    assert family.need_count == 2
    assert not family.eligible
    assert ("ian", "crime") in needs_of(session, larch)  # still shown, with its evidence


def test_a_sustained_outcome_is_claimed_once_with_its_evidence_pack(
    assessed, tmp_path: Path
) -> None:
    session, _, larch = assessed
    rules = load_rules()
    for need in ("education", "domestic_abuse"):
        decide_need(
            session,
            family_id=larch,
            need=need,
            decision="confirmed",
            reason="Agreed with the family",
            decided_by="Kim (early help)",
        )
    episode = open_episode(session, family_id=larch, opened_on=date(2025, 10, 1), opened_by="kim")
    with pytest.raises(ClaimError, match="not achieved"):
        make_claim(session, episode_id=episode.id, claimed_by="kim", rules=rules, on=AS_OF)
    close_episode(
        session,
        episode_id=episode.id,
        closed_on=date(2026, 7, 15),
        closed_by="kim",
        reason="Plan complete",
    )
    with pytest.raises(ClaimError, match="sustain period runs until 2027-01-15"):
        make_claim(session, episode_id=episode.id, claimed_by="kim", rules=rules, on=AS_OF)
    # Seven months on, nothing new: both confirmed needs have stayed resolved.
    claim = make_claim(
        session, episode_id=episode.id, claimed_by="kim", rules=rules, on=date(2027, 2, 20)
    )
    assert claim.needs == ["domestic_abuse", "education"]
    with pytest.raises(ClaimError, match="never claimed twice"):
        make_claim(
            session, episode_id=episode.id, claimed_by="kim", rules=rules, on=date(2027, 3, 1)
        )
    csv_path, html_path = write_evidence_pack(session, claim=claim, out_dir=tmp_path / "pack")
    with csv_path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["need"] for r in rows} == {"domestic_abuse", "education"}
    assert all(r["decision_reason"] == "Agreed with the family" for r in rows)
    page = html_path.read_text()
    assert "Safe from domestic abuse" in page
    assert "Attendance 84.5% in the 2025-26 AUT term, from the school census" in page


def test_progress_is_kept_as_new_extracts_arrive(assessed) -> None:
    session, links, larch = assessed
    first = session.scalars(select(NeedProgress).where(NeedProgress.family_id == larch)).all()
    assert {(p.person_id, p.need, p.previous_status, p.status) for p in first} >= {
        ("amy", "domestic_abuse", None, "open")
    }
    assess_all(
        session, actor="test", as_of=date(2026, 12, 31), today=date(2027, 2, 1), links_file=links
    )
    changes = {
        (p.person_id, p.need, p.previous_status, p.status)
        for p in session.scalars(
            select(NeedProgress).where(
                NeedProgress.family_id == larch, NeedProgress.assessed_on == date(2026, 12, 31)
            )
        )
    }
    assert ("amy", "domestic_abuse", "open", "improving") in changes
    assert ("ian", "crime", "improving", "resolved") in changes

"""What the Supporting Families programme team sees of a family's needs in the single view:
the needs and their evidence for families on the programme; health evidence only when the
family consented to share it with the programme; never criminal offence evidence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.audit.models import AuditEvent
from familyhub.consent.service import record_consent
from familyhub.outcomes.models import FamilyAssessment, FamilyNeed, NeedEvidence
from familyhub.singleview.service import person_view
from familyhub.singleview.types import PersonView
from familyhub.sources.models import SourceEvent

from .scenario import NOW, Scenario


def _health_need(session: Session, scenario: Scenario) -> None:
    event = session.get(SourceEvent, scenario.events["hv_contact"])
    assert event is not None
    common = {"family_id": scenario.family_id, "person_id": scenario.child, "need": "health"}
    session.add(
        FamilyNeed(
            **common, status="open", first_evidence_date=event.event_date,
            last_evidence_date=event.event_date, evidence_count=1, rules_version="test",
            assessed_on=NOW.date(),
        )
    )  # fmt: skip
    session.add(
        NeedEvidence(
            **common, signal="need", rule_id="health", rules_version="test",
            source=event.source, record_id=event.record_id, event_id=event.event_id,
            event_date=event.event_date, text=event.description,
        )
    )  # fmt: skip
    session.flush()


def _put_on_programme(session: Session, scenario: Scenario) -> None:
    session.add(
        FamilyAssessment(
            family_id=scenario.family_id, has_dependants=True, need_count=3,
            needs=["domestic_abuse", "education", "health"], eligible=True,
            rules_version="test", assessed_on=NOW.date(),
        )
    )  # fmt: skip
    session.flush()


def _programme_view(session: Session, scenario: Scenario) -> PersonView:
    return person_view(
        session,
        user=scenario.user("programme_team"),
        purpose="supporting_families",
        person_id=scenario.child,
        now=NOW,
    )


def test_a_family_not_on_the_programme_shows_the_team_no_evidence(
    session: Session, scenario: Scenario
) -> None:
    _health_need(session, scenario)
    view = _programme_view(session, scenario)
    assert view.level == "full"
    assert view.needs == []
    assert view.chronology is None or view.chronology.items == []


def test_on_the_programme_the_team_sees_needs_with_their_evidence_but_not_health_or_crime(
    session: Session, scenario: Scenario
) -> None:
    _health_need(session, scenario)
    _put_on_programme(session, scenario)
    view = _programme_view(session, scenario)
    assert view.needs is not None
    shown = {n.need: [e.event_id for e in n.evidence] for n in view.needs}
    assert shown == {"education": [scenario.events["school_term"]]}
    assert "Supporting Families needs" in " ".join(h.sentence for h in view.hidden)
    # evidence is all the team opens: the other school, health and police records stay hidden
    assert view.chronology is not None
    assert [i.event_id for i in view.chronology.items] == [scenario.events["school_term"]]
    event = session.scalars(select(AuditEvent).where(AuditEvent.seq == view.audit_seq)).one()
    assert f"source_event:{scenario.events['school_term']}" in event.records
    assert f"source_event:{scenario.events['police_child']}" not in event.records
    assert event.decision == "allow"


def test_health_evidence_shows_once_the_family_consents_to_share_it_with_the_programme(
    session: Session, scenario: Scenario
) -> None:
    _health_need(session, scenario)
    _put_on_programme(session, scenario)
    council = scenario.organisations["council"]
    record_consent(
        session, user=scenario.user("early_help_worker"), state="given",
        evidence="signed consent form SF-0001", purpose="early_help_support",
        request_id="consent", family_id=scenario.family_id,
        purposes=["early_help_support", "direct_care", "supporting_families"],
        recipient_organisations=[council.code], data_categories=["education", "health"],
        effective_at=NOW - timedelta(minutes=5),
    )  # fmt: skip
    view = _programme_view(session, scenario)
    assert view.needs is not None
    shown = {n.need: [e.event_id for e in n.evidence] for n in view.needs}
    assert shown == {
        "education": [scenario.events["school_term"]],
        "health": [scenario.events["hv_contact"]],
    }
    assert view.chronology is not None
    assert scenario.events["hv_review"] not in {i.event_id for i in view.chronology.items}

"""What each role sees in the person view of Mason Ashworth, what is hidden from them, and why.

The family consented to share education, health and housing records for early help and
direct care with every partner; early help holds the lead, the health visitor and the school's
safeguarding lead are in the team around the family.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.singleview.service import person_view

from .scenario import NOW, Scenario

ALL = {"health", "education", "criminal_offence", "social_care"}

# role -> (level, categories shown in the chronology, hidden sentences expected)
EXPECTED: dict[str, tuple[str, set[str], set[str]]] = {
    "health_visitor": (
        "full",
        {"health", "education"},
        {
            "1 criminal offence record hidden: not shared with your role",
            "1 social care record hidden: not shared with your role",
        },
    ),
    "school_dsl": (
        "full",
        {"education"},
        {
            "2 health records hidden: not shared with your role",
            "1 criminal offence record hidden: not shared with your role",
        },
    ),
    "early_help_worker": (
        "full",
        {"health", "education"},
        {"1 social care record hidden: needs consent"},
    ),
    "social_worker": (
        "full",
        {"health", "education", "social_care"},
        {"1 criminal offence record hidden: not shared with your role"},
    ),
    "mash_police_officer": ("full", ALL, set()),
    "information_governance_officer": ("full", ALL, set()),
    "programme_team": (
        "full",
        set(),
        {"Consent history hidden: not shared with your role"},
    ),
    "data_team": (
        "minimal",
        set(),
        {
            "Full view hidden: needs a current involvement with the family, "
            "or a statutory safeguarding role"
        },
    ),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_what_its_decisions_allow(
    session: Session, scenario: Scenario, role: str
) -> None:
    level, categories, hidden = EXPECTED[role]
    view = person_view(
        session,
        user=scenario.user(role),
        purpose=scenario.purpose(role),
        person_id=scenario.child,
        now=NOW,
    )
    assert view.level == level
    assert view.identity.name == f"Mason {scenario.surname}"
    assert view.identity.year_of_birth == 2019
    assert view.identity.postcode_sector == "NS3 7"
    shown = {item.category for item in (view.chronology.items if view.chronology else [])}
    assert shown == categories
    assert hidden <= {h.sentence for h in view.hidden}
    # The sealed adoption record is neither shown nor counted, to anyone here.
    assert "adoption" not in shown
    assert not any("adoption" in h.sentence for h in view.hidden)
    # Who to contact comes first for everyone who may see anything: the lead practitioner.
    leads = view.who_is_working.lead_practitioners
    assert [lead.kind for lead in leads] == ["lead_practitioner"]
    assert leads[0].phone


def test_the_planner_is_refused_and_the_refusal_is_audited(
    session: Session, scenario: Scenario
) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    with pytest.raises(AccessRefusedError):
        person_view(
            session,
            user=scenario.user("planner"),
            purpose="statistics",
            person_id=scenario.child,
            now=NOW,
        )
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).all()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    assert events[0].decision == "deny"
    assert events[0].records == [f"person:{scenario.child}"]


def test_the_health_visitor_sees_health_and_consented_education_but_not_police(
    session: Session, scenario: Scenario
) -> None:
    view = person_view(
        session,
        user=scenario.user("health_visitor"),
        purpose="direct_care",
        person_id=scenario.child,
        now=NOW,
    )
    assert view.chronology is not None
    descriptions = [item.description for item in view.chronology.items]
    assert descriptions[0] == "Health visitor home visit: weight checked"  # newest first
    assert "Child present at a domestic abuse incident" not in descriptions
    # The education need is shown with its evidence; the domestic abuse one is held back.
    assert [n.need for n in view.needs or []] == ["education"]
    assert view.needs
    assert view.needs[0].evidence[0].text == "Summer term: attendance 84%"
    assert "1 Supporting Families need hidden: their evidence is in records you cannot see" in {
        h.sentence for h in view.hidden
    }
    assert view.consent is not None
    assert view.consent.state == "given"
    # Golden record provenance names the sources this user may open.
    given = next(v for v in view.golden.values if v.field == "given_name")  # type: ignore[union-attr]
    assert {s.source for s in given.sources} == {"health_visiting", "school_census"}
    services = {s.organisation: s for s in view.who_is_working.services}
    # Working with the family now: today; known from records only: its latest record.
    visiting = services["Northshire Community Health NHS Trust"]
    assert (visiting.evidence, visiting.last_involved) == ("involvement", NOW.date())
    school = services["Northshire Council, Education"]
    assert school.service == "School census (pupils on roll, termly)"
    assert (school.evidence, school.last_involved) == ("records", date(2026, 7, 20))
    assert "Northshire Police" not in services  # its records are hidden from her


def test_the_school_sees_no_health_provenance(session: Session, scenario: Scenario) -> None:
    view = person_view(
        session,
        user=scenario.user("school_dsl"),
        purpose="early_help_support",
        person_id=scenario.child,
        now=NOW,
    )
    given = next(v for v in view.golden.values if v.field == "given_name")  # type: ignore[union-attr]
    assert [s.source for s in given.sources] == ["school_census"]
    assert given.hidden_sources == 1


def test_a_merged_id_still_opens_the_surviving_person(session: Session, scenario: Scenario) -> None:
    view = person_view(
        session,
        user=scenario.user("early_help_worker"),
        purpose="early_help_support",
        person_id=scenario.merged_id,
        now=NOW,
    )
    assert view.person_id == scenario.child
    assert view.requested_id == scenario.merged_id


def test_the_chronology_filters_by_source_and_category(
    session: Session, scenario: Scenario
) -> None:
    user, purpose = scenario.user("mash_police_officer"), "safeguarding"
    view = person_view(
        session, user=user, purpose=purpose, person_id=scenario.child, now=NOW,
        sources=["health_visiting"],
    )  # fmt: skip
    assert view.chronology is not None
    assert {i.source for i in view.chronology.items} == {"health_visiting"}
    assert "police_incidents" in view.chronology.sources  # still offered as a filter
    view = person_view(
        session, user=user, purpose=purpose, person_id=scenario.child, now=NOW,
        categories=["criminal_offence", "social_care"],
    )  # fmt: skip
    assert view.chronology is not None
    assert {i.category for i in view.chronology.items} == {"criminal_offence", "social_care"}
    dates = [i.event_date for i in view.chronology.items]
    assert dates == sorted(dates, reverse=True)

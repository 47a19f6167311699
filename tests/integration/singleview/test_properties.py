"""Properties every request keeps: lists hold only what could be opened one by one; one audit
event per request naming exactly what was returned; changes apply to the very next request."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.decision import decide
from familyhub.access.facts import gather, organisation_code_for_source, record_resource
from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.casework import service as casework
from familyhub.casework.models import Involvement
from familyhub.consent.service import record_consent
from familyhub.rights.facts import place
from familyhub.singleview.service import NotFoundError, family_view, person_view, search
from familyhub.singleview.types import View
from familyhub.sources.models import SourceEvent

from .scenario import NOW, ROLES, Scenario


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _last(session: Session) -> AuditEvent:
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    assert event is not None
    return event


def _opens_alone(session: Session, scenario: Scenario, role: str, ref: str) -> bool:
    """Would the user be allowed to open this one event on its own?"""
    event = session.get(SourceEvent, int(ref.split(":", 1)[1]))
    assert event is not None
    person_id = next(
        pid
        for pid in (scenario.child, scenario.mother, scenario.sealed_sibling)
        if f"source_event:{event.id}" in _events_of(session, pid)
    )
    facts = gather(
        session, user=scenario.user(role), person_id=person_id, purpose=scenario.purpose(role),
        now=NOW,
    )  # fmt: skip
    resource = record_resource(
        ref=ref,
        category=event.data_category,
        supplier=organisation_code_for_source(session, event.source),
        person=facts.resource,
    )
    return decide(facts.principal, "view_record", resource, facts.context).allowed


def _events_of(session: Session, person_id: str) -> set[str]:
    from familyhub.singleview.records import events_of

    return {f"source_event:{e.id}" for e in events_of(session, [person_id])}


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"planner"}))
def test_lists_never_include_anything_the_user_could_not_open_one_by_one(
    session: Session, scenario: Scenario, role: str
) -> None:
    user, purpose = scenario.user(role), scenario.purpose(role)
    views: list[View] = [
        person_view(session, user=user, purpose=purpose, person_id=scenario.child, now=NOW),
        family_view(session, user=user, purpose=purpose, family_id=scenario.family_id, now=NOW),
    ]
    for view in views:
        for ref in view.records:
            if ref.startswith("source_event:"):
                assert _opens_alone(session, scenario, role, ref), (role, ref)
    try:
        found = search(session, user=user, purpose=purpose, query=scenario.surname, now=NOW)
    except AccessRefusedError:  # information governance does not search; it answers requests
        return
    for result in found.results:
        facts = gather(
            session, user=user, person_id=result.identity.person_id, purpose=purpose, now=NOW
        )
        assert decide(facts.principal, "search", facts.resource, facts.context).allowed


@pytest.mark.parametrize("role", sorted(set(ROLES) - {"planner"}))
def test_one_audit_event_per_view_naming_exactly_the_records_returned(
    session: Session, scenario: Scenario, role: str
) -> None:
    user, purpose = scenario.user(role), scenario.purpose(role)
    before = _count(session)
    view = person_view(session, user=user, purpose=purpose, person_id=scenario.child, now=NOW)
    assert _count(session) == before + 1
    assert _last(session).seq == view.audit_seq
    assert _last(session).records == view.records
    returned = {
        f"source_event:{i.event_id}" for i in (view.chronology.items if view.chronology else [])
    }
    assert returned <= set(view.records)
    family = family_view(session, user=user, purpose=purpose, family_id=scenario.family_id, now=NOW)
    assert _count(session) == before + 2
    assert _last(session).records == family.records


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    requests=st.lists(
        st.tuples(
            st.sampled_from(sorted(ROLES)),
            st.sampled_from(["person", "family", "search", "mother"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_over_any_sequence_of_requests_audit_events_added_equal_records_returned(
    session: Session, scenario: Scenario, requests: list[tuple[str, str]]
) -> None:
    for role, kind in requests:
        user, purpose = scenario.user(role), scenario.purpose(role)
        before = _count(session)
        try:
            if kind == "search":
                found = search(session, user=user, purpose=purpose, query=scenario.surname, now=NOW)
                returned = found.records
            elif kind == "family":
                returned = family_view(
                    session, user=user, purpose=purpose, family_id=scenario.family_id, now=NOW
                ).records
            else:
                pid = scenario.child if kind == "person" else scenario.mother
                returned = person_view(
                    session, user=user, purpose=purpose, person_id=pid, now=NOW
                ).records
        except AccessRefusedError:
            returned = []
        assert _count(session) == before + 1
        last = _last(session)
        if returned:
            assert last.decision == "allow"
            assert last.records == returned
        else:
            assert last.decision in ("deny", "refused") or last.records == []


def test_ending_an_involvement_closes_the_view_on_the_very_next_request(
    session: Session, scenario: Scenario
) -> None:
    visitor = scenario.user("health_visitor")
    view = person_view(
        session, user=visitor, purpose="direct_care", person_id=scenario.child, now=NOW
    )
    assert view.level == "full"
    involvement = session.scalars(
        select(Involvement).where(Involvement.user_id == visitor.id)
    ).one()
    casework.end_involvement(
        session, user=scenario.user("early_help_worker"), involvement_id=involvement.id,
        reason="stepped down to universal services", purpose="early_help_support",
        request_id="t", ended_at=NOW,
    )  # fmt: skip
    view = person_view(
        session, user=visitor, purpose="direct_care", person_id=scenario.child, now=NOW
    )
    assert view.level == "minimal"
    assert view.chronology is None
    # Everyone else still sees when health visiting was last involved: the day it ended.
    view = person_view(
        session, user=scenario.user("social_worker"), purpose="safeguarding",
        person_id=scenario.child, now=NOW,
    )  # fmt: skip
    services = {s.organisation: s for s in view.who_is_working.services}
    visiting = services["Northshire Community Health NHS Trust"]
    assert (visiting.evidence, visiting.last_involved) == ("involvement", NOW.date())
    assert visitor.display_name not in {p.name for p in view.who_is_working.practitioners}


def test_withdrawn_consent_applies_to_the_very_next_request(
    session: Session, scenario: Scenario
) -> None:
    worker = scenario.user("early_help_worker")
    view = person_view(
        session, user=worker, purpose="early_help_support", person_id=scenario.child, now=NOW
    )
    assert "health" in {i.category for i in view.chronology.items}  # type: ignore[union-attr]
    record_consent(
        session, user=worker, state="withdrawn", evidence="phone call with mother",
        purpose="early_help_support", request_id="t", family_id=scenario.family_id,
        effective_at=NOW,
    )  # fmt: skip
    view = person_view(
        session, user=worker, purpose="early_help_support", person_id=scenario.child, now=NOW
    )
    assert view.level == "minimal"
    assert view.hidden[0].sentence == "Full view hidden: consent withdrawn"
    # Safeguarding remains: the social worker still sees the record.
    social = person_view(
        session, user=scenario.user("social_worker"), purpose="safeguarding",
        person_id=scenario.child, now=NOW,
    )  # fmt: skip
    assert social.level == "full"


def test_consent_to_social_care_opens_it_to_the_lead_on_the_next_request(
    session: Session, scenario: Scenario
) -> None:
    worker = scenario.user("early_help_worker")
    record_consent(
        session, user=worker, state="given", evidence="updated consent form EH-0002",
        purpose="early_help_support", request_id="t", family_id=scenario.family_id,
        purposes=["early_help_support"], recipient_organisations=["*"],
        data_categories=["education", "health", "housing", "social_care"], effective_at=NOW,
    )  # fmt: skip
    view = person_view(
        session, user=worker, purpose="early_help_support", person_id=scenario.child, now=NOW
    )
    assert "social_care" in {i.category for i in view.chronology.items}  # type: ignore[union-attr]
    assert not any("social care" in h.sentence for h in view.hidden)


def test_a_restricted_person_shows_the_notice_and_minimal_identity(
    session: Session, scenario: Scenario
) -> None:
    place(
        session, person_id=scenario.mother, kind="restriction", grounds="accuracy contested",
        on=date(2026, 9, 15),
    )  # fmt: skip
    visitor = scenario.user("health_visitor")
    view = person_view(
        session, user=visitor, purpose="direct_care", person_id=scenario.mother, now=NOW
    )
    assert view.level == "minimal"
    assert view.restriction_notice
    assert view.identity.restricted
    assert view.identity.name == f"Kayla {scenario.surname}"
    assert view.contact is None
    assert view.who_is_working.lead_practitioners == []
    assert view.records == [f"person:{scenario.mother}"]
    # In her son's view she is listed with the notice and nothing more.
    child = person_view(
        session, user=visitor, purpose="direct_care", person_id=scenario.child, now=NOW
    )
    kayla = next(m for m in child.members if m.identity.person_id == scenario.mother)
    assert kayla.restriction_notice
    assert kayla.contact is None
    assert kayla.date_of_birth is None
    # In search she shows with the notice and no lead practitioner.
    found = search(
        session, user=visitor, purpose="direct_care", query=f"Kayla {scenario.surname}", now=NOW
    )
    result = next(r for r in found.results if r.identity.person_id == scenario.mother)
    assert result.restriction_notice
    assert result.lead_practitioners == []


def test_a_sealed_person_is_hidden_from_all_but_the_named_roles(
    session: Session, scenario: Scenario
) -> None:
    visitor = scenario.user("health_visitor")
    # Not even a refusal: the answer is the one an id naming no one gets.
    with pytest.raises(NotFoundError):
        person_view(
            session, user=visitor, purpose="direct_care", person_id=scenario.sealed_sibling,
            now=NOW,
        )  # fmt: skip
    family = family_view(
        session, user=visitor, purpose="direct_care", family_id=scenario.family_id, now=NOW
    )
    assert scenario.sealed_sibling not in {m.identity.person_id for m in family.members}
    assert f"person:{scenario.sealed_sibling}" not in family.records
    found = search(
        session, user=visitor, purpose="direct_care", query=f"Lily {scenario.surname}", now=NOW
    )
    assert scenario.sealed_sibling not in {r.identity.person_id for r in found.results}
    adoption = scenario.user("adoption_worker")
    found = search(
        session, user=adoption, purpose="safeguarding", query=f"Lily {scenario.surname}", now=NOW
    )
    assert scenario.sealed_sibling in {r.identity.person_id for r in found.results}

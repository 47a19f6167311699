"""Lists never include anything the user could not open one by one."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.access.decision import decide
from familyhub.access.facts import gather, organisation_code_for_source, record_resource
from familyhub.access.service import RecordRef
from familyhub.access.vocabulary import load_vocabulary
from familyhub.audit.models import AuditEvent
from familyhub.casework import service as casework
from familyhub.consent.service import record_consent

from .people import family, organisation, person, user

SOURCES = ("police_incidents", "health_visiting", "school_census", "housing", "local_system")


def _records(person_id: str, count: int) -> list[RecordRef]:
    categories = sorted(load_vocabulary().data_categories)
    pairs = itertools.cycle(itertools.product(categories, SOURCES))
    return [
        RecordRef(f"source_event:{person_id}-{i}", person_id, *next(pairs)) for i in range(count)
    ]


def test_a_partner_sees_the_records_it_supplied_through_its_contract(session: Session) -> None:
    police = organisation(session, "police_force", name="Northshire Police")
    officer = user(session, police, "police_officer")
    child = person(session)
    assert organisation_code_for_source(session, "police_incidents") == police.code
    records = [
        RecordRef("source_event:1", child, "criminal_offence", "police_incidents"),
        RecordRef("source_event:2", child, "health", "health_visiting"),
    ]
    shown = service.visible_records(
        session, user=officer, purpose="direct_care", records=records, request_id="r"
    )
    assert shown == records[:1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    roles=st.sampled_from(
        [
            "health_visitor",
            "school_dsl",
            "early_help_worker",
            "police_officer",
            "social_worker",
            "adoption_worker",
        ]
    ),
    kind=st.sampled_from(["none", "team_member", "lead_practitioner"]),
    consent=st.sampled_from(["none", "given", "withdrawn"]),
    purpose=st.sampled_from(["safeguarding", "early_help_support", "direct_care"]),
    count=st.integers(min_value=0, max_value=25),
)
def test_the_list_is_exactly_what_opening_one_by_one_allows(
    session: Session, roles: str, kind: str, consent: str, purpose: str, count: int
) -> None:
    org = organisation(session, "school" if roles == "school_dsl" else "council_service")
    who = user(session, org, roles)
    manager = user(session, organisation(session), "early_help_worker")
    child = person(session)
    fam = family(session, child)
    if kind != "none":
        casework.add_involvement(
            session,
            user=manager,
            practitioner=who,
            kind=kind,
            family_id=fam,
            purpose="early_help_support",
            request_id="i",
        )
    if consent != "none":
        record_consent(
            session,
            user=user(session, org, "social_worker"),
            family_id=fam,
            state=consent,
            evidence="form",
            purposes=["early_help_support", "direct_care"],
            recipient_organisations=["*"],
            data_categories=["personal", "health", "education"] if consent == "given" else [],
            purpose="safeguarding",
            request_id="c",
        )
    records = _records(child, count)
    before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    shown = service.visible_records(
        session, user=who, purpose=purpose, records=records, request_id="list"
    )
    facts = gather(session, user=who, person_id=child, purpose=purpose)
    one_by_one = [
        r
        for r in records
        if decide(
            facts.principal,
            "view_record",
            record_resource(
                ref=r.ref,
                category=r.category,
                supplier=organisation_code_for_source(session, r.source),
                person=facts.resource,
            ),
            facts.context,
        ).allowed
    ]
    assert shown == one_by_one
    events = session.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
    assert len(events) == 1
    assert events[0].records == [r.ref for r in shown]


def test_a_list_of_persons_holds_only_those_the_user_could_open(session: Session) -> None:
    council = organisation(session)
    worker = user(session, council, "early_help_worker")
    mine, other = person(session), person(session)
    fam = family(session, mine)
    casework.add_involvement(
        session,
        user=worker,
        practitioner=worker,
        kind="allocated_worker",
        family_id=fam,
        purpose="early_help_support",
        request_id="i",
    )
    shown = service.visible_persons(
        session,
        user=worker,
        purpose="early_help_support",
        person_ids=[other, mine],
        request_id="caseload",
    )
    assert shown == [mine]
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert (last.action, last.records) == ("person.view", [f"person:{mine}"])

"""Consent: what it allows, that a change applies on the very next request, and its history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.access.service import RecordRef
from familyhub.audit.models import AuditEvent
from familyhub.casework.service import add_involvement
from familyhub.consent.service import (
    ConsentError,
    consent_history,
    consent_state,
    record_consent,
    view_consent,
)

from ..access.people import family, organisation, person, user


@pytest.fixture
def setting(session: Session):
    council = organisation(session, "council_service")
    lead = user(session, council, "early_help_worker")
    child = person(session)
    fam = family(session, child)
    add_involvement(
        session,
        user=lead,
        practitioner=lead,
        kind="lead_practitioner",
        family_id=fam,
        purpose="early_help_support",
        request_id="i",
    )
    return council, lead, child, fam


def _health_visible(session: Session, lead, child: str) -> bool:
    record = RecordRef("source_event:hv-1", child, "health", "health_visiting")
    return bool(
        service.visible_records(
            session, user=lead, purpose="early_help_support", records=[record], request_id="r"
        )
    )


def test_consent_to_share_health_lets_the_lead_practitioner_see_it_until_withdrawn(
    session: Session,
    setting,
) -> None:
    council, lead, child, fam = setting
    assert not _health_visible(session, lead, child)
    record_consent(
        session,
        user=lead,
        family_id=fam,
        state="given",
        evidence="signed form EH-2026-0147",
        purposes=["early_help_support"],
        recipient_organisations=[council.code],
        data_categories=["health"],
        purpose="early_help_support",
        request_id="c1",
    )
    assert _health_visible(session, lead, child)
    record_consent(
        session,
        user=lead,
        person_id=child,
        state="withdrawn",
        evidence="young person asked by phone",
        purpose="early_help_support",
        request_id="c2",
    )
    assert not _health_visible(session, lead, child)


def test_consent_for_another_organisation_or_purpose_allows_nothing(
    session: Session, setting
) -> None:
    _council, lead, child, fam = setting
    other = organisation(session, "voluntary")
    record_consent(
        session,
        user=lead,
        family_id=fam,
        state="given",
        evidence="form",
        purposes=["supporting_families"],
        recipient_organisations=[other.code],
        data_categories=["health"],
        purpose="early_help_support",
        request_id="c",
    )
    assert not _health_visible(session, lead, child)


def test_consent_dated_in_the_future_is_not_yet_in_force(session: Session, setting) -> None:
    _council, lead, child, fam = setting
    record_consent(
        session,
        user=lead,
        family_id=fam,
        state="given",
        evidence="form",
        purposes=["early_help_support"],
        recipient_organisations=["*"],
        data_categories=["health"],
        purpose="early_help_support",
        request_id="c",
        effective_at=datetime.now(UTC) + timedelta(days=1),
    )
    assert consent_state(session, family_id=fam)[0] == "none"
    assert not _health_visible(session, lead, child)


def test_the_view_shows_current_state_and_history_and_is_audited(session: Session, setting) -> None:
    _council, lead, child, fam = setting
    first = record_consent(
        session,
        user=lead,
        family_id=fam,
        state="given",
        evidence="form",
        purposes=["early_help_support"],
        recipient_organisations=["*"],
        data_categories=["personal"],
        purpose="early_help_support",
        request_id="c1",
        effective_at=datetime.now(UTC) - timedelta(days=2),
    )
    second = record_consent(
        session,
        user=lead,
        person_id=child,
        state="declined",
        evidence="said no at review",
        purpose="early_help_support",
        request_id="c2",
    )
    view = view_consent(session, user=lead, person_id=child, purpose="safeguarding", request_id="v")
    assert view.state == "declined"
    assert [r.id for r in view.history] == [second.id, first.id]
    assert consent_history(session, family_id=fam) == [first]
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert (last.action, last.records) == ("consent.view", [f"person:{child}"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"state": "maybe"}, "Consent state must be one of"),
        ({"purposes": ["gossip"]}, "Unknown purposes: gossip"),
        ({"data_categories": ["horoscope"]}, "Unknown data categories: horoscope"),
        ({"recipient_organisations": ["nowhere"]}, "Unknown organisations: nowhere"),
        ({"evidence": " "}, "Say what the consent rests on"),
        ({"purposes": []}, "must say for which purposes"),
        # Found by schemathesis on PostgreSQL: NUL in a code reached the database (500).
        ({"recipient_organisations": ["x\x00y"]}, "cannot be stored"),
        ({"evidence": "signed\x00form"}, "cannot be stored"),
    ],
)
def test_incomplete_or_unknown_consent_is_refused_with_a_clear_message(
    session: Session,
    setting,
    changes: dict[str, object],
    message: str,
) -> None:
    _council, lead, _child, fam = setting
    arguments: dict[str, Any] = {
        "state": "given",
        "evidence": "form",
        "purposes": ["early_help_support"],
        "recipient_organisations": ["*"],
        "data_categories": ["health"],
    }
    arguments.update(changes)
    with pytest.raises(ConsentError, match=message):
        record_consent(
            session,
            user=lead,
            family_id=fam,
            purpose="early_help_support",
            request_id="c",
            **arguments,
        )


def test_someone_not_working_with_the_family_cannot_record_consent(
    session: Session, setting
) -> None:
    _council, _lead, _child, fam = setting
    stranger = user(session, organisation(session, "school"), "teacher")
    with pytest.raises(service.AccessRefusedError):
        record_consent(
            session,
            user=stranger,
            family_id=fam,
            state="withdrawn",
            evidence="heard in the playground",
            purpose="early_help_support",
            request_id="c",
        )

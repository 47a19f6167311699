"""Decisions from real facts: involvement, consent, referrals, restriction, sealing, override.

Each change takes effect on the very next request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.access.facts import gather
from familyhub.audit.models import AuditEvent
from familyhub.casework import service as casework
from familyhub.consent.service import record_consent
from familyhub.rights.models import ProcessingRestriction

from .people import family, organisation, person, user


def _last_event(session: Session) -> AuditEvent:
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    return event


def _can_view(session: Session, who, person_id: str, purpose: str = "early_help_support") -> bool:
    try:
        service.authorize(
            session, user=who, action="view", purpose=purpose, request_id="t", person_id=person_id
        )
    except service.AccessRefusedError:
        return False
    return True


@pytest.fixture
def team(session: Session):
    council = organisation(session, "council_service")
    nhs = organisation(session, "nhs_trust")
    return {
        "council": council,
        "nhs": nhs,
        "early_help": user(session, council, "early_help_worker"),
        "manager": user(session, council, "early_help_worker"),
        "social_worker": user(session, council, "social_worker"),
        "health_visitor": user(session, nhs, "health_visitor"),
    }


def test_involvement_opens_the_record_and_ending_it_closes_it_at_once(session, team) -> None:
    child = person(session)
    fam = family(session, child)
    hv = team["health_visitor"]
    assert not _can_view(session, hv, child, "direct_care")
    involvement = casework.add_involvement(
        session,
        user=team["manager"],
        practitioner=hv,
        kind="team_member",
        family_id=fam,
        purpose="early_help_support",
        request_id="r1",
    )
    assert _can_view(session, hv, child, "direct_care")
    casework.end_involvement(
        session,
        user=team["manager"],
        involvement_id=involvement.id,
        reason="stepped down to universal services",
        purpose="early_help_support",
        request_id="r2",
    )
    assert not _can_view(session, hv, child, "direct_care")


def test_withdrawn_consent_leaves_only_safeguarding(session, team) -> None:
    child = person(session)
    fam = family(session, child)
    lead = team["early_help"]
    casework.add_involvement(
        session,
        user=team["manager"],
        practitioner=lead,
        kind="lead_practitioner",
        family_id=fam,
        purpose="early_help_support",
        request_id="r1",
    )
    record_consent(
        session,
        user=lead,
        family_id=fam,
        state="given",
        evidence="form EH-1",
        purposes=["early_help_support"],
        recipient_organisations=["*"],
        data_categories=["personal", "health"],
        purpose="early_help_support",
        request_id="r2",
    )
    assert _can_view(session, lead, child)
    record_consent(
        session,
        user=lead,
        family_id=fam,
        state="withdrawn",
        evidence="phone call from mother",
        purpose="early_help_support",
        request_id="r3",
    )
    assert not _can_view(session, lead, child)
    assert _last_event(session).decision == "deny"
    assert _last_event(session).policy_ids == ["consent.declined_or_withdrawn"]
    assert _can_view(session, team["social_worker"], child, "safeguarding")
    service.break_glass(
        session,
        user=lead,
        person_id=child,
        purpose="safeguarding",
        justification="mother disclosed violence at home tonight",
        request_id="r4",
    )
    assert _can_view(session, lead, child, "safeguarding")


def test_mash_referral_before_consent_shows_early_help_contact_details_only(session, team) -> None:
    child = person(session)
    mash = user(session, team["council"], "mash_social_worker")
    referral = casework.create_referral(
        session,
        user=team["health_visitor"],
        kind="mash_referral",
        person_id=child,
        reason="bruising noticed at contact",
        consent_at_referral="not_sought",
        purpose="safeguarding",
        request_id="r1",
    )
    casework.change_referral(
        session,
        user=mash,
        referral_id=referral.id,
        to_state="screening",
        purpose="safeguarding",
        request_id="r2",
    )
    casework.change_referral(
        session,
        user=mash,
        referral_id=referral.id,
        to_state="passed_to_early_help",
        rating="green",
        receiving_organisation_id=team["council"].id,
        purpose="safeguarding",
        request_id="r3",
    )
    worker = team["early_help"]
    service.authorize(
        session,
        user=worker,
        action="view_contact",
        purpose="seeking_consent",
        request_id="r4",
        person_id=child,
    )
    assert _last_event(session).policy_ids == ["consent.seeking_consent_after_mash_referral"]
    assert not _can_view(session, worker, child, "seeking_consent")
    assert not _can_view(session, worker, child)


def test_a_restricted_person_shows_in_search_but_opens_for_no_one(session, team) -> None:
    child = person(session)
    session.add(
        ProcessingRestriction(
            person_id=child,
            kind="restriction",
            grounds="accuracy contested",
            started_on=date.today() - timedelta(days=1),
        )
    )
    session.flush()
    sw = team["social_worker"]
    assert service.search_visible(
        session, user=sw, purpose="safeguarding", person_ids=[child], request_id="s"
    ) == [child]
    assert not _can_view(session, sw, child, "safeguarding")
    assert "restricted.minimal_identity_only" in _last_event(session).policy_ids


def test_a_sealed_person_is_closed_even_to_statutory_safeguarding(session, team) -> None:
    child = person(session, status="sealed")
    assert not _can_view(session, team["social_worker"], child, "safeguarding")
    adoption = user(session, team["council"], "adoption_worker")
    facts = gather(session, user=adoption, person_id=child, purpose="safeguarding")
    assert facts.resource.sealed


def test_break_glass_lasts_a_fixed_time(session, team) -> None:
    child = person(session)
    hv = team["health_visitor"]
    start = datetime.now(UTC)
    override = service.break_glass(
        session,
        user=hv,
        person_id=child,
        purpose="safeguarding",
        justification="baby presented with unexplained injury",
        request_id="bg",
        now=start,
    )
    assert override.expires_at.replace(tzinfo=UTC) == start + timedelta(minutes=60)
    inside = gather(
        session, user=hv, person_id=child, purpose="safeguarding", now=start + timedelta(minutes=59)
    )
    after = gather(
        session, user=hv, person_id=child, purpose="safeguarding", now=start + timedelta(minutes=61)
    )
    assert inside.context.override
    assert not after.context.override


@pytest.mark.parametrize("justification", ["", "   ", "urgent", "urgent now"])
def test_break_glass_without_a_written_justification_is_refused_and_audited(
    session,
    team,
    justification: str,
) -> None:
    child = person(session)
    with pytest.raises(service.InvalidRequestError, match="justification of at least 3 words"):
        service.break_glass(
            session,
            user=team["health_visitor"],
            person_id=child,
            purpose="safeguarding",
            justification=justification,
            request_id="bg",
        )
    event = _last_event(session)
    assert (event.action, event.decision, event.records) == (
        "access.break_glass",
        "refused",
        [f"person:{child}"],
    )


def test_break_glass_for_another_purpose_is_denied(session, team) -> None:
    with pytest.raises(service.AccessRefusedError):
        service.break_glass(
            session,
            user=team["health_visitor"],
            person_id=person(session),
            purpose="direct_care",
            request_id="bg",
            justification="need to see the whole record now",
        )


def test_unknown_purpose_unknown_user_and_disabled_user_are_refused_and_audited(
    session,
    team,
) -> None:
    child = person(session)
    with pytest.raises(service.InvalidRequestError, match="'curiosity' is not a purpose"):
        service.authorize(
            session,
            user=team["social_worker"],
            action="view",
            purpose="curiosity",
            request_id="x1",
            person_id=child,
        )
    assert _last_event(session).decision == "refused"
    with pytest.raises(service.InvalidRequestError, match="Unknown user"):
        service.authorize(
            session,
            user=None,
            action="view",
            purpose="safeguarding",
            request_id="x2",
            person_id=child,
        )
    assert _last_event(session).actor_username == "unknown"
    team["early_help"].disabled = True
    with pytest.raises(service.InvalidRequestError, match="disabled"):
        service.authorize(
            session,
            user=team["early_help"],
            action="view",
            purpose="safeguarding",
            request_id="x3",
            person_id=child,
        )
    assert _last_event(session).request_id == "x3"

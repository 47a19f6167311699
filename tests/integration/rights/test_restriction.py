"""Restriction and objection: facts other domains read, and partners told."""

from datetime import date

from sqlalchemy.orm import Session

from familyhub.rights import requests as rr
from familyhub.rights.outbox import pending
from familyhub.rights.service import (
    apply_restriction,
    is_restricted,
    lift_restriction,
    objecting_person_ids,
    objects_to_profiling,
    restricted_person_ids,
)
from tests.integration.rights.synthetic_subject import store_everywhere

TODAY = date(2026, 11, 2)


def _request(session: Session, person_id: str, kind: str):
    return rr.register_request(
        session,
        kind=kind,
        requester="Z",
        received_on=TODAY,
        identity_checked_on=TODAY,
        subject_details={},
        person_id=person_id,
        actor="ig",
    ).request


def test_restriction_takes_effect_is_shown_to_others_and_can_be_lifted(session: Session) -> None:
    stored = store_everywhere(session)
    request = _request(session, stored.person_id, "restriction")
    outcome = apply_restriction(
        session,
        request_id=request.id,
        kind="restriction",
        grounds="accuracy contested",
        on=TODAY,
        actor="ig",
    )
    assert outcome.done, outcome.message
    assert request.status == "completed"
    ours = {stored.person_id, stored.other_person_id}
    assert restricted_person_ids(session, on=TODAY) & ours == {stored.person_id}
    assert not is_restricted(session, stored.person_id, on=date(2026, 11, 1))
    assert stored.person_id not in objecting_person_ids(session, on=TODAY)
    # the partners holding her records are told (her two police records and social care)
    told = [n for n in pending(session) if n.request_id == request.id]
    assert [n.kind for n in told] == ["restriction"] * 3
    # access reads the same fact
    from familyhub.access.facts import restricted_person_ids as access_view

    assert access_view(session, [stored.person_id, stored.other_person_id], TODAY) == {
        stored.person_id
    }
    assert lift_restriction(
        session,
        person_id=stored.person_id,
        kind="restriction",
        on=date(2026, 12, 1),
        reason="accuracy confirmed",
        actor="ig",
    )
    assert not is_restricted(session, stored.person_id, on=date(2026, 12, 1))
    assert is_restricted(session, stored.person_id, on=date(2026, 11, 15))


def test_objection_leaves_the_person_out_of_profiling_from_then_on(session: Session) -> None:
    stored = store_everywhere(session)
    request = _request(session, stored.person_id, "objection")
    assert apply_restriction(
        session,
        request_id=request.id,
        kind="objection",
        grounds="does not want flags",
        on=TODAY,
        actor="ig",
    ).done
    assert objects_to_profiling(session, stored.person_id, on=TODAY)
    assert stored.person_id not in objecting_person_ids(session, on=date(2026, 11, 1))
    assert stored.person_id not in restricted_person_ids(session, on=TODAY)


def test_restriction_for_an_unresolved_subject_is_refused(session: Session) -> None:
    request = _request(session, "nobody", "restriction")
    outcome = apply_restriction(
        session, request_id=request.id, kind="restriction", grounds="x", on=TODAY, actor="ig"
    )
    assert not outcome.done
    assert "resolve it first" in outcome.message
    assert "nobody" not in restricted_person_ids(session, on=TODAY)

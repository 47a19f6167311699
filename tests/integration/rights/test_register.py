"""The request register: due dates, identity, duplicates, unmatched subjects, extensions."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from familyhub.linkage.models import Person
from familyhub.rights import requests as rr
from familyhub.rights.subject import SubjectMatch, decide


def _person(session: Session, person_id: str, merged_into: str | None = None) -> Person:
    person = Person(
        id=person_id, status="merged" if merged_into else "active", merged_into=merged_into
    )
    session.add(person)
    session.flush()
    return person


def _register(session: Session, **kwargs):
    defaults: dict[str, Any] = {
        "kind": "access",
        "requester": "Synthetic Requester",
        "received_on": date(2026, 9, 3),
        "subject_details": {"name": "Ava Synthetic", "date_of_birth": "2015-02-01"},
        "identity_checked_on": date(2026, 9, 3),
        "actor": "ig.officer",
    }
    defaults.update(kwargs)
    return rr.register_request(session, **defaults)


def test_register_with_known_person_sets_the_statutory_due_date(session: Session) -> None:
    _person(session, "p-ava")
    outcome = _register(session, person_id="p-ava")
    assert outcome.done
    request = outcome.request
    assert (request.status, request.match_outcome, request.person_id) == ("open", "chosen", "p-ava")
    assert request.due_on == date(2026, 10, 5)  # 3 October 2026 is a Saturday
    assert [e.action for e in rr.history(session, request.id)] == ["registered"]


def test_a_merged_person_id_resolves_to_the_survivor(session: Session) -> None:
    _person(session, "p-new")
    _person(session, "p-old", merged_into="p-new")
    assert _register(session, person_id="p-old").request.person_id == "p-new"


def test_clock_starts_when_identity_is_confirmed(session: Session) -> None:
    _person(session, "p-ava")
    request = _register(session, person_id="p-ava", identity_checked_on=None).request
    assert (request.status, request.due_on) == ("awaiting_identity", None)
    outcome = rr.confirm_identity(
        session, request_id=request.id, checked_on=date(2026, 9, 10), actor="ig", how="passport"
    )
    assert outcome.done
    assert (request.status, request.due_on) == ("open", date(2026, 10, 12))  # 10 Oct Saturday


def test_unfound_subject_is_recorded_with_its_clock_running(session: Session) -> None:
    outcome = _register(session, person_id="nobody-here")
    request = outcome.request
    assert (request.match_outcome, request.person_id, request.status) == (
        "not_found",
        None,
        "open",
    )
    assert request.due_on == date(2026, 10, 5)
    assert "no person" in outcome.message


def test_ambiguous_match_is_recorded_with_candidates_and_resolved_by_hand(
    session: Session,
) -> None:
    _person(session, "p-a")
    _person(session, "p-b")

    def two_candidates(*, session: Session, details: dict, person_id: str | None) -> SubjectMatch:
        return decide(["p-a", "p-b"])

    request = _register(session, matcher=two_candidates).request
    assert (request.match_outcome, request.match_candidates) == ("ambiguous", ["p-a", "p-b"])
    assert not rr.resolve_subject(
        session, request_id=request.id, person_id="p-zzz", actor="ig", reason="x"
    ).done
    assert rr.resolve_subject(
        session, request_id=request.id, person_id="p-b", actor="ig", reason="school confirmed"
    ).done
    assert (request.person_id, request.match_outcome) == ("p-b", "chosen")


def test_duplicate_request_is_recorded_as_such_and_changes_nothing(session: Session) -> None:
    _person(session, "p-ava")
    first = _register(session, person_id="p-ava").request
    second = _register(session, person_id="p-ava", received_on=date(2026, 9, 7))
    assert not second.done
    assert (second.request.status, second.request.duplicate_of) == ("duplicate", first.id)
    assert first.status == "open"
    # a different kind is a different request
    assert _register(session, person_id="p-ava", kind="erasure").done


def test_extension_within_the_first_month_with_reason(session: Session) -> None:
    _person(session, "p-ava")
    request = _register(session, person_id="p-ava").request
    outcome = rr.extend(
        session,
        request_id=request.id,
        months=2,
        reason="records from six partners to review",
        asked_on=date(2026, 9, 20),
        actor="ig",
    )
    assert outcome.done
    assert (request.status, request.due_on) == ("extended", date(2026, 12, 3))


@pytest.mark.parametrize(
    ("months", "reason", "asked_on", "why"),
    [
        (2, "complex", date(2026, 10, 6), "too late"),
        (2, "  ", date(2026, 9, 10), "needs a reason"),
        (3, "complex", date(2026, 9, 10), "1 or 2 further months"),
    ],
)
def test_extension_refused_is_recorded_and_the_due_date_stands(
    session: Session, months: int, reason: str, asked_on: date, why: str
) -> None:
    _person(session, "p-ava")
    request = _register(session, person_id="p-ava").request
    outcome = rr.extend(
        session, request_id=request.id, months=months, reason=reason, asked_on=asked_on, actor="ig"
    )
    assert not outcome.done
    assert why in outcome.message
    assert (request.status, request.due_on) == ("open", date(2026, 10, 5))
    assert rr.history(session, request.id)[-1].action == "extension_refused"


def test_queue_shows_overdue_due_soon_and_done(session: Session) -> None:
    for pid in ("p-1", "p-2", "p-3"):
        _person(session, pid)
    late = _register(
        session, person_id="p-1", received_on=date(2026, 8, 1), identity_checked_on=date(2026, 8, 1)
    ).request
    soon = _register(session, person_id="p-2", received_on=date(2026, 9, 3)).request
    done = _register(session, person_id="p-3", received_on=date(2026, 9, 1)).request
    rr.close(
        session,
        request_id=done.id,
        status="completed",
        outcome="export sent",
        on=date(2026, 9, 20),
        actor="ig",
    )
    queue = rr.request_queue(session, today=date(2026, 10, 1))
    assert late in queue.overdue
    assert soon in queue.due_soon
    assert done in queue.done
    again = rr.close(
        session,
        request_id=done.id,
        status="completed",
        outcome="x",
        on=date(2026, 9, 21),
        actor="i",
    )
    assert not again.done

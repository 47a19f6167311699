"""The register of rights requests and the steps each may take.

Every step is recorded in ``rights_request_event``. A step that is not allowed (an extension
after the first month, a second open request for the same thing) is not an exception that
rolls the session back: it is a recorded :class:`StepOutcome` with ``done=False`` and a reason
a person can act on, and nothing else changes.

States::

    awaiting_identity --identity confirmed--> open --extend--> extended
    open | extended --> completed | refused | withdrawn
    (a repeat of an open request is recorded straight away as ``duplicate``)

The clock starts on the day of receipt or, when identity had to be checked first, on the day
it was confirmed (the ICO: the time limit starts once you have what you need to identify them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.rights import deadlines
from familyhub.rights.models import RightsRequest, RightsRequestEvent
from familyhub.rights.subject import SubjectMatch, match_subject

KINDS = ("access", "rectification", "erasure", "restriction", "portability", "objection")
OPEN_STATES = ("awaiting_identity", "open", "extended")
CLOSED_STATES = ("completed", "refused", "withdrawn", "duplicate")


class UnknownRequestError(LookupError):
    """No request has that number."""


@dataclass(frozen=True)
class StepOutcome:
    done: bool
    message: str
    request: RightsRequest
    detail: dict[str, Any] = field(default_factory=dict)


def get_request(session: Session, request_id: int) -> RightsRequest:
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise UnknownRequestError(f"no rights request {request_id}")
    return request


def log(
    session: Session,
    request: RightsRequest,
    *,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        RightsRequestEvent(request_id=request.id, actor=actor, action=action, detail=detail or {})
    )
    session.flush()


def _start_clock(request: RightsRequest, on: date) -> None:
    request.clock_started_on = on
    request.due_on = deadlines.due_date(on, extension_months=request.extension_months)


def _find_open_duplicate(
    session: Session, *, kind: str, person_id: str | None, subject_details: dict[str, Any]
) -> RightsRequest | None:
    query = select(RightsRequest).where(
        RightsRequest.kind == kind, RightsRequest.status.in_(OPEN_STATES)
    )
    if person_id is not None:
        query = query.where(RightsRequest.person_id == person_id)
        return session.scalars(query.order_by(RightsRequest.id)).first()
    # An unmatched subject: the same description asked for the same thing is the same request.
    for candidate in session.scalars(query.where(RightsRequest.person_id.is_(None))):
        if candidate.subject_details == subject_details:
            return candidate
    return None


def register_request(
    session: Session,
    *,
    kind: str,
    requester: str,
    received_on: date,
    subject_details: dict[str, Any],
    actor: str,
    person_id: str | None = None,
    identity_checked_on: date | None = None,
    requester_relationship: str = "self",
    details: dict[str, Any] | None = None,
    matcher: Callable[..., SubjectMatch] = match_subject,
) -> StepOutcome:
    """Record a request and find its subject; always records something.

    An unfound or ambiguous subject is recorded with that outcome (and the candidates), the
    clock running all the same: the requester is owed an answer either way. A repeat of an open
    request for the same subject and kind is recorded as ``duplicate`` of the first.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    match = matcher(session=session, details=subject_details, person_id=person_id)
    request = RightsRequest(
        kind=kind,
        status="open",
        subject_details=dict(subject_details),
        person_id=match.person_id,
        match_outcome=match.outcome,
        match_candidates=list(match.candidates),
        requester=requester,
        requester_relationship=requester_relationship,
        received_on=received_on,
        identity_checked_on=identity_checked_on,
        details=dict(details or {}),
        created_by=actor,
        extension_months=0,
    )
    duplicate = _find_open_duplicate(
        session, kind=kind, person_id=match.person_id, subject_details=request.subject_details
    )
    session.add(request)
    session.flush()
    if duplicate is not None:
        request.status = "duplicate"
        request.duplicate_of = duplicate.id
        request.closed_on = received_on
        request.outcome = f"duplicate of open request {duplicate.id}"
        log(session, request, actor=actor, action="duplicate", detail={"of": duplicate.id})
        return StepOutcome(False, request.outcome, request, {"duplicate_of": duplicate.id})
    if identity_checked_on is None:
        request.status = "awaiting_identity"
    else:
        _start_clock(request, max(received_on, identity_checked_on))
    log(
        session,
        request,
        actor=actor,
        action="registered",
        detail={"match": match.outcome, "candidates": len(match.candidates)},
    )
    return StepOutcome(True, match.explanation, request, {"match": match.outcome})


def confirm_identity(
    session: Session, *, request_id: int, checked_on: date, actor: str, how: str
) -> StepOutcome:
    request = get_request(session, request_id)
    if request.status != "awaiting_identity":
        message = f"request {request.id} is {request.status}, not awaiting identity"
        log(session, request, actor=actor, action="identity_refused", detail={"why": message})
        return StepOutcome(False, message, request)
    request.identity_checked_on = checked_on
    request.status = "open"
    _start_clock(request, max(request.received_on, checked_on))
    log(session, request, actor=actor, action="identity_confirmed", detail={"how": how})
    return StepOutcome(True, f"identity confirmed; due {request.due_on}", request)


def resolve_subject(
    session: Session, *, request_id: int, person_id: str, actor: str, reason: str
) -> StepOutcome:
    """Pick the subject by hand (after an unfound or ambiguous match), with the reason."""
    from familyhub.rights.subject import person_exists

    request = get_request(session, request_id)
    if request.status in CLOSED_STATES:
        message = f"request {request.id} is {request.status}; it cannot change subject"
        log(session, request, actor=actor, action="resolve_refused", detail={"why": message})
        return StepOutcome(False, message, request)
    if not person_exists(session, person_id):
        message = f"no person {person_id}"
        log(session, request, actor=actor, action="resolve_refused", detail={"why": message})
        return StepOutcome(False, message, request)
    request.person_id = person_id
    request.match_outcome = "chosen"
    log(
        session,
        request,
        actor=actor,
        action="subject_chosen",
        detail={"person_id": person_id, "reason": reason},
    )
    return StepOutcome(True, f"subject set to {person_id}", request)


def extend(
    session: Session, *, request_id: int, months: int, reason: str, asked_on: date, actor: str
) -> StepOutcome:
    """Extend by up to two further months, with a reason, only within the first month."""
    request = get_request(session, request_id)
    refusal: str | None = None
    if request.status not in ("open", "extended") or request.clock_started_on is None:
        refusal = f"request {request.id} is {request.status}; only an open request can be extended"
    elif not reason.strip():
        refusal = "an extension needs a reason (why the request is complex or numerous)"
    elif not 1 <= months <= deadlines.MAX_EXTENSION_MONTHS:
        refusal = f"an extension is 1 or 2 further months, not {months}"
    elif not deadlines.may_extend(request.clock_started_on, asked_on):
        closes = deadlines.extension_window_closes(request.clock_started_on)
        refusal = f"too late: an extension had to be made by {closes} (the first month)"
    if refusal is not None:
        log(
            session,
            request,
            actor=actor,
            action="extension_refused",
            detail={"why": refusal, "asked_on": asked_on.isoformat(), "months": months},
        )
        return StepOutcome(False, refusal, request)
    assert request.clock_started_on is not None
    request.extension_months = months
    request.extension_reason = reason
    request.extended_on = asked_on
    request.status = "extended"
    request.due_on = deadlines.due_date(request.clock_started_on, extension_months=months)
    log(
        session,
        request,
        actor=actor,
        action="extended",
        detail={"months": months, "reason": reason, "due_on": request.due_on.isoformat()},
    )
    return StepOutcome(True, f"extended by {months} month(s); now due {request.due_on}", request)


def close(
    session: Session,
    *,
    request_id: int,
    status: str,
    outcome: str,
    on: date,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> StepOutcome:
    """Close an open request as completed, refused (with the reason) or withdrawn."""
    if status not in ("completed", "refused", "withdrawn"):
        raise ValueError("a request closes as completed, refused or withdrawn")
    request = get_request(session, request_id)
    if request.status in CLOSED_STATES:
        message = f"request {request.id} is already {request.status}"
        log(session, request, actor=actor, action="close_refused", detail={"why": message})
        return StepOutcome(False, message, request)
    if not outcome.strip():
        message = "say what was done (or why refused) when closing a request"
        log(session, request, actor=actor, action="close_refused", detail={"why": message})
        return StepOutcome(False, message, request)
    request.status = status
    request.outcome = outcome
    request.closed_on = on
    log_detail = {"outcome": outcome, **(detail or {})}
    log(session, request, actor=actor, action=status, detail=log_detail)
    return StepOutcome(True, f"request {request.id} {status}", request)


@dataclass(frozen=True)
class RequestQueue:
    """What information governance sees: open requests by urgency, and those done."""

    overdue: list[RightsRequest]
    due_soon: list[RightsRequest]
    open: list[RightsRequest]
    awaiting_identity: list[RightsRequest]
    done: list[RightsRequest]


def request_queue(session: Session, *, today: date, soon_days: int = 7) -> RequestQueue:
    requests = list(session.scalars(select(RightsRequest).order_by(RightsRequest.id)))
    queue = RequestQueue([], [], [], [], [])
    for request in requests:
        if request.status in CLOSED_STATES:
            queue.done.append(request)
        elif request.status == "awaiting_identity" or request.due_on is None:
            queue.awaiting_identity.append(request)
        elif request.due_on < today:
            queue.overdue.append(request)
        elif (request.due_on - today).days <= soon_days:
            queue.due_soon.append(request)
        else:
            queue.open.append(request)
    for bucket in (queue.overdue, queue.due_soon, queue.open):
        bucket.sort(key=lambda r: r.due_on or today)
    return queue


def history(session: Session, request_id: int) -> list[RightsRequestEvent]:
    return list(
        session.scalars(
            select(RightsRequestEvent)
            .where(RightsRequestEvent.request_id == request_id)
            .order_by(RightsRequestEvent.id)
        )
    )

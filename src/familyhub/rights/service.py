"""The rights domain's functions other domains call, and restriction/objection requests.

Other domains read:

* :func:`restricted_person_ids` (keep, do not process: linkage updates, needs, insight);
* :func:`objecting_person_ids` (left out of needs flagging);
* :func:`overlay` (apply rectifications to values derived from the sources), and
  :func:`golden_with_corrections` (the golden record's headline values, corrected).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from familyhub.rights import facts
from familyhub.rights import requests as rr
from familyhub.rights.facts import (
    is_restricted,
    objecting_person_ids,
    objects_to_profiling,
    restricted_person_ids,
)
from familyhub.rights.outbox import notify, source_organisations
from familyhub.rights.personal_data import find_personal_data
from familyhub.rights.rectification import golden_with_corrections, overlay

__all__ = [
    "apply_restriction",
    "golden_with_corrections",
    "is_restricted",
    "lift_restriction",
    "objecting_person_ids",
    "objects_to_profiling",
    "overlay",
    "restricted_person_ids",
]


def apply_restriction(
    session: Session, *, request_id: int, kind: str, grounds: str, on: date, actor: str
) -> rr.StepOutcome:
    """Carry out a restriction or objection request for its subject; partners holding the
    person's records are told of a restriction (Art 19)."""
    expected = {"restriction": "restriction", "objection": "objection"}[kind]
    request = rr.get_request(session, request_id)
    refusal = None
    if request.kind != expected:
        refusal = f"request {request.id} is a {request.kind} request, not {expected}"
    elif request.status not in ("open", "extended"):
        refusal = f"request {request.id} is {request.status}"
    elif request.person_id is None:
        refusal = f"request {request.id} has no subject ({request.match_outcome}): resolve it first"
    elif not grounds.strip():
        refusal = "give the grounds"
    if refusal is not None:
        rr.log(session, request, actor=actor, action=f"{kind}_refused", detail={"why": refusal})
        return rr.StepOutcome(False, refusal, request)
    assert request.person_id is not None
    facts.place(
        session,
        person_id=request.person_id,
        kind=kind,
        grounds=grounds,
        on=on,
        request_id=request.id,
    )
    told = 0
    if kind == "restriction":
        organisations = source_organisations()
        records = find_personal_data(session, person_id=request.person_id).rows
        for record in records.get("source_record", []):
            notify(
                session,
                organisation=organisations.get(record["source"], record["source"]),
                kind="restriction",
                request_id=request.id,
                person_id=request.person_id,
                payload={
                    "source": record["source"],
                    "record_id": record["record_id"],
                    "grounds": grounds,
                },
            )
            told += 1
    what = "processing restricted" if kind == "restriction" else "left out of profiling"
    return rr.close(
        session,
        request_id=request.id,
        status="completed",
        outcome=f"{what} from {on}; {told} partner record(s) to be told",
        on=on,
        actor=actor,
    )


def lift_restriction(
    session: Session, *, person_id: str, kind: str, on: date, reason: str, actor: str
) -> bool:
    row = facts.lift(session, person_id=person_id, kind=kind, on=on, reason=reason)
    return row is not None

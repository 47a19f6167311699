"""Restriction and objection: facts that other domains read before they process a person.

* ``restricted_person_ids``: the person's data stays but is not processed: linkage leaves
  them out of updates, needs and insight leave them out, and the view shows the restriction
  (access decides with a ``restricted`` fact).
* ``objecting_person_ids``: the person objects to profiling (Art 21): needs flagging leaves
  them out from then on.

Both are sets of person ids in force on a given day (today by default); a lifted restriction
stays in the table with when and why it was lifted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from familyhub.rights.models import ProcessingRestriction

RESTRICTION = "restriction"
OBJECTION = "objection"


def _in_force(
    session: Session, kind: str, on: date | None, person_ids: Iterable[str] | None = None
) -> set[str]:
    day = on or date.today()
    query = select(ProcessingRestriction.person_id).where(
        ProcessingRestriction.kind == kind,
        ProcessingRestriction.started_on <= day,
        or_(ProcessingRestriction.lifted_on.is_(None), ProcessingRestriction.lifted_on > day),
    )
    if person_ids is not None:
        ids = set(person_ids)
        if not ids:
            return set()
        query = query.where(ProcessingRestriction.person_id.in_(ids))
    return set(session.scalars(query))


def restricted_person_ids(
    session: Session, *, on: date | None = None, person_ids: Iterable[str] | None = None
) -> set[str]:
    """Persons whose processing is restricted: keep their data, do not process it.

    ``person_ids``: only these (access asks about the persons of one request)."""
    return _in_force(session, RESTRICTION, on, person_ids)


def objecting_person_ids(session: Session, *, on: date | None = None) -> set[str]:
    """Persons who object to profiling: leave them out of needs flagging."""
    return _in_force(session, OBJECTION, on)


def is_restricted(session: Session, person_id: str, *, on: date | None = None) -> bool:
    return person_id in restricted_person_ids(session, on=on)


def objects_to_profiling(session: Session, person_id: str, *, on: date | None = None) -> bool:
    return person_id in objecting_person_ids(session, on=on)


def current(
    session: Session, *, person_id: str, kind: str, on: date | None = None
) -> ProcessingRestriction | None:
    day = on or date.today()
    return session.scalars(
        select(ProcessingRestriction).where(
            ProcessingRestriction.person_id == person_id,
            ProcessingRestriction.kind == kind,
            ProcessingRestriction.started_on <= day,
            or_(ProcessingRestriction.lifted_on.is_(None), ProcessingRestriction.lifted_on > day),
        )
    ).first()


def place(
    session: Session,
    *,
    person_id: str,
    kind: str,
    grounds: str,
    on: date,
    request_id: int | None = None,
) -> ProcessingRestriction:
    """Start a restriction or an objection; an existing one in force is returned as is."""
    if kind not in (RESTRICTION, OBJECTION):
        raise ValueError(f"kind is {RESTRICTION} or {OBJECTION}")
    existing = current(session, person_id=person_id, kind=kind, on=on)
    if existing is not None:
        return existing
    row = ProcessingRestriction(
        person_id=person_id, kind=kind, grounds=grounds, started_on=on, request_id=request_id
    )
    session.add(row)
    session.flush()
    return row


def lift(
    session: Session, *, person_id: str, kind: str, on: date, reason: str
) -> ProcessingRestriction | None:
    """End the restriction or objection in force (None when there is none)."""
    row = current(session, person_id=person_id, kind=kind, on=on)
    if row is None:
        return None
    row.lifted_on = on
    row.lifted_reason = reason
    session.flush()
    return row

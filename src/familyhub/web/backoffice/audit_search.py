"""Searching the audit log for information governance: a read-only filter over its events.

The audit package answers "who viewed this person" (``audit.queries.who_viewed``); the
search screen also filters by user, action and dates, which it has no function for, so
this small query lives with the page. It only reads ``audit_event`` (and its person index,
``audit_event_subject``); nothing here writes to the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.models import Organisation
from familyhub.audit.models import AuditEvent, AuditEventSubject
from familyhub.web.backoffice.common import day_start

MAX_RESULTS = 200


@dataclass(frozen=True)
class AuditQuery:
    person_id: str = ""
    username: str = ""
    action: str = ""
    start: date | None = None  # from this day
    end: date | None = None  # to this day, inclusive

    @property
    def empty(self) -> bool:
        return not (self.person_id or self.username or self.action or self.start or self.end)


@dataclass(frozen=True)
class Found:
    events: list[tuple[AuditEvent, str | None]]  # each event with its organisation's name
    more: bool  # there were more than MAX_RESULTS


def actions(session: Session) -> list[str]:
    """Every action the log holds, for the search form's list."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search(session: Session, query: AuditQuery) -> Found:
    """Events matching every filter given, newest first, at most ``MAX_RESULTS``."""
    statement = select(AuditEvent, Organisation.name).outerjoin(
        Organisation, Organisation.id == AuditEvent.organisation_id
    )
    if query.person_id:
        statement = statement.where(
            AuditEvent.seq.in_(
                select(AuditEventSubject.event_seq).where(
                    AuditEventSubject.person_id == query.person_id
                )
            )
        )
    if query.username:
        statement = statement.where(
            func.lower(AuditEvent.actor_username) == query.username.strip().lower()
        )
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.start:
        statement = statement.where(AuditEvent.occurred_at >= day_start(query.start))
    if query.end:
        statement = statement.where(
            AuditEvent.occurred_at < day_start(query.end + timedelta(days=1))
        )
    rows = session.execute(statement.order_by(AuditEvent.seq.desc()).limit(MAX_RESULTS + 1)).all()
    events: list[tuple[AuditEvent, str | None]] = [(e, name) for e, name in rows[:MAX_RESULTS]]
    return Found(events, more=len(rows) > MAX_RESULTS)

"""Reading the audit log: who viewed a person's record, when and why; and the information
governance search over its events by person, user, action and day. Nothing here writes to
the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.models import Organisation
from familyhub.audit.models import AuditEvent, AuditEventSubject

# Reads of person data, in words a family would understand.
ACTION_WORDS = {
    "person.search": "found them in a search",
    "person.view": "opened their record",
    "family.view": "opened their family's record",
    "person.records": "read records about them",
    "person.contact": "looked at their contact details",
    "family.contact": "looked at their family's contact details",
    "consent.view": "looked at their consent",
    "consent.record": "recorded their consent",
    "involvement.change": "changed who is working with them",
    "referral.create": "made a referral about them",
    "referral.change": "updated a referral about them",
    "access.break_glass": "used the safeguarding override (break-glass)",
}


@dataclass(frozen=True)
class Viewing:
    seq: int
    occurred_at: datetime
    username: str
    display_name: str | None
    organisation: str | None
    roles: list[str]
    purpose: str | None
    action: str
    what: str
    decision: str


def _person_ids_including_merged(session: Session, person_id: str) -> list[str]:
    """The person and every id merged into them (so views before a merge still show)."""
    from familyhub.linkage.models import Person

    ids = [person_id]
    frontier = [person_id]
    while frontier:
        merged = list(session.scalars(select(Person.id).where(Person.merged_into.in_(frontier))))
        merged = [m for m in merged if m not in ids]
        ids.extend(merged)
        frontier = merged
    return ids


def who_viewed(
    session: Session,
    *,
    person_id: str,
    include_refused: bool = False,
    since: datetime | None = None,
) -> list[Viewing]:
    """Everyone who looked at or changed the person's data, oldest first."""
    from familyhub.access.models import Organisation, User

    ids = _person_ids_including_merged(session, person_id)
    query = (
        select(AuditEvent, User.display_name, Organisation.name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .where(
            AuditEvent.seq.in_(
                select(AuditEventSubject.event_seq).where(AuditEventSubject.person_id.in_(ids))
            )
        )
        .order_by(AuditEvent.seq)
    )
    if not include_refused:
        query = query.where(AuditEvent.decision == "allow")
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    return [
        Viewing(
            seq=event.seq,
            occurred_at=event.occurred_at,
            username=event.actor_username,
            display_name=display_name,
            organisation=organisation,
            roles=list(event.roles or ()),
            purpose=event.purpose,
            action=event.action,
            what=ACTION_WORDS.get(event.action, event.action),
            decision=event.decision,
        )
        for event, display_name, organisation in session.execute(query)
    ]


MAX_SEARCH_RESULTS = 200
# The days a search names are days in England, whatever the server's clock is set to.
_ENGLAND = ZoneInfo("Europe/London")


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
    more: bool  # there were more than MAX_SEARCH_RESULTS


def _day_start(value: date) -> datetime:
    """When a day begins in England, in UTC (how the database keeps moments)."""
    return datetime(value.year, value.month, value.day, tzinfo=_ENGLAND).astimezone(UTC)


def event_actions(session: Session) -> list[str]:
    """Every action the log holds, for a search form's list."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def search_events(session: Session, query: AuditQuery) -> Found:
    """Events matching every filter given, newest first, at most ``MAX_SEARCH_RESULTS``."""
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
        statement = statement.where(AuditEvent.occurred_at >= _day_start(query.start))
    if query.end:
        statement = statement.where(
            AuditEvent.occurred_at < _day_start(query.end + timedelta(days=1))
        )
    rows = session.execute(
        statement.order_by(AuditEvent.seq.desc()).limit(MAX_SEARCH_RESULTS + 1)
    ).all()
    events: list[tuple[AuditEvent, str | None]] = [
        (e, name) for e, name in rows[:MAX_SEARCH_RESULTS]
    ]
    return Found(events, more=len(rows) > MAX_SEARCH_RESULTS)

"""Reading the audit log: who viewed a person's record, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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

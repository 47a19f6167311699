"""Writing a synthetic stretch of audit log, and tampering with it as an attacker would."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from familyhub.audit.chain import link_hash, payload_of
from familyhub.audit.models import AuditChainHead, AuditEvent
from familyhub.audit.service import Actor, EventSpec, record_many

ACTOR = Actor(user_id=None, username="synthetic.tester", organisation_id=None, roles=("gp",))


def head_seq(session: Session) -> int:
    """Where the chain stands before a test writes (refusals of earlier tests are committed)."""
    return int(session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == 1)) or 0)


def write_events(session: Session, count: int) -> int:
    """Append ``count`` events; returns the sequence number just before the first of them."""
    base = head_seq(session)
    specs = [
        EventSpec(
            actor=ACTOR,
            action="person.view",
            records=[f"person:P{i:05d}"],
            decision="allow",
            policy_ids=["view.involvement"],
            purpose="direct_care",
            request_id=f"req-{i}",
            details={"n": i},
        )
        for i in range(count)
    ]
    record_many(session, specs)
    return base


def rows(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def recompute_from(session: Session, seq: int) -> None:
    """Re-hash every event from ``seq`` on and move the head: a rewrite without the key."""
    session.expire_all()
    events = [e for e in rows(session) if e.seq >= seq - 1]
    prev = events[0].hash if seq > 1 else "0" * 64
    for event in events[1:] if seq > 1 else events:
        new_hash = link_hash(
            prev,
            payload_of(
                {
                    c: getattr(event, c)
                    for c in (
                        "seq",
                        "occurred_at",
                        "actor_user_id",
                        "actor_username",
                        "organisation_id",
                        "roles",
                        "purpose",
                        "action",
                        "records",
                        "decision",
                        "policy_ids",
                        "request_id",
                        "details",
                    )
                }
            ),
        )
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == event.seq)
            .values(prev_hash=prev, hash=new_hash)
        )
        prev = new_hash
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(hash=prev))
    session.expire_all()


def truncate_after(session: Session, seq: int, *, fix_head: bool = True) -> None:
    session.execute(delete(AuditEvent).where(AuditEvent.seq > seq))
    if fix_head:
        last = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
        session.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=last)
        )
    session.expire_all()

"""The only writer of audit events.

Every read or write of person data calls :func:`record` (or :func:`record_many` for a
batch) once, naming every person record returned or changed. Appends take a lock on the
single chain-head row, so events from concurrent requests are chained one after another
with gapless sequence numbers; a checkpoint is signed every ``CHECKPOINT_EVERY`` events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from familyhub.audit import keys as audit_keys
from familyhub.audit.chain import document_of, link_hash
from familyhub.audit.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditEventSubject,
)
from familyhub.linkage.models import PERSON_ID_LENGTH

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from familyhub.access.models import User

CHECKPOINT_EVERY = 100
_EVENT_TABLE = cast(Table, AuditEvent.__table__)
_SUBJECT_TABLE = cast(Table, AuditEventSubject.__table__)
DECISIONS = ("allow", "deny", "refused")


@dataclass(frozen=True)
class Actor:
    """Who acted, as the audit log keeps it (a user, or a name given by someone unknown)."""

    user_id: int | None
    username: str
    organisation_id: int | None = None
    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, actor: User | Actor | str) -> Actor:
        if isinstance(actor, Actor):
            return actor
        if isinstance(actor, str):
            return cls(user_id=None, username=actor)
        return cls(
            user_id=actor.id,
            username=actor.username,
            organisation_id=actor.organisation_id,
            roles=tuple(sorted(actor.roles or ())),
        )


class _HasDecision(Protocol):
    @property
    def allowed(self) -> bool: ...

    @property
    def policy_ids(self) -> list[str]: ...


@dataclass
class EventSpec:
    """One event to append (see :func:`record` for what each field means)."""

    actor: Actor
    action: str
    records: list[str]
    decision: str
    policy_ids: list[str] = field(default_factory=list)
    purpose: str | None = None
    request_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    hash: str
    occurred_at: datetime


def _decision_text(decision: str | bool | _HasDecision) -> str:
    if isinstance(decision, bool):
        return "allow" if decision else "deny"
    if isinstance(decision, str):
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        return decision
    return "allow" if decision.allowed else "deny"


def record(
    session: Session,
    *,
    actor: User | Actor | str,
    action: str,
    records: Iterable[str],
    decision: str | bool | _HasDecision,
    policy_ids: Sequence[str] | None = None,
    purpose: str | None,
    request_id: str | None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    keys_dir: Path | None = None,
) -> RecordedEvent:
    """Append one audit event and return its place in the chain.

    ``records`` are references such as ``person:<id>``, ``family:<id>``,
    ``source_record:<id>``; ``decision`` is "allow", "deny", "refused", or an access
    ``Decision`` (whose policy ids are used unless ``policy_ids`` is given).
    """
    if policy_ids is None:
        policy_ids = list(getattr(decision, "policy_ids", []) or [])
    spec = EventSpec(
        actor=Actor.of(actor),
        action=action,
        records=list(records),
        decision=_decision_text(decision),
        policy_ids=list(policy_ids),
        purpose=purpose,
        request_id=request_id,
        details=dict(details or {}),
        occurred_at=occurred_at,
    )
    return record_many(session, [spec], keys_dir=keys_dir)[0]


def record_many(
    session: Session, specs: Sequence[EventSpec], *, keys_dir: Path | None = None
) -> list[RecordedEvent]:
    """Append several events in order under one lock (one round trip per table)."""
    if not specs:
        return []
    from familyhub.audit.alerts import raise_alerts, read_alert_facts

    # Everything that reads comes first: the chain's lock, taken next, is held until the
    # request commits, and every other request's audit event waits for it.
    drafts = [_draft(spec, datetime.now(UTC)) for spec in specs]
    subjects = _subjects(session, drafts)
    facts = read_alert_facts(session, drafts, subjects)
    # The UPDATE takes the write lock before reading (a row lock on PostgreSQL, the database
    # lock on SQLite), so two writers never both read the same head; RETURNING reads it in
    # the same round trip.
    connection = session.connection()
    head = connection.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
    ).first()
    if head is None:
        session.add(AuditChainHead(id=1, seq=0, hash=GENESIS_HASH))
        session.flush()
        seq, prev = 0, GENESIS_HASH
    else:
        seq, prev = int(head.seq), str(head.hash)
    # Stamped under the lock, so times never go backwards along the chain.
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    # A checkpoint is signed at every multiple of CHECKPOINT_EVERY, so verify can insist
    # that each one exists: deleting checkpoints is as visible as deleting events.
    boundaries: list[tuple[int, str]] = []
    for spec, draft in zip(specs, drafts, strict=True):
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            **draft,
            "occurred_at": (spec.occurred_at or now).astimezone(UTC),
        }
        row["prev_hash"] = prev
        row["hash"] = prev = link_hash(prev, document_of(row))
        rows.append(row)
        if seq % CHECKPOINT_EVERY == 0:
            boundaries.append((seq, prev))
    # Core inserts (one executemany each): the ORM's bookkeeping is not needed for rows the
    # application never updates, and it would halve the append rate.
    connection.execute(insert(_EVENT_TABLE), rows)
    subject_rows = [
        {"event_seq": row["seq"], "person_id": person}
        for row, persons in zip(rows, subjects, strict=True)
        for person in persons
    ]
    if subject_rows:
        connection.execute(insert(_SUBJECT_TABLE), subject_rows)
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev))
    for boundary_seq, boundary_hash in boundaries:
        write_checkpoint(session, seq=boundary_seq, head_hash=boundary_hash, keys_dir=keys_dir)
    raise_alerts(session, rows, facts)
    return [RecordedEvent(r["seq"], r["hash"], r["occurred_at"]) for r in rows]


def _draft(spec: EventSpec, now: datetime) -> dict[str, Any]:
    """An event's row without its place in the chain (seq and hashes come under the lock)."""
    return {
        "occurred_at": (spec.occurred_at or now).astimezone(UTC),
        "actor_user_id": spec.actor.user_id,
        "actor_username": spec.actor.username,
        "organisation_id": spec.actor.organisation_id,
        "roles": list(spec.actor.roles),
        "purpose": spec.purpose,
        "action": spec.action,
        "records": list(spec.records),
        "decision": spec.decision,
        "policy_ids": list(spec.policy_ids),
        "request_id": spec.request_id,
        "details": spec.details,
    }


def _subjects(session: Session, rows: list[dict[str, Any]]) -> list[list[str]]:
    """Who each event touches: named persons, and the members of named families."""
    family_ids = {
        ref.split(":", 1)[1] for r in rows for ref in r["records"] if ref.startswith("family:")
    }
    members: dict[str, set[str]] = {}
    if family_ids:
        from familyhub.families.models import FamilyMember

        for family_id, person_id in session.execute(
            select(FamilyMember.family_id, FamilyMember.person_id).where(
                FamilyMember.family_id.in_(family_ids)
            )
        ):
            members.setdefault(family_id, set()).add(person_id)
    out: list[list[str]] = []
    for r in rows:
        persons: set[str] = set()
        for ref in r["records"]:
            kind, _, ident = ref.partition(":")
            if kind == "person" and len(ident) <= PERSON_ID_LENGTH:
                # (a longer id names no person: the event keeps the ref, the index cannot)
                persons.add(ident)
            elif kind == "family":
                persons |= members.get(ident, set())
        out.append(sorted(persons))
    return out


@lru_cache(maxsize=8)
def _signing_key(directory: Path) -> Ed25519PrivateKey:
    return audit_keys.load_signing_key(directory)


def write_checkpoint(
    session: Session,
    *,
    seq: int | None = None,
    head_hash: str | None = None,
    keys_dir: Path | None = None,
) -> AuditCheckpoint | None:
    """Sign (sequence, head hash), by default of the current head. None for an empty log."""
    if seq is None or head_hash is None:
        head = session.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)
        ).first()
        if head is None or head.seq == 0:
            return None
        seq, head_hash = int(head.seq), str(head.hash)
    if session.get(AuditCheckpoint, seq) is not None:
        return session.get(AuditCheckpoint, seq)
    key = _signing_key(audit_keys.keys_dir(keys_dir).resolve())
    checkpoint = AuditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        signed_at=datetime.now(UTC),
        key_id=audit_keys.key_id(key.public_key()),
        signature=audit_keys.sign_checkpoint(key, seq, head_hash),
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def record_refusal(
    session: Session,
    *,
    actor: User | Actor | str,
    action: str,
    records: Iterable[str] = (),
    purpose: str | None,
    request_id: str | None,
    reason: str,
    policy_ids: Sequence[str] = (),
    details: dict[str, Any] | None = None,
) -> RecordedEvent:
    """Audit a refused request and commit at once, so rolling the request back cannot erase it."""
    event = record(
        session,
        actor=actor,
        action=action,
        records=records,
        decision="refused",
        policy_ids=list(policy_ids),
        purpose=purpose,
        request_id=request_id,
        details={**(details or {}), "reason": reason},
    )
    session.commit()
    return event


def record_admin_action(
    session: Session,
    *,
    actor: User | Actor | str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
) -> RecordedEvent:
    """Audit a change to accounts or settings (no person data, still chained)."""
    return record(
        session,
        actor=actor,
        action=action,
        records=[target],
        decision="allow",
        purpose="information_governance",
        request_id=None,
        details=details,
    )

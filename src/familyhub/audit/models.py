"""The audit log: one event per read or write of person data, chained and signed.

``audit_event`` rows are never updated or deleted by the application. Each holds the
SHA-256 of the previous event's hash and its own canonical JSON (see ``chain.py``), so any
change breaks the chain; ``audit_checkpoint`` rows sign (sequence, head hash) with an
Ed25519 key kept outside the database, so a shortened log or a chain recomputed by someone
without the key is caught too. ``audit_event_subject`` indexes events by person for
"who viewed this record"; ``audit_alert`` holds what information governance must review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow

GENESIS_HASH = "0" * 64


class CanonicalJSON(TypeDecorator[Any]):
    """JSON stored as text in its canonical form (sorted keys, no spaces, UTF-8).

    The chain hashes exactly this text, so verifying need not parse and re-serialise it,
    and the stored text is byte-for-byte what was hashed on SQLite and PostgreSQL alike.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        from familyhub.audit.chain import canonical_text

        return None if value is None else canonical_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        import json

        return None if value is None else json.loads(value)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    # Gapless position in the chain, assigned under the chain-head lock.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The name the actor gave: kept even when no such user exists (a refused sign-in).
    actor_username: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(CanonicalJSON, default=list)
    purpose: Mapped[str | None] = mapped_column(String(40))
    # source:subject:action style, e.g. "person.view", "consent.record", "auth.sign_in".
    action: Mapped[str] = mapped_column(String(60), index=True)
    # Record references "person:<id>", "family:<id>", "source_record:<id>"...
    records: Mapped[list[str]] = mapped_column(CanonicalJSON, default=list)
    decision: Mapped[str] = mapped_column(String(10))  # allow, deny, refused
    policy_ids: Mapped[list[str]] = mapped_column(CanonicalJSON, default=list)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(CanonicalJSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEventSubject(Base):
    """Which persons an event touched (derived from ``records``; for who-viewed)."""

    __tablename__ = "audit_event_subject"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)


class AuditChainHead(Base):
    """One row: the last sequence number and hash. Locked while appending."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # First 16 hex digits of the SHA-256 of the raw public key that signed it.
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))  # hex


class AuditAlert(Base):
    __tablename__ = "audit_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # break_glass, own_record, own_household, colleague_record, burst, out_of_hours
    kind: Mapped[str] = mapped_column(String(32), index=True)
    event_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_note: Mapped[str | None] = mapped_column(Text)

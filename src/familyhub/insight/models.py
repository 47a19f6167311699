"""Tables of the insight domain: purpose key versions and the register of outputs.

Keys never touch the database: a purpose key is derived from the master key file (outside
the database and its backups) with the version's salt, so a stolen database alone cannot
reverse or re-create a single pseudonym.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.runs import utcnow


class PurposeKeyVersion(Base):
    """One version of a purpose's pseudonymisation key (its salt, never the key)."""

    __tablename__ = "insight_purpose_key"
    __table_args__ = (UniqueConstraint("purpose", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # Random HKDF salt for this version: not secret, but makes every rotation a new key.
    salt: Mapped[str] = mapped_column(String(64))
    # Which master key the version was made under, so a replaced master key file is noticed
    # before it silently changes every pseudonym.
    master_fingerprint: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class InsightOutput(Base):
    """A register of every file insight produced: what, for whom, under which rules."""

    __tablename__ = "insight_output"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # counts | extract | evaluation_return | chart
    kind: Mapped[str] = mapped_column(String(32), index=True)
    purpose: Mapped[str] = mapped_column(String(64), index=True)
    key_version: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str | None] = mapped_column(String(200))
    agreement: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the checks did: cells suppressed, rows generalised or held back, uncovered areas.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

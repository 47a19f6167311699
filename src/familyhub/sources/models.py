"""Tables of the sources domain: extracts, source records, their events and relationships.

One row of a partner's extract is one *source record* (``record_id`` is the row's id in the
partner's system, unique per source). Linkage reads the normalised identity columns; outcomes
read ``source_event``; families read ``source_relationship``. ``original`` keeps the raw value
of every mapped column beside the normalised one, so a correction can always be traced back
to what the partner sent.

Sex is stored as ``M`` (male), ``F`` (female) or ``U`` (unknown, not stated, indeterminate).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.runs import utcnow

SOURCE_NAME_LENGTH = 64
RECORD_ID_LENGTH = 64


class SourceExtract(Base):
    """One attempt to load one file: loaded, refused, or (never committed) in progress."""

    __tablename__ = "source_extract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    kind: Mapped[str] = mapped_column(String(8))  # full | delta
    # loaded | refused
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    values_dropped: Mapped[int] = mapped_column(Integer, default=0)
    events_loaded: Mapped[int] = mapped_column(Integer, default=0)
    contract_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    loaded_by: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)


def _partial_index(column: str) -> Index:
    present = text(f"{column} IS NOT NULL")
    return Index(
        f"ix_source_record_{column}", column, sqlite_where=present, postgresql_where=present
    )


class SourceRecord(Base):
    """One row of one partner's extract, identity fields normalised, latest version only."""

    __tablename__ = "source_record"
    __table_args__ = (
        UniqueConstraint("source", "record_id"),
        Index("ix_source_record_source_partner_person_id", "source", "partner_person_id"),
        Index("ix_source_record_family_name_match_date_of_birth", "family_name_match",
              "date_of_birth"),
        # The search's name lookups: family name, then the given name or its first word
        # (LIKE 'name %', which needs the pattern operators under a non-C collation).
        Index("ix_source_record_family_name_match_given_name_match", "family_name_match",
              "given_name_match", postgresql_ops={"given_name_match": "varchar_pattern_ops"}),
        # Identifiers most rows lack are indexed only where present: smaller indexes and
        # faster bulk loads, and "nhs_number = ?" still uses them.
        *(_partial_index(column) for column in ("nhs_number", "ni_number", "upn", "uprn")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH))
    record_id: Mapped[str] = mapped_column(String(RECORD_ID_LENGTH))
    # The partner's own id for the person (one person may have several rows, and duplicates).
    partner_person_id: Mapped[str | None] = mapped_column(String(RECORD_ID_LENGTH))
    extract_id: Mapped[int] = mapped_column(ForeignKey("source_extract.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | withdrawn
    row_sha256: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    other_names: Mapped[str | None] = mapped_column(String(300))
    given_name_match: Mapped[str | None] = mapped_column(String(200))
    family_name_match: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    ni_number: Mapped[str | None] = mapped_column(String(9))
    upn: Mapped[str | None] = mapped_column(String(13))
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    postcode_sector: Mapped[str | None] = mapped_column(String(6))
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    postcode_area: Mapped[str | None] = mapped_column(String(3))
    uprn: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    original: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SourceEvent(Base):
    """A dated thing a source says happened to the person of one source record."""

    __tablename__ = "source_event"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        Index("ix_source_event_source_record_id", "source", "record_id"),
        Index("ix_source_event_event_type_event_date", "event_type", "event_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH))
    record_id: Mapped[str] = mapped_column(String(RECORD_ID_LENGTH))
    # Stable within the source across reloads: cite (source, event_id) as evidence.
    event_id: Mapped[str] = mapped_column(String(160))
    event_type: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    data_category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extract_id: Mapped[int] = mapped_column(ForeignKey("source_extract.id"))


class SourceRelationship(Base):
    """A relationship a source states: ``related_record_id``'s person is the
    ``relationship`` of ``record_id``'s person (e.g. relationship ``mother``)."""

    __tablename__ = "source_relationship"
    __table_args__ = (
        Index("ix_source_relationship_source_record_id", "source", "record_id"),
        Index("ix_source_relationship_source_related_record_id", "source", "related_record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH))
    record_id: Mapped[str] = mapped_column(String(RECORD_ID_LENGTH))
    # Null until resolved when the source names the relative by its partner person id and
    # no record of that person has been loaded.
    related_record_id: Mapped[str | None] = mapped_column(String(RECORD_ID_LENGTH))
    related_partner_person_id: Mapped[str | None] = mapped_column(String(RECORD_ID_LENGTH))
    relationship: Mapped[str] = mapped_column(String(40))
    group_key: Mapped[str | None] = mapped_column(String(RECORD_ID_LENGTH))
    extract_id: Mapped[int] = mapped_column(ForeignKey("source_extract.id"))


class QuarantineRow(Base):
    """A row (or one value of a row) that did not load, and why, with the raw row."""

    __tablename__ = "quarantine_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extract_id: Mapped[int] = mapped_column(ForeignKey("source_extract.id"), index=True)
    source: Mapped[str] = mapped_column(String(SOURCE_NAME_LENGTH), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    row_number: Mapped[int | None] = mapped_column(Integer)  # 1 = the header line
    field: Mapped[str | None] = mapped_column(String(200))
    # row_quarantined: the row did not load; value_dropped: the row loaded without this
    # value (the raw value is still in source_record.original); file_refused.
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    raw_row: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

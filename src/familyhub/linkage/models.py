"""Tables of the linkage domain: persons, links, id history, golden record, review, models.

Person ids are opaque strings that never change meaning: when two persons merge, the old id
is kept with ``status='merged'`` and ``merged_into`` so that anything that referenced it
(involvements, consent, audit) still resolves (:func:`familyhub.linkage.persons.resolve`).

Source records are referred to by ``source_record.id`` plus the natural key
(``source``, ``record_id``) without a foreign key: erasure may delete a source record while
the history of the person it belonged to must survive.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.runs import utcnow

PERSON_ID_LENGTH = 32
SOURCE_LENGTH = 64
RECORD_ID_LENGTH = 128


class Person(Base):
    """A person: the golden record's headline values (full provenance in ``golden_value``)."""

    __tablename__ = "person"
    # The single view's district and sector search is postcode LIKE 'NS3 7%': pattern ops
    # let PostgreSQL use the index for it whatever the database's collation.
    __table_args__ = (
        Index("ix_person_postcode", "postcode", postgresql_ops={"postcode": "varchar_pattern_ops"}),
    )

    id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), primary_key=True)
    # active | merged (see merged_into) | retired (no records left)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    merged_into: Mapped[str | None] = mapped_column(
        String(PERSON_ID_LENGTH), ForeignKey("person.id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    sex: Mapped[str | None] = mapped_column(String(1))
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    # True when the golden record holds conflicting values (e.g. two dates of birth).
    has_conflicts: Mapped[bool] = mapped_column(Boolean, default=False)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"))


class LinkageModel(Base):
    """A trained model: settings with m/u parameters, its version and what it was trained on."""

    __tablename__ = "linkage_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    dialect: Mapped[str] = mapped_column(String(16), default="duckdb")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    training_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trained_by: Mapped[str] = mapped_column(String(200))
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"))


class PersonLink(Base):
    """The current link of one source record to one person."""

    __tablename__ = "person_link"
    __table_args__ = (
        UniqueConstraint("source_record_id"),
        Index("ix_person_link_source_record", "source", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH))
    record_id: Mapped[str] = mapped_column(String(RECORD_ID_LENGTH))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    # auto: by the model; manual: held by a person's decision
    kind: Mapped[str] = mapped_column(String(8), default="auto")
    # Best match weight and probability to another record of the same person (null: alone).
    score: Mapped[float | None] = mapped_column(Float)
    match_probability: Mapped[float | None] = mapped_column(Float)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_model.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonIdEvent(Base):
    """What happened to a person id: created, merged into another, split, retired."""

    __tablename__ = "person_id_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # created | merged | split | retired
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    # merged: the id it merged into; split: the id it split from
    other_person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    records_moved: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GoldenValue(Base):
    """One value of one field of a person, with every source that said it and when."""

    __tablename__ = "golden_value"
    __table_args__ = (Index("ix_golden_value_person_field", "person_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(500))
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"source": ..., "record_id": ..., "updated_at": ...}, ...]
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source_count: Mapped[int] = mapped_column(Integer, default=1)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule: Mapped[str | None] = mapped_column(String(200))


class ReviewPair(Base):
    """A pair of records the model was unsure about, waiting for a person to decide."""

    __tablename__ = "review_pair"
    __table_args__ = (UniqueConstraint("record_a", "record_b"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[int] = mapped_column(BigInteger)
    record_b: Mapped[int] = mapped_column(BigInteger)
    person_a: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH))
    person_b: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH))
    match_weight: Mapped[float] = mapped_column(Float)
    match_probability: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200))
    # open | decided | stale (a later run no longer finds it uncertain)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ManualDecision(Base):
    """A person's decision about two records: link, or do not link. Never overwritten."""

    __tablename__ = "manual_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a: Mapped[int] = mapped_column(BigInteger, index=True)
    record_b: Mapped[int] = mapped_column(BigInteger, index=True)
    decision: Mapped[str] = mapped_column(String(16))  # link | do_not_link
    decided_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    review_pair_id: Mapped[int | None] = mapped_column(ForeignKey("review_pair.id"))

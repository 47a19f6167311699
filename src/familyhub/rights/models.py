"""Tables of the rights domain: requests and their history, rectifications, the partner
outbox, restrictions and objections, and erasure tombstones.

Person ids here are plain strings, not foreign keys: a request must outlive the erasure of the
person it is about, and the tombstone must point at nothing that could identify them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow


class RightsRequest(Base):
    __tablename__ = "rights_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # access, rectification, erasure, restriction, portability, objection
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # awaiting_identity, open, extended, completed, refused, withdrawn, duplicate
    status: Mapped[str] = mapped_column(String(24), index=True)
    # The subject as the requester described them (name, date of birth, identifiers);
    # emptied when an erasure is carried out.
    subject_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    # matched, not_found, ambiguous, chosen (a person picked by hand)
    match_outcome: Mapped[str] = mapped_column(String(20))
    match_candidates: Mapped[list[str]] = mapped_column(JSON, default=list)
    requester: Mapped[str] = mapped_column(String(200))
    requester_relationship: Mapped[str] = mapped_column(String(40), default="self")
    received_on: Mapped[date] = mapped_column(Date)
    identity_checked_on: Mapped[date | None] = mapped_column(Date)
    clock_started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    extended_on: Mapped[date | None] = mapped_column(Date)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"))
    # What the request asks for: the field and value to correct, the grounds to restrict...
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RightsRequestEvent(Base):
    """The request's history: every step taken, by whom and when, with its outcome."""

    __tablename__ = "rights_request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rights_request.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SarReviewDecision(Base):
    """A reviewer's decision about one item of a subject access export.

    ``item_key`` names the item (e.g. ``source_record:42``); ``decision`` is ``disclose``
    (show third-party details unredacted) or ``withhold`` (leave it out: serious harm), with
    the reason recorded.
    """

    __tablename__ = "sar_review_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("rights_request.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rectification(Base):
    """A corrected value that outranks the source until the source itself changes."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    field: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # What the source said when the correction was made; a different value arriving later
    # means the source has itself been corrected, and the rectification steps aside.
    source_value: Mapped[str | None] = mapped_column(Text)
    corrected_value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # active, superseded (the source changed)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PartnerNotification(Base):
    """Outbox: what each supplying partner must be told (UK GDPR Art 19).

    The payload carries only what the partner needs to act on its own record; it is emptied
    once exported, so that an erased person's details do not linger here.
    """

    __tablename__ = "partner_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(200), index=True)
    # rectification, erasure, restriction, restriction_lifted
    kind: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    export_batch: Mapped[str | None] = mapped_column(String(64))


class ProcessingRestriction(Base):
    """A person whose data is kept but not processed (restriction), or who objects to
    profiling (objection). Lifted ones stay, with when and why."""

    __tablename__ = "processing_restriction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    # restriction, objection
    kind: Mapped[str] = mapped_column(String(16), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"))
    grounds: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lifted_reason: Mapped[str | None] = mapped_column(Text)


class ErasureTombstone(Base):
    """What an erasure removed and what it kept and why, with no personal data: counts per
    table, the ids of rows kept under a legal obligation, and the opaque person id."""

    __tablename__ = "erasure_tombstone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"), index=True)
    person_ref: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    # erasure (a request), retention (the schedule)
    cause: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    removed: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    kept: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ErasureSuppression(Base):
    """A partner record erased at the data subject's request, remembered only as a keyed
    fingerprint (HMAC-SHA256 of source and record id, or of source and the partner's person
    id; the key lives in the keys directory, never in the database), so that the partner's
    next extract does not bring it back. See ``familyhub.rights.suppression``."""

    __tablename__ = "erasure_suppression"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    # record (a source record id), partner (the partner's own person id)
    kind: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("rights_request.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

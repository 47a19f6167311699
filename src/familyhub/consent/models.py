"""Consent: who it is for, what it allows, and its history.

Every change is a new row; nothing is overwritten, so the history is the table. The current
state for a person is the latest row (by ``effective_at``, then ``id``) naming the person or
a family they currently belong to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.families.models import FAMILY_ID_LENGTH
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow

CONSENT_STATES = ("given", "declined", "withdrawn")
ALL_ORGANISATIONS = "*"


class ConsentRecord(Base):
    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    family_id: Mapped[str | None] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    state: Mapped[str] = mapped_column(String(16))  # given, declined, withdrawn
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Organisation codes the family agreed may receive their information; "*" = every
    # partner in the sharing agreement.
    recipient_organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # e.g. "signed consent form, scanned to EH-2026-0147", "verbal, home visit 3 March"
    evidence: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

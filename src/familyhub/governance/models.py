"""Tables of the governance domain: legal holds.

Sharing agreements and retention rules live in YAML files (agreements here, rules in the
source contracts) so that they are reviewed like code; only holds, which IG places and lifts
day by day, are rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow


class LegalHold(Base):
    """Keep a person's data past its retention rule and refuse its erasure (litigation, an
    inquiry, a serious case review) until the hold is released."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_on: Mapped[date] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    released_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Families and who belongs to them over time.

Family ids are stable strings like person ids. Membership has a period so that a family's
history is kept when people move in or out.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow

FAMILY_ID_LENGTH = 32


class Family(Base):
    __tablename__ = "family"

    id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class FamilyMember(Base):
    __tablename__ = "family_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(
        String(FAMILY_ID_LENGTH), ForeignKey("family.id"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    # e.g. parent, child, carer, partner, non_resident_parent, expectant_parent
    role: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

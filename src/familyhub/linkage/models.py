"""Persons: the golden records that source records link to.

Person ids are opaque strings that never change meaning: when two persons merge, the old id
is kept with ``status='merged'`` and ``merged_into`` so that anything that referenced it
(involvements, consent, audit) still resolves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.runs import utcnow

PERSON_ID_LENGTH = 32


class Person(Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    merged_into: Mapped[str | None] = mapped_column(
        String(PERSON_ID_LENGTH), ForeignKey("person.id")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

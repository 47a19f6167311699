"""Households, stated relationships, families and who belongs to them over time.

Family ids are stable strings like person ids: a rebuild matches the new families to the old
ones by their members and keeps the id. Membership and household rows have a period, and
every change to a family is recorded, so a family's history is kept when people move in or
out.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow

FAMILY_ID_LENGTH = 32
HOUSEHOLD_ID_LENGTH = 32


class Household(Base):
    """A dwelling people live at together: its UPRN, or else its normalised address."""

    __tablename__ = "household"

    id: Mapped[str] = mapped_column(String(HOUSEHOLD_ID_LENGTH), primary_key=True)
    address_key: Mapped[str] = mapped_column(String(300), unique=True)
    uprn: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(8))


class HouseholdMember(Base):
    """A person seen living at a household from ``valid_from`` to ``valid_to``."""

    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(
        String(HOUSEHOLD_ID_LENGTH), ForeignKey("household.id"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class PersonRelationship(Base):
    """A relationship a source states between two persons: ``related_person_id`` is the
    ``relationship`` (mother, father, parent, partner, carer...) of ``person_id``."""

    __tablename__ = "person_relationship"
    __table_args__ = (UniqueConstraint("person_id", "related_person_id", "relationship"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    related_person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    relationship: Mapped[str] = mapped_column(String(40))
    sources: Mapped[str] = mapped_column(String(500))


class Family(Base):
    __tablename__ = "family"

    id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), primary_key=True)
    # active, or ended (no longer a family: the children grew up, the household split...)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    household_id: Mapped[str | None] = mapped_column(String(HOUSEHOLD_ID_LENGTH))
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
    # parent, child, adult, grandparent, expectant_parent, non_resident_parent
    role: Mapped[str] = mapped_column(String(32))
    # As the person's records give it when the family was built (for the age rules and for
    # spotting events dated before birth, without reading every source record again).
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class FamilyChange(Base):
    """One change in a family's history: formed, joined, left, ended, reformed."""

    __tablename__ = "family_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(
        String(FAMILY_ID_LENGTH), ForeignKey("family.id"), index=True
    )
    change: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH))
    changed_on: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)

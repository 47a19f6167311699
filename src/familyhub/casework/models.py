"""Casework: who is working with a family, and the requests and referrals that start it.

An involvement names a practitioner (a user), their organisation, a family or a person, and
how they are involved: a member of the team around the family, the lead practitioner, or the
allocated worker. It is current from ``started_on`` until ``ended_on`` (exclusive).

A referral is a request for support (to early help) or a referral to the MASH. Its state
changes are kept in ``referral_state_change`` so the journey can be shown and audited. It
lands with a receiving organisation (``receiving_organisation_id``): the one named, else the
organisation set to receive referrals of its kind (``organisation.receives_referrals``).

A practitioner who adds themselves to the team around the family leaves a notice for each
lead practitioner (``involvement_notice``), who can end the involvement if it is not needed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.families.models import FAMILY_ID_LENGTH
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow

INVOLVEMENT_KINDS = ("team_member", "lead_practitioner", "allocated_worker")
REFERRAL_KINDS = ("request_for_support", "mash_referral")
REFERRAL_STATES = (
    "received",
    "screening",
    "passed_to_early_help",
    "accepted_by_social_care",
    "no_further_action",
    "withdrawn",
    "closed",
)
REFERRAL_RATINGS = ("red", "amber", "green")


class Involvement(Base):
    __tablename__ = "involvement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str | None] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[str] = mapped_column(String(24))
    service: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    family_id: Mapped[str | None] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    referrer_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    referrer_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    reason: Mapped[str] = mapped_column(Text)
    # Whether the family agreed to the referral when it was made: given, not_sought, declined.
    consent_at_referral: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(32), default="received", index=True)
    rating: Mapped[str | None] = mapped_column(String(8))
    receiving_service: Mapped[str | None] = mapped_column(String(120))
    receiving_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReferralStateChange(Base):
    __tablename__ = "referral_state_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)


class InvolvementNotice(Base):
    """Something a practitioner should know about their family's team: e.g. someone joined."""

    __tablename__ = "involvement_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # who is told (a lead practitioner of the family when the notice was made)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    involvement_id: Mapped[int] = mapped_column(ForeignKey("involvement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # joined_team
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

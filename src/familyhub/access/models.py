"""Who is asking: organisations, their users (practitioners) and break-glass overrides.

A user belongs to one organisation and holds one or more roles from the vocabulary
(``familyhub.access.vocabulary``). Users sign in with an argon2-hashed password (the
embedded default) or through OpenID Connect (``oidc_issuer`` + ``oidc_subject``); nobody
registers themselves. A disabled user is refused everywhere at once: ``session_version``
goes up when an account is disabled or its password changes, so older sessions die.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from familyhub.db import Base
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Short stable code that source contracts use to name the supplier, e.g. "lancs-police".
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # One of vocabulary organisation_kinds: council_service, school, nhs_trust, gp_practice...
    kind: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    # Referral kinds this organisation receives when the referrer names no one (the MASH:
    # mash_referral; early help: request_for_support).
    receives_referrals: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    job_title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Sessions carry this number; it goes up when the account is disabled or its password
    # changes, so every session issued before is refused on its next request.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # For information-governance alerts: the practitioner's own person record (if known)
    # and home postcode, so that looking up oneself, family or a colleague is noticed.
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    surname: Mapped[str | None] = mapped_column(String(120))
    home_postcode: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles or ())


class BreakGlass(Base):
    """A safeguarding override: one user, one person or family, for a fixed time."""

    __tablename__ = "break_glass"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    family_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    justification: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The audit event that recorded the override (its sequence number in the chain).
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

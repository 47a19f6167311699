"""Needs with their evidence, practitioners' decisions, case episodes and outcome claims.

``family_need`` and ``need_evidence`` are rewritten by every assessment (they are derived);
decisions, episodes and claims are people's acts and are never rewritten: a claim keeps a
frozen copy of its evidence so that a spot check years later sees what was claimed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.db import Base
from familyhub.families.models import FAMILY_ID_LENGTH
from familyhub.linkage.models import PERSON_ID_LENGTH
from familyhub.runs import utcnow


class FamilyNeed(Base):
    """One headline need of one family member, as the latest assessment found it."""

    __tablename__ = "family_need"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH), index=True)
    need: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # open, improving, resolved
    first_evidence_date: Mapped[date] = mapped_column(Date)
    last_evidence_date: Mapped[date] = mapped_column(Date)
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_count: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[str] = mapped_column(String(40))
    assessed_on: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)


class NeedProgress(Base):
    """A need's status changing between two assessments (first found, improving, resolved,
    open again), so the programme team can follow progress as new extracts arrive."""

    __tablename__ = "need_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    need: Mapped[str] = mapped_column(String(32))
    previous_status: Mapped[str | None] = mapped_column(String(16))  # None: newly found
    status: Mapped[str] = mapped_column(String(16))  # open, improving, resolved, gone
    assessed_on: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)


class NeedEvidence(Base):
    """One event cited for a need: which event, from which source, on which date, by which
    rule of which version; the sentence is rendered from the rule's template."""

    __tablename__ = "need_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    need: Mapped[str] = mapped_column(String(32))
    signal: Mapped[str] = mapped_column(String(16))  # need, positive
    rule_id: Mapped[str] = mapped_column(String(64))
    rules_version: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(160))
    event_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)


class FamilyAssessment(Base):
    """A family's eligibility in the latest assessment (advice for the programme team)."""

    __tablename__ = "family_assessment"

    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), primary_key=True)
    has_dependants: Mapped[bool] = mapped_column(Boolean)
    need_count: Mapped[int] = mapped_column(Integer)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligible: Mapped[bool] = mapped_column(Boolean, index=True)
    confirmed_count: Mapped[int] = mapped_column(Integer, default=0)
    rules_version: Mapped[str] = mapped_column(String(40))
    assessed_on: Mapped[date] = mapped_column(Date)


class RejectedEvent(Base):
    """An event that was reported and not counted: dated in the future or before birth."""

    __tablename__ = "rejected_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(160))
    person_id: Mapped[str | None] = mapped_column(String(PERSON_ID_LENGTH))
    event_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(80))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)


class NeedDecision(Base):
    """A practitioner confirming or dismissing one of a family's needs, with a reason.

    The latest decision per (family, need) is the one in force; earlier ones stay."""

    __tablename__ = "need_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    need: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))  # confirmed, dismissed
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The evidence the practitioner saw: new evidence after this date is shown as such.
    evidence_through: Mapped[date | None] = mapped_column(Date)
    rules_version: Mapped[str] = mapped_column(String(40))


class FamilyEpisode(Base):
    """A period of work with a family under the programme: opened, then closed."""

    __tablename__ = "family_episode"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    close_reason: Mapped[str | None] = mapped_column(Text)


class OutcomeClaim(Base):
    """A successful family outcome claimed for one episode: never twice (unique episode)."""

    __tablename__ = "outcome_claim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("family_episode.id"), unique=True)
    family_id: Mapped[str] = mapped_column(String(FAMILY_ID_LENGTH), index=True)
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    sustained_until: Mapped[date] = mapped_column(Date)
    rules_version: Mapped[str] = mapped_column(String(40))
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The frozen evidence pack: every cited event, decision and date, as claimed.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

"""Recording consent and reading its current state and history.

A new consent record takes effect at its ``effective_at`` (default: now), so the very next
access decision sees it. Recording and viewing consent are audited like any person data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from familyhub.access.facts import current_families, latest_consent, utc
from familyhub.access.models import Organisation, User
from familyhub.access.service import authorize
from familyhub.access.vocabulary import load_vocabulary
from familyhub.consent.models import ALL_ORGANISATIONS, CONSENT_STATES, ConsentRecord
from familyhub.storable import unstorable_reason


class ConsentError(ValueError):
    """The consent record asked for is incomplete or names unknown things."""


@dataclass(frozen=True)
class ConsentView:
    state: str  # given, declined, withdrawn, none
    current: ConsentRecord | None
    history: list[ConsentRecord]


def _validate(
    session: Session,
    *,
    person_id: str | None,
    family_id: str | None,
    state: str,
    purposes: Sequence[str],
    recipients: Sequence[str],
    categories: Sequence[str],
    evidence: str,
) -> None:
    vocabulary = load_vocabulary()
    if (person_id is None) == (family_id is None):
        raise ConsentError("Consent is for one person or one family: give exactly one of them.")
    given = [person_id, family_id, evidence, *purposes, *recipients, *categories]
    if any(unstorable_reason(value, "The consent") for value in given):
        raise ConsentError("The consent contains a character that cannot be stored.")
    if state not in CONSENT_STATES:
        raise ConsentError(f"Consent state must be one of {', '.join(CONSENT_STATES)}.")
    unknown = sorted(set(purposes) - vocabulary.purposes.keys())
    if unknown:
        raise ConsentError(f"Unknown purposes: {', '.join(unknown)}.")
    unknown = sorted(set(categories) - vocabulary.data_categories.keys())
    if unknown:
        raise ConsentError(f"Unknown data categories: {', '.join(unknown)}.")
    codes = set(recipients) - {ALL_ORGANISATIONS}
    known = set(session.scalars(select(Organisation.code).where(Organisation.code.in_(codes))))
    if codes - known:
        raise ConsentError(f"Unknown organisations: {', '.join(sorted(codes - known))}.")
    if state == "given" and not (purposes and recipients and categories):
        raise ConsentError(
            "Consent given must say for which purposes, to which organisations and for which "
            "data categories."
        )
    if not evidence or not evidence.strip():
        raise ConsentError("Say what the consent rests on (e.g. the signed form's reference).")


def record_consent(
    session: Session,
    *,
    user: User,
    state: str,
    evidence: str,
    purpose: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    purposes: Sequence[str] = (),
    recipient_organisations: Sequence[str] = (),
    data_categories: Sequence[str] = (),
    effective_at: datetime | None = None,
    notes: str | None = None,
) -> ConsentRecord:
    """Record consent given, declined or withdrawn; it applies from ``effective_at``."""
    _validate(
        session,
        person_id=person_id,
        family_id=family_id,
        state=state,
        purposes=purposes,
        recipients=recipient_organisations,
        categories=data_categories,
        evidence=evidence,
    )
    subject = f"person:{person_id}" if person_id else f"family:{family_id}"
    authorize(
        session,
        user=user,
        action="record_consent",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        records=[subject],
        details={"state": state},
    )
    consent = ConsentRecord(
        person_id=person_id,
        family_id=family_id,
        state=state,
        purposes=sorted(set(purposes)),
        recipient_organisations=sorted(set(recipient_organisations)),
        data_categories=sorted(set(data_categories)),
        effective_at=utc(effective_at),
        recorded_by_user_id=user.id,
        evidence=evidence.strip(),
        notes=notes,
    )
    session.add(consent)
    session.flush()
    return consent


def consent_history(
    session: Session,
    *,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
) -> list[ConsentRecord]:
    """Every consent record for the person (and their current families) or family, newest first."""
    moment = utc(now)
    family_ids = (
        current_families(session, person_id, moment.date()) if person_id else [family_id or ""]
    )
    clauses: list[ColumnElement[bool]] = [ConsentRecord.family_id.in_(family_ids)]
    if person_id:
        clauses.append(ConsentRecord.person_id == person_id)
    return list(
        session.scalars(
            select(ConsentRecord)
            .where(or_(*clauses))
            .order_by(ConsentRecord.effective_at.desc(), ConsentRecord.id.desc())
        )
    )


def consent_state(
    session: Session,
    *,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
) -> tuple[str, ConsentRecord | None]:
    """The state in force now (given, declined, withdrawn or none) and the record behind it."""
    moment = utc(now)
    family_ids = (
        current_families(session, person_id, moment.date()) if person_id else [family_id or ""]
    )
    current = latest_consent(session, person_id=person_id, family_ids=family_ids, now=moment)
    return (current.state if current else "none"), current


def view_consent(
    session: Session,
    *,
    user: User,
    purpose: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
) -> ConsentView:
    """The consent view of a person or family (current state and history), audited."""
    subject = f"person:{person_id}" if person_id else f"family:{family_id}"
    authorize(
        session,
        user=user,
        action="view_consent",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        records=[subject],
        now=now,
    )
    state, current = consent_state(session, person_id=person_id, family_id=family_id, now=now)
    history = consent_history(session, person_id=person_id, family_id=family_id, now=now)
    return ConsentView(state=state, current=current, history=history)

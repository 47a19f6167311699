"""Asking for person data: check the input, decide, audit, and only then return.

Every request for person data goes through one of these functions, which

1. refuses bad input (unknown or disabled user, a purpose not in the list, an empty or
   one-word break-glass justification) with a clear message;
2. gathers the facts afresh and asks :func:`familyhub.access.decide`;
3. writes exactly one audit event naming every person record returned or changed (a
   refusal or a denial too, committed at once so rolling the request back cannot erase it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from familyhub.access.decision import Decision, Principal, decide, decide_many
from familyhub.access.facts import (
    Facts,
    gather,
    need_evidence_refs,
    organisation_code_for_source,
    record_resource,
    utc,
)
from familyhub.access.models import BreakGlass, User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.audit.service import RecordedEvent, record, record_refusal

# The audit action each decision action is written under, by resource kind.
AUDIT_ACTIONS = {
    ("search", "Person"): "person.search",
    ("view", "Person"): "person.view",
    ("view", "Family"): "family.view",
    ("view_contact", "Person"): "person.contact",
    ("view_contact", "Family"): "family.contact",
    ("view_record", "Record"): "person.records",
    ("view_consent", "Person"): "consent.view",
    ("view_consent", "Family"): "consent.view",
    ("record_consent", "Person"): "consent.record",
    ("record_consent", "Family"): "consent.record",
    ("manage_involvement", "Person"): "involvement.change",
    ("manage_involvement", "Family"): "involvement.change",
    ("join_team", "Person"): "involvement.join",
    ("join_team", "Family"): "involvement.join",
    ("refer", "Person"): "referral.create",
    ("refer", "Family"): "referral.create",
    ("manage_referral", "Person"): "referral.change",
    ("manage_referral", "Family"): "referral.change",
    ("break_glass", "Person"): "access.break_glass",
    ("break_glass", "Family"): "access.break_glass",
}


class AccessRefusedError(PermissionError):
    """The request was refused or denied; ``str()`` is the message to show."""

    def __init__(
        self, message: str, *, decision: Decision | None = None, event: RecordedEvent | None = None
    ) -> None:
        super().__init__(message)
        self.decision = decision
        self.event = event


class InvalidRequestError(AccessRefusedError):
    """Refused before any decision: the input itself is wrong."""


@dataclass(frozen=True)
class Granted:
    facts: Facts
    decision: Decision
    event: RecordedEvent


@dataclass(frozen=True)
class RecordRef:
    """One record or event of a person's, as lists of records name them."""

    ref: str  # e.g. "source_event:123"
    person_id: str
    category: str
    source: str


def _refuse(
    session: Session,
    *,
    actor: User | str,
    action: str,
    records: Sequence[str],
    purpose: str | None,
    request_id: str | None,
    message: str,
) -> InvalidRequestError:
    event = record_refusal(
        session,
        actor=actor,
        action=action,
        records=records,
        purpose=purpose,
        request_id=request_id,
        reason=message,
    )
    return InvalidRequestError(message, event=event)


def check_request(
    session: Session,
    *,
    user: User | None,
    username: str | None = None,
    action: str,
    purpose: str,
    records: Sequence[str],
    request_id: str | None,
) -> User:
    """The user, if they exist, are enabled, and gave a purpose from the list; else refused."""
    if user is None:
        raise _refuse(
            session,
            actor=username or "unknown",
            action=action,
            records=records,
            purpose=purpose,
            request_id=request_id,
            message=f"Unknown user {username or ''!r}: sign in again.".replace(" ''", ""),
        )
    if user.disabled:
        raise _refuse(
            session,
            actor=user,
            action=action,
            records=records,
            purpose=purpose,
            request_id=request_id,
            message="This account is disabled.",
        )
    purposes = load_vocabulary().purposes
    if purpose not in purposes:
        raise _refuse(
            session,
            actor=user,
            action=action,
            records=records,
            purpose=purpose,
            request_id=request_id,
            message=f"{purpose!r} is not a purpose in the list; choose one of: "
            + ", ".join(sorted(purposes))
            + ".",
        )
    return user


def _subject_ref(person_id: str | None, family_id: str | None) -> str:
    return f"person:{person_id}" if person_id is not None else f"family:{family_id}"


def authorize(
    session: Session,
    *,
    user: User | None,
    action: str,
    purpose: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    records: Sequence[str] | None = None,
    audit_action: str | None = None,
    details: dict[str, object] | None = None,
    now: datetime | None = None,
) -> Granted:
    """Decide one request about a person or family and audit it; raises AccessRefusedError if not.

    ``records`` are the person records the request returns or changes (default: the person
    or family itself); they go into the one audit event.
    """
    subject = _subject_ref(person_id, family_id)
    refs = list(records) if records is not None else [subject]
    kind = "Person" if person_id is not None else "Family"
    name = audit_action or AUDIT_ACTIONS.get((action, kind), f"{kind.lower()}.{action}")
    checked = check_request(
        session, user=user, action=name, purpose=purpose, records=refs, request_id=request_id
    )
    facts = gather(
        session, user=checked, person_id=person_id, family_id=family_id, purpose=purpose, now=now
    )
    decision = decide(facts.principal, action, facts.resource, facts.context)
    # One audit event either way; a refusal also keeps the reasons, so the reviewer can see
    # why without replaying the policies.
    event = record(
        session,
        actor=checked,
        action=name,
        records=refs,
        decision=decision,
        purpose=purpose,
        request_id=request_id,
        details=details if decision.allowed else {**(details or {}), "reasons": decision.reasons},
    )
    if not decision.allowed:
        # Committed before raising: the caller's rollback must not take the refusal's
        # audit event with it.
        session.commit()
        raise AccessRefusedError(
            "You do not have access to this: " + " ".join(decision.reasons),
            decision=decision,
            event=event,
        )
    return Granted(facts, decision, event)


def search_visible(
    session: Session,
    *,
    user: User | None,
    purpose: str,
    person_ids: Sequence[str],
    request_id: str | None,
    now: datetime | None = None,
    known: Mapping[str, Facts] | None = None,
) -> list[str]:
    """The persons among ``person_ids`` the user may see in search results (audited once)."""
    return visible_persons(
        session,
        user=user,
        purpose=purpose,
        person_ids=person_ids,
        request_id=request_id,
        now=now,
        action="search",
        known=known,
    )


def visible_persons(
    session: Session,
    *,
    user: User | None,
    purpose: str,
    person_ids: Sequence[str],
    request_id: str | None,
    now: datetime | None = None,
    action: str = "view",
    known: Mapping[str, Facts] | None = None,
) -> list[str]:
    """The persons among ``person_ids`` the user could ``action`` one by one, in order.

    For any list of persons (search results with ``action="search"``, a caseload, a
    family's members with ``"view"``); one audit event names exactly those returned.
    ``known``: facts already gathered for this request (e.g. read for all persons together
    by ``singleview.facts.gather_persons``), each equal to what ``gather`` returns for that
    person; persons missing from it are gathered one by one.
    """
    audit_action = AUDIT_ACTIONS.get((action, "Person"), f"person.{action}")
    checked = check_request(
        session,
        user=user,
        action=audit_action,
        purpose=purpose,
        records=[],
        request_id=request_id,
    )
    allowed: list[str] = []
    policy_ids: set[str] = set()
    for person_id in dict.fromkeys(person_ids):
        facts = (known or {}).get(person_id) or gather(
            session, user=checked, person_id=person_id, purpose=purpose, now=now
        )
        decision = decide(facts.principal, action, facts.resource, facts.context)
        if decision.allowed:
            allowed.append(person_id)
            policy_ids.update(decision.policy_ids)
    record(
        session,
        actor=checked,
        action=audit_action,
        records=[f"person:{p}" for p in allowed],
        decision="allow",
        policy_ids=sorted(policy_ids),
        purpose=purpose,
        request_id=request_id,
        details={"candidates": len(person_ids), "list": action},
    )
    return allowed


def visible_records(
    session: Session,
    *,
    user: User | None,
    purpose: str,
    records: Sequence[RecordRef],
    request_id: str | None,
    now: datetime | None = None,
    audit: bool = True,
) -> list[RecordRef]:
    """Only the records the user could open one by one, in their order; audited once."""
    checked = check_request(
        session,
        user=user,
        action="person.records",
        purpose=purpose,
        records=[],
        request_id=request_id,
    )
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(records):
        by_person[item.person_id].append(i)
    keep = [False] * len(records)
    policy_ids: set[str] = set()
    suppliers: dict[str, str] = {}
    for person_id, positions in by_person.items():
        facts = gather(session, user=checked, person_id=person_id, purpose=purpose, now=now)
        evidence = (
            need_evidence_refs(session, [records[i].ref for i in positions], facts.family_ids)
            if facts.context.on_programme
            else set()
        )
        resources = []
        for i in positions:
            item = records[i]
            if item.source not in suppliers:
                suppliers[item.source] = organisation_code_for_source(session, item.source)
            resources.append(
                record_resource(
                    ref=item.ref,
                    category=item.category,
                    supplier=suppliers[item.source],
                    person=facts.resource,
                    need_evidence=item.ref in evidence,
                )
            )
        decisions = decide_many(facts.principal, "view_record", resources, facts.context)
        for i, decision in zip(positions, decisions, strict=True):
            if decision.allowed:
                keep[i] = True
                policy_ids.update(decision.policy_ids)
    shown = [item for item, ok in zip(records, keep, strict=True) if ok]
    if audit:
        record(
            session,
            actor=checked,
            action="person.records",
            records=[r.ref for r in shown],
            decision="allow",
            policy_ids=sorted(policy_ids),
            purpose=purpose,
            request_id=request_id,
            details={
                "persons": sorted({r.person_id for r in shown}),
                "withheld": len(records) - len(shown),
            },
        )
    return shown


def break_glass(
    session: Session,
    *,
    user: User | None,
    purpose: str,
    justification: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
) -> BreakGlass:
    """Use the safeguarding override for one person or family, for a fixed time.

    Needs the safeguarding purpose and a written justification of at least a few words;
    raises an alert for information governance.
    """
    vocabulary = load_vocabulary()
    subject = _subject_ref(person_id, family_id)
    checked = check_request(
        session,
        user=user,
        action="access.break_glass",
        purpose=purpose,
        records=[subject],
        request_id=request_id,
    )
    words = len((justification or "").split())
    if words < vocabulary.break_glass_min_words:
        raise _refuse(
            session,
            actor=checked,
            action="access.break_glass",
            records=[subject],
            purpose=purpose,
            request_id=request_id,
            message="Break-glass needs a written justification of at least "
            f"{vocabulary.break_glass_min_words} words saying why this cannot wait.",
        )
    moment = utc(now)
    granted = authorize(
        session,
        user=checked,
        action="break_glass",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        now=moment,
        details={
            "justification": justification.strip(),
            "expires_at": (moment + timedelta(minutes=vocabulary.break_glass_minutes)).isoformat(),
        },
    )
    override = BreakGlass(
        user_id=checked.id,
        person_id=person_id,
        family_id=family_id,
        purpose=purpose,
        justification=justification.strip(),
        started_at=moment,
        expires_at=moment + timedelta(minutes=vocabulary.break_glass_minutes),
        audit_seq=granted.event.seq,
    )
    session.add(override)
    session.flush()
    return override


def principal_for(user: User) -> Principal:
    return Principal.of(user)

"""The single view's actions, as services for the forms and /api/v1 to call.

Each one calls the domain that owns it (casework, consent, access), which checks the input,
asks the decision point and writes the action's one audit event; nothing is decided or
stored here. Errors to show on the form: ``CaseworkError`` / ``ConsentError`` (the input
is incomplete; both are ``ValueError``) and ``AccessRefusedError`` (not allowed; audited).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from familyhub.access import service as access
from familyhub.access.decision import decide
from familyhub.access.facts import gather
from familyhub.access.models import User
from familyhub.casework import service as casework
from familyhub.consent import service as consent
from familyhub.families.models import Family
from familyhub.linkage.persons import resolve
from familyhub.singleview.common import level_for, refuse_unseen, unrelated
from familyhub.singleview.person_view import SHOWN_STATUSES
from familyhub.singleview.types import ActionResult


def _subject(person_id: str | None, family_id: str | None) -> str:
    return "the family" if family_id else "this person"


def _only_if_seen(
    session: Session,
    *,
    user: User,
    purpose: str,
    decision_action: str,
    person_id: str | None,
    family_id: str | None,
    request_id: str | None,
) -> None:
    """Refuse an action on a person or family the user may not see at all (or on an id that
    names no one) with the answer an id naming no one gets, before the owning domain would
    say "no such person" for one and "not allowed" for the other: otherwise the actions
    would tell anyone which ids exist, and that a sealed person does (see
    ``common.refuse_unseen``). Audited there; an action on someone the user may see goes on
    to its domain, which decides and audits it as before."""
    kind = "Family" if family_id is not None else "Person"
    subject = f"family:{family_id}" if family_id is not None else f"person:{person_id}"
    action = access.AUDIT_ACTIONS.get((decision_action, kind), f"{kind.lower()}.{decision_action}")
    checked = access.check_request(
        session, user=user, action=action, purpose=purpose, records=[subject], request_id=request_id
    )
    if family_id is not None:
        exists = session.get(Family, family_id) is not None
    else:
        person = resolve(person_id or "", session=session)
        exists = person is not None and person.status in SHOWN_STATUSES
    facts = gather(session, user=checked, person_id=person_id, family_id=family_id, purpose=purpose)
    if exists and level_for(facts) is not None:
        return
    raise refuse_unseen(
        session,
        user=checked,
        action=action,
        subject=subject,
        purpose=purpose,
        request_id=request_id,
        nobody=unrelated(facts),
        decision=(
            decide(facts.principal, decision_action, facts.resource, facts.context)
            if exists
            else None
        ),
    )


def join_team(
    session: Session,
    *,
    user: User,
    purpose: str,
    person_id: str | None = None,
    family_id: str | None = None,
    service: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """Add the user to the team around the family (a team member involvement)."""
    _only_if_seen(
        session, user=user, purpose=purpose, decision_action="join_team",
        person_id=person_id, family_id=family_id, request_id=request_id,
    )  # fmt: skip
    involvement = casework.add_involvement(
        session,
        user=user,
        practitioner=user,
        kind="team_member",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        service=service,
    )
    return ActionResult(
        action="join_team",
        reference=f"involvement:{involvement.id}",
        message=f"You are now in the team around {_subject(person_id, family_id)}.",
    )


def become_lead_practitioner(
    session: Session,
    *,
    user: User,
    purpose: str,
    person_id: str | None = None,
    family_id: str | None = None,
    service: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """Make the user the lead practitioner (the previous lead's involvement ends)."""
    _only_if_seen(
        session, user=user, purpose=purpose, decision_action="manage_involvement",
        person_id=person_id, family_id=family_id, request_id=request_id,
    )  # fmt: skip
    involvement = casework.add_involvement(
        session,
        user=user,
        practitioner=user,
        kind="lead_practitioner",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        service=service,
    )
    return ActionResult(
        action="become_lead",
        reference=f"involvement:{involvement.id}",
        message=f"You are now the lead practitioner for {_subject(person_id, family_id)}.",
    )


def record_consent(
    session: Session,
    *,
    user: User,
    purpose: str,
    state: str,
    evidence: str,
    person_id: str | None = None,
    family_id: str | None = None,
    purposes: Sequence[str] = (),
    recipient_organisations: Sequence[str] = (),
    data_categories: Sequence[str] = (),
    effective_at: datetime | None = None,
    notes: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """Record consent given, declined or withdrawn; it applies to the very next request."""
    _only_if_seen(
        session, user=user, purpose=purpose, decision_action="record_consent",
        person_id=person_id, family_id=family_id, request_id=request_id,
    )  # fmt: skip
    record = consent.record_consent(
        session,
        user=user,
        state=state,
        evidence=evidence,
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        purposes=purposes,
        recipient_organisations=recipient_organisations,
        data_categories=data_categories,
        effective_at=effective_at,
        notes=notes,
    )
    return ActionResult(
        action="record_consent",
        reference=f"consent_record:{record.id}",
        message=f"Consent {state} recorded for {_subject(person_id, family_id)}.",
    )


def _refer(
    session: Session,
    *,
    kind: str,
    user: User,
    purpose: str,
    reason: str,
    consent_at_referral: str,
    person_id: str | None,
    family_id: str | None,
    receiving_service: str | None,
    request_id: str | None,
) -> ActionResult:
    _only_if_seen(
        session, user=user, purpose=purpose, decision_action="refer",
        person_id=person_id, family_id=family_id, request_id=request_id,
    )  # fmt: skip
    referral = casework.create_referral(
        session,
        user=user,
        kind=kind,
        reason=reason,
        consent_at_referral=consent_at_referral,
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        receiving_service=receiving_service,
    )
    return ActionResult(
        action="mash_referral" if kind == "mash_referral" else "request_support",
        reference=f"referral:{referral.id}",
        message=f"Sent to {referral.receiving_service}; it is now with them to screen.",
    )


def request_support(
    session: Session,
    *,
    user: User,
    purpose: str,
    reason: str,
    consent_at_referral: str,
    person_id: str | None = None,
    family_id: str | None = None,
    receiving_service: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """A request for support to early help (or ``receiving_service``)."""
    return _refer(
        session,
        kind="request_for_support",
        user=user,
        purpose=purpose,
        reason=reason,
        consent_at_referral=consent_at_referral,
        person_id=person_id,
        family_id=family_id,
        receiving_service=receiving_service,
        request_id=request_id,
    )


def refer_to_mash(
    session: Session,
    *,
    user: User,
    purpose: str,
    reason: str,
    consent_at_referral: str,
    person_id: str | None = None,
    family_id: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """A referral of a concern to the MASH."""
    return _refer(
        session,
        kind="mash_referral",
        user=user,
        purpose=purpose,
        reason=reason,
        consent_at_referral=consent_at_referral,
        person_id=person_id,
        family_id=family_id,
        receiving_service=None,
        request_id=request_id,
    )


def break_glass(
    session: Session,
    *,
    user: User,
    purpose: str,
    justification: str,
    person_id: str | None = None,
    family_id: str | None = None,
    request_id: str | None = None,
    now: datetime | None = None,
) -> ActionResult:
    """Use the safeguarding override for a fixed time; information governance is alerted."""
    _only_if_seen(
        session, user=user, purpose=purpose, decision_action="break_glass",
        person_id=person_id, family_id=family_id, request_id=request_id,
    )  # fmt: skip
    override = access.break_glass(
        session,
        user=user,
        purpose=purpose,
        justification=justification,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        now=now,
    )
    return ActionResult(
        action="break_glass",
        reference=f"break_glass:{override.id}",
        message=(
            f"Safeguarding override in force until {override.expires_at:%H:%M} UTC. "
            "Information governance has been alerted and will review it."
        ),
        audit_seq=override.audit_seq,
    )

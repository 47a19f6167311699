"""Where a referral lands: the receiving service's inbox, and moving a referral on.

A request for support or a MASH referral lands with the organisation that receives it
(``casework.referrals_for``: addressed to it, or of a kind it receives by default). Its
members see the referrals open there, each decided on its own and the list audited once by
casework, and acknowledge, accept or close them (``casework.change_referral``, decided and
audited there). The subject's name is shown only when the decision point lets the user see
that person at all (the level of a person view); a family is shown as a link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.models import Organisation, User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.casework import service as casework
from familyhub.singleview.common import levels_for
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.identity import minimal_identity
from familyhub.singleview.members import load_persons
from familyhub.singleview.types import ActionResult, Result

KIND_LABELS = {
    "request_for_support": "Request for support",
    "mash_referral": "MASH referral",
}
STATE_LABELS = {
    "received": "Received",
    "screening": "Being screened",
    "passed_to_early_help": "With early help",
    "accepted_by_social_care": "Accepted by social care",
    "no_further_action": "No further action",
    "withdrawn": "Withdrawn",
    "closed": "Closed",
}
# What the receiving service may do next, as its buttons say it. Withdrawing is the
# referrer's to do, not the receiver's.
MOVES = {
    "screening": "Acknowledge and start screening",
    "passed_to_early_help": "Accept for early help",
    "accepted_by_social_care": "Accept for children's social care",
    "no_further_action": "No further action",
    "closed": "Close",
}
EARLY_HELP_GROUP = "early_help"
SAFEGUARDING_GROUP = "statutory_safeguarding"


class Move(Result):
    to_state: str
    label: str


class InboxItem(Result):
    referral_id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    received_at: datetime
    reason: str
    consent_at_referral: str
    receiving_service: str | None
    referred_by: str
    referred_from: str
    person_id: str | None
    family_id: str | None
    subject_name: str | None  # None: the user may not see the person's identity
    moves: list[Move]


class Inbox(Result):
    organisation: str
    items: list[InboxItem]


def inbox(session: Session, *, user: User, purpose: str, request_id: str | None = None) -> Inbox:
    """The referrals open with the user's organisation, oldest first (casework decides
    and audits the list; raises ``AccessRefusedError`` for anyone else)."""
    referrals = casework.referrals_for(
        session,
        user=user,
        organisation_id=user.organisation_id,
        purpose=purpose,
        request_id=request_id,
    )
    organisation = session.get(Organisation, user.organisation_id)
    person_ids = sorted({r.person_id for r in referrals if r.person_id})
    facts = gather_persons(session, user=user, person_ids=person_ids, purpose=purpose)
    levels = dict(zip(person_ids, levels_for([facts[p] for p in person_ids]), strict=True))
    persons = load_persons(session, [p for p in person_ids if levels[p] is not None])
    names = {
        p.id: minimal_identity(session, p.id, restricted=facts[p.id].resource.restricted).name
        for p in persons
    }
    people = _names(session, {r.referrer_user_id for r in referrals})
    organisations = _organisation_names(session, {r.referrer_organisation_id for r in referrals})
    mine = _moves_of(session, user)
    items = [
        InboxItem(
            referral_id=r.id,
            kind=r.kind,
            kind_label=KIND_LABELS.get(r.kind, r.kind.replace("_", " ")),
            state=r.state,
            state_label=STATE_LABELS.get(r.state, r.state.replace("_", " ")),
            received_at=r.received_at,
            reason=r.reason,
            consent_at_referral=r.consent_at_referral,
            receiving_service=r.receiving_service,
            referred_by=people.get(r.referrer_user_id, "unknown"),
            referred_from=organisations.get(r.referrer_organisation_id, "unknown"),
            person_id=r.person_id,
            family_id=r.family_id,
            subject_name=names.get(r.person_id or ""),
            moves=_moves(mine, r.state),
        )
        for r in referrals
    ]
    return Inbox(organisation=organisation.name if organisation else "", items=items)


def _moves_of(session: Session, user: User) -> list[Move]:
    """The moves this user may make on a referral in some state (the same for every
    referral in their inbox, so read once per inbox)."""
    out = [Move(to_state=s, label=label) for s, label in MOVES.items()]
    if _early_help_for(session, user) is None:
        out = [m for m in out if m.to_state != "passed_to_early_help"]
    # Only children's social care itself (statutory safeguarding) accepts a case for it.
    if not load_vocabulary().in_group(frozenset(user.roles or ()), SAFEGUARDING_GROUP):
        out = [m for m in out if m.to_state != "accepted_by_social_care"]
    return out


def _moves(mine: list[Move], state: str) -> list[Move]:
    """Those of the user's moves a referral in ``state`` may make next."""
    allowed = casework.REFERRAL_TRANSITIONS.get(state, frozenset())
    return [m for m in mine if m.to_state in allowed]


def _early_help_for(session: Session, user: User) -> int | None:
    """The early help organisation a referral passes to when this user accepts or passes it
    on: their own if they are early help, else the one that receives requests for support."""
    if load_vocabulary().in_group(frozenset(user.roles or ()), EARLY_HELP_GROUP):
        return user.organisation_id
    receiver = casework.default_receiver(session, kind="request_for_support")
    return receiver.id if receiver is not None else None


def move_referral(
    session: Session,
    *,
    user: User,
    purpose: str,
    referral_id: int,
    to_state: str,
    note: str | None = None,
    request_id: str | None = None,
) -> ActionResult:
    """Move a referral on (casework checks the step, decides and audits it)."""
    if to_state not in MOVES:
        raise casework.CaseworkError("Choose what to do with the referral.")
    referral = casework.change_referral(
        session,
        user=user,
        referral_id=referral_id,
        to_state=to_state,
        purpose=purpose,
        request_id=request_id,
        note=note,
        receiving_organisation_id=(
            _early_help_for(session, user) if to_state == "passed_to_early_help" else None
        ),
    )
    return ActionResult(
        action="move_referral",
        reference=f"referral:{referral.id}",
        message=f"The referral is now: {STATE_LABELS.get(referral.state, referral.state)}.",
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _organisation_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    )
    return dict(rows.all())

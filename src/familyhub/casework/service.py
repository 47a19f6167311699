"""Involvements (the team around the family) and referrals, with their audit.

Changing who is involved changes who may see the family: the next access decision reads
the involvement table afresh, so an ended involvement closes the record at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from familyhub.access.decision import Context, Decision, Principal, Resource, decide
from familyhub.access.facts import current_families, gather, utc
from familyhub.access.models import Organisation, User
from familyhub.access.service import AccessRefusedError, authorize, check_request
from familyhub.audit.service import record, record_refusal
from familyhub.casework.models import (
    INVOLVEMENT_KINDS,
    REFERRAL_KINDS,
    REFERRAL_RATINGS,
    Involvement,
    InvolvementNotice,
    Referral,
    ReferralStateChange,
)
from familyhub.families.models import Family
from familyhub.linkage.models import Person
from familyhub.storable import unstorable_reason

# Which state a referral may move to from each state.
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"screening", "passed_to_early_help", "no_further_action", "withdrawn"}),
    "screening": frozenset(
        {"passed_to_early_help", "accepted_by_social_care", "no_further_action", "withdrawn"}
    ),
    "passed_to_early_help": frozenset({"accepted_by_social_care", "closed", "withdrawn"}),
    "accepted_by_social_care": frozenset({"closed"}),
    "no_further_action": frozenset({"closed"}),
    "withdrawn": frozenset(),
    "closed": frozenset(),
}
CONSENT_AT_REFERRAL = ("given", "not_sought", "declined")
# A referral still waiting for the service it landed with.
OPEN_REFERRAL_STATES = ("received", "screening", "passed_to_early_help")


class CaseworkError(ValueError):
    """A casework change that cannot be made as asked."""


@dataclass(frozen=True)
class LeadPractitioner:
    """Who to contact: what search shows about a family's lead practitioner."""

    user_id: int
    name: str
    job_title: str | None
    organisation: str
    phone: str | None
    email: str | None
    since: datetime


def _one_subject(person_id: str | None, family_id: str | None) -> str:
    if (person_id is None) == (family_id is None):
        raise CaseworkError("Name exactly one person or one family.")
    return f"person:{person_id}" if person_id else f"family:{family_id}"


def _decide_on_subject(
    session: Session,
    *,
    user: User,
    action: str,
    person_id: str | None,
    family_id: str | None,
    purpose: str,
) -> Decision:
    """Whether ``user`` may ``action`` on a casework row's subject, with fresh facts.

    A row may carry both a person and their family: the person is the subject then, so the
    decision turns on that child's own involvements and consent, not the family's.
    """
    facts = gather(
        session,
        user=user,
        person_id=person_id,
        family_id=family_id if person_id is None else None,
        purpose=purpose,
    )
    return decide(facts.principal, action, facts.resource, facts.context)


def _text(value: str | None, what: str, limit: int | None = None) -> str | None:
    """``value`` if it can be stored as ``what``; else a CaseworkError saying why."""
    problem = unstorable_reason(value, what, limit)
    if problem is not None:
        raise CaseworkError(problem)
    return value


def _existing_subject(
    session: Session,
    *,
    user: User,
    person_id: str | None,
    family_id: str | None,
    action: str,
    purpose: str,
    request_id: str | None,
) -> str:
    """The subject's record reference; an id that names no one is refused (and audited)."""
    subject = _one_subject(person_id, family_id)
    found = session.get(Person, person_id) if person_id else session.get(Family, family_id)
    if found is None:
        message = f"There is no {'person' if person_id else 'family'} with this id."
        record_refusal(
            session,
            actor=user,
            action=action,
            records=[subject],
            purpose=purpose,
            request_id=request_id,
            reason=message,
        )
        raise CaseworkError(message)
    return subject


def current_involvements(
    session: Session,
    *,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
    family_ids: Sequence[str] | None = None,
) -> list[Involvement]:
    """Current involvements naming the person (or their current families) or the family.

    ``family_ids``: the person's current families, when the caller has read them already."""
    moment = utc(now)
    if family_ids is None:
        family_ids = (
            current_families(session, person_id, moment.date()) if person_id else [family_id or ""]
        )
    clauses: list[ColumnElement[bool]] = [Involvement.family_id.in_(list(family_ids))]
    if person_id:
        clauses.append(Involvement.person_id == person_id)
    return list(
        session.scalars(
            select(Involvement)
            .where(
                or_(*clauses),
                Involvement.started_at <= moment,
                or_(Involvement.ended_at.is_(None), Involvement.ended_at > moment),
            )
            .order_by(Involvement.started_at, Involvement.id)
        )
    )


def lead_practitioners(
    session: Session,
    *,
    person_id: str | None = None,
    family_id: str | None = None,
    now: datetime | None = None,
) -> list[LeadPractitioner]:
    """The current lead practitioner(s) and how to contact them (shown with search results)."""
    out = []
    for involvement in current_involvements(
        session, person_id=person_id, family_id=family_id, now=now
    ):
        if involvement.kind != "lead_practitioner":
            continue
        user = session.get(User, involvement.user_id)
        organisation = session.get(Organisation, involvement.organisation_id)
        if user is None or organisation is None:
            continue
        out.append(_lead(involvement, user, organisation))
    return out


def _lead(involvement: Involvement, user: User, organisation: Organisation) -> LeadPractitioner:
    return LeadPractitioner(
        user_id=user.id,
        name=user.display_name,
        job_title=user.job_title,
        organisation=organisation.name,
        phone=user.phone or organisation.phone,
        email=user.email or organisation.email,
        since=involvement.started_at,
    )


def lead_practitioners_of(
    session: Session, families: Mapping[str, Sequence[str]], *, now: datetime | None = None
) -> dict[str, list[LeadPractitioner]]:
    """``lead_practitioners(person_id=p)`` for every person ``p`` in ``families`` (each
    person's current families, as read for the request) in three queries, not three a
    person: search shows the lead practitioner of every result."""
    ids = list(families)
    if not ids:
        return {}
    all_families = sorted({f for fs in families.values() for f in fs})
    moment = utc(now)
    subject = Involvement.person_id.in_(ids)
    involvements = list(
        session.scalars(
            select(Involvement)
            .where(
                Involvement.kind == "lead_practitioner",
                or_(subject, Involvement.family_id.in_(all_families)) if all_families else subject,
                Involvement.started_at <= moment,
                or_(Involvement.ended_at.is_(None), Involvement.ended_at > moment),
            )
            .order_by(Involvement.started_at, Involvement.id)
        )
    )
    if not involvements:
        return {pid: [] for pid in ids}
    user_ids = sorted({i.user_id for i in involvements})
    org_ids = sorted({i.organisation_id for i in involvements})
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    orgs = {
        o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))
    }
    out: dict[str, list[LeadPractitioner]] = {}
    for pid in ids:
        mine = set(families[pid])
        out[pid] = [
            _lead(i, users[i.user_id], orgs[i.organisation_id])
            for i in involvements
            if (i.person_id == pid or i.family_id in mine)
            and i.user_id in users
            and i.organisation_id in orgs
        ]
    return out


def add_involvement(
    session: Session,
    *,
    user: User,
    practitioner: User,
    kind: str,
    purpose: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    service: str | None = None,
    started_at: datetime | None = None,
) -> Involvement:
    """Record that ``practitioner`` is working with the person or family from ``started_at``.

    A new lead practitioner for a family replaces the previous one (whose involvement ends).
    A practitioner adding themselves as a team member is decided as ``join_team`` (any
    practitioner, for direct care, early help or safeguarding), and each current lead
    practitioner is told (:func:`notices_for`).
    """
    _one_subject(person_id, family_id)
    if kind not in INVOLVEMENT_KINDS:
        raise CaseworkError(f"Involvement kind must be one of {', '.join(INVOLVEMENT_KINDS)}.")
    if practitioner.disabled:
        raise CaseworkError(f"{practitioner.username} is disabled and cannot be allocated.")
    service = _text(service, "The service", 120)
    moment = utc(started_at)
    joining = practitioner.id == user.id and kind == "team_member"
    subject = _existing_subject(
        session, user=user, person_id=person_id, family_id=family_id,
        action="involvement.join" if joining else "involvement.change", purpose=purpose,
        request_id=request_id,
    )  # fmt: skip
    authorize(
        session,
        user=user,
        action="join_team" if joining else "manage_involvement",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        records=[subject],
        details={"kind": kind, "practitioner": practitioner.username},
    )
    if kind == "lead_practitioner":
        for previous in current_involvements(
            session, person_id=person_id, family_id=family_id, now=moment
        ):
            same_subject = previous.person_id == person_id and previous.family_id == family_id
            if previous.kind == "lead_practitioner" and same_subject:
                previous.ended_at = moment
                previous.end_reason = f"Lead practitioner changed to {practitioner.display_name}"
    involvement = Involvement(
        person_id=person_id,
        family_id=family_id,
        user_id=practitioner.id,
        organisation_id=practitioner.organisation_id,
        kind=kind,
        service=service,
        started_at=moment,
        recorded_by_user_id=user.id,
    )
    session.add(involvement)
    session.flush()
    if joining:
        _tell_leads(session, involvement=involvement, joiner=user, purpose=purpose, now=moment)
    return involvement


def _tell_leads(
    session: Session, *, involvement: Involvement, joiner: User, purpose: str, now: datetime
) -> None:
    """Leave a notice for each current lead practitioner that ``joiner`` joined the team."""
    organisation = session.get(Organisation, joiner.organisation_id)
    whom = f"{joiner.display_name} ({organisation.name if organisation else 'unknown'})"
    subject = "the family" if involvement.family_id else "a person in the family"
    message = (
        f"{whom} added themselves to the team around {subject} "
        f"for {purpose.replace('_', ' ')}. If they should not be working with the family, "
        "end their involvement."
    )
    for lead in lead_practitioners(
        session, person_id=involvement.person_id, family_id=involvement.family_id, now=now
    ):
        if lead.user_id == joiner.id:
            continue
        session.add(
            InvolvementNotice(
                user_id=lead.user_id,
                involvement_id=involvement.id,
                kind="joined_team",
                message=message,
                created_at=now,
            )
        )
    session.flush()


def notices_for(
    session: Session,
    *,
    user: User,
    purpose: str,
    request_id: str | None,
    unread_only: bool = True,
) -> list[InvolvementNotice]:
    """The notices left for ``user`` (e.g. someone joined a team they lead), newest first.

    A notice is shown only while the user may still act on it (``manage_involvement`` on
    its person or family, e.g. as lead practitioner); the list is audited once
    (``involvement.notices``), naming each person or family whose notice is shown.
    """
    checked = check_request(
        session,
        user=user,
        action="involvement.notices",
        purpose=purpose,
        records=[],
        request_id=request_id,
    )
    query = select(InvolvementNotice).where(InvolvementNotice.user_id == checked.id)
    if unread_only:
        query = query.where(InvolvementNotice.read_at.is_(None))
    notices = list(
        session.scalars(
            query.order_by(InvolvementNotice.created_at.desc(), InvolvementNotice.id.desc())
        )
    )
    refs: list[str] = []
    shown: list[InvolvementNotice] = []
    policy_ids: set[str] = set()
    for notice in notices:
        involvement = session.get(Involvement, notice.involvement_id)
        if involvement is None:
            continue
        decision = _decide_on_subject(
            session,
            user=checked,
            action="manage_involvement",
            person_id=involvement.person_id,
            family_id=involvement.family_id,
            purpose=purpose,
        )
        if not decision.allowed:
            continue
        shown.append(notice)
        policy_ids.update(decision.policy_ids)
        refs.append(_one_subject(involvement.person_id, involvement.family_id))
    record(
        session,
        actor=checked,
        action="involvement.notices",
        records=list(dict.fromkeys(refs)),
        decision="allow",
        policy_ids=sorted(policy_ids),
        purpose=purpose,
        request_id=request_id,
        details={"notices": [n.id for n in shown], "withheld": len(notices) - len(shown)},
    )
    return shown


def mark_notice_read(
    session: Session, *, user: User, notice_id: int, now: datetime | None = None
) -> InvolvementNotice:
    """Mark one of ``user``'s own notices read."""
    notice = session.get(InvolvementNotice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise CaseworkError(f"No notice {notice_id} for you.")
    notice.read_at = utc(now)
    session.flush()
    return notice


def end_involvement(
    session: Session,
    *,
    user: User,
    involvement_id: int,
    reason: str,
    purpose: str,
    request_id: str | None,
    ended_at: datetime | None = None,
) -> Involvement:
    """End an involvement; the practitioner loses the access it gave on their next request."""
    involvement = session.get(Involvement, involvement_id)
    if involvement is None:
        raise CaseworkError(f"No involvement {involvement_id}.")
    if involvement.ended_at is not None:
        raise CaseworkError(f"Involvement {involvement_id} has already ended.")
    if not reason.strip():
        raise CaseworkError("Say why the involvement ends (e.g. stepped down, case closed).")
    _text(reason, "The reason")
    subject = _one_subject(involvement.person_id, involvement.family_id)
    authorize(
        session,
        user=user,
        action="manage_involvement",
        purpose=purpose,
        request_id=request_id,
        person_id=involvement.person_id,
        family_id=involvement.family_id,
        records=[subject],
        details={"ended_involvement": involvement.id},
    )
    involvement.ended_at = utc(ended_at)
    involvement.end_reason = reason.strip()
    session.flush()
    return involvement


def create_referral(
    session: Session,
    *,
    user: User,
    kind: str,
    reason: str,
    consent_at_referral: str,
    purpose: str,
    request_id: str | None,
    person_id: str | None = None,
    family_id: str | None = None,
    receiving_service: str | None = None,
    receiving_organisation_id: int | None = None,
) -> Referral:
    """A request for support (to early help) or a referral to the MASH.

    It lands with ``receiving_organisation_id`` if named, else with the organisation set to
    receive referrals of its kind (:func:`default_receiver`: the MASH for ``mash_referral``,
    early help for ``request_for_support``), else with no organisation yet; see
    :func:`referrals_for` for where unaddressed referrals show.
    """
    _one_subject(person_id, family_id)
    if kind not in REFERRAL_KINDS:
        raise CaseworkError(f"Referral kind must be one of {', '.join(REFERRAL_KINDS)}.")
    _text(reason, "The reason")
    receiving_service = _text(receiving_service, "The receiving service", 120)
    receiver = (
        session.get(Organisation, receiving_organisation_id)
        if receiving_organisation_id is not None
        else default_receiver(session, kind=kind)
    )
    if receiving_organisation_id is not None and receiver is None:
        raise CaseworkError(f"No organisation {receiving_organisation_id} to receive it.")
    if consent_at_referral not in CONSENT_AT_REFERRAL:
        raise CaseworkError(f"Consent at referral must be one of {', '.join(CONSENT_AT_REFERRAL)}.")
    if not reason.strip():
        raise CaseworkError("Say what the concern or need is.")
    subject = _existing_subject(
        session, user=user, person_id=person_id, family_id=family_id,
        action="referral.create", purpose=purpose, request_id=request_id,
    )  # fmt: skip
    authorize(
        session,
        user=user,
        action="refer",
        purpose=purpose,
        request_id=request_id,
        person_id=person_id,
        family_id=family_id,
        records=[subject],
        details={"kind": kind, "receiving_organisation": receiver.code if receiver else None},
    )
    referral = Referral(
        kind=kind,
        person_id=person_id,
        family_id=family_id,
        referrer_user_id=user.id,
        referrer_organisation_id=user.organisation_id,
        reason=reason.strip(),
        consent_at_referral=consent_at_referral,
        state="received",
        receiving_service=receiving_service
        or ("MASH" if kind == "mash_referral" else "Early help"),
        receiving_organisation_id=receiver.id if receiver else None,
        received_at=utc(None),
        updated_at=utc(None),
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralStateChange(
            referral_id=referral.id,
            from_state=None,
            to_state="received",
            changed_by_user_id=user.id,
            note="Referral received",
        )
    )
    session.flush()
    return referral


def change_referral(
    session: Session,
    *,
    user: User,
    referral_id: int,
    to_state: str,
    purpose: str,
    request_id: str | None,
    note: str | None = None,
    rating: str | None = None,
    receiving_service: str | None = None,
    receiving_organisation_id: int | None = None,
) -> Referral:
    """Move a referral on (screening, passed to early help, accepted, closed...)."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise CaseworkError(f"No referral {referral_id}.")
    # Decided before the step is checked: explaining why a step cannot be taken names the
    # referral's state, which only those who may manage it may learn.
    subject = _one_subject(referral.person_id, referral.family_id)
    authorize(
        session,
        user=user,
        action="manage_referral",
        purpose=purpose,
        request_id=request_id,
        person_id=referral.person_id,
        family_id=referral.family_id,
        records=[subject],
        details={"referral": referral.id, "from": referral.state, "to": to_state},
    )
    allowed = REFERRAL_TRANSITIONS.get(referral.state, frozenset())
    if to_state not in allowed:
        raise CaseworkError(
            f"A referral that is {referral.state.replace('_', ' ')} cannot become "
            f"{to_state.replace('_', ' ')}; it can become: "
            + (", ".join(sorted(allowed)) or "nothing (it is finished)")
            + "."
        )
    _text(note, "The note")
    _text(receiving_service, "The receiving service", 120)
    if rating is not None and rating not in REFERRAL_RATINGS:
        raise CaseworkError(f"Rating must be one of {', '.join(REFERRAL_RATINGS)}.")
    if to_state == "passed_to_early_help" and receiving_organisation_id is None:
        raise CaseworkError("Name the early help organisation the referral passes to.")
    session.add(
        ReferralStateChange(
            referral_id=referral.id,
            from_state=referral.state,
            to_state=to_state,
            changed_by_user_id=user.id,
            note=note,
        )
    )
    referral.state = to_state
    if rating is not None:
        referral.rating = rating
    if receiving_service is not None:
        referral.receiving_service = receiving_service
    if receiving_organisation_id is not None:
        referral.receiving_organisation_id = receiving_organisation_id
    referral.updated_at = utc(None)
    session.flush()
    return referral


def referral_history(session: Session, *, referral_id: int) -> list[ReferralStateChange]:
    return list(
        session.scalars(
            select(ReferralStateChange)
            .where(ReferralStateChange.referral_id == referral_id)
            .order_by(ReferralStateChange.id)
        )
    )


def default_receiver(session: Session, *, kind: str) -> Organisation | None:
    """The organisation set to receive referrals of ``kind`` (``receives_referrals``).

    With none set, or more than one (ambiguous), the referral names no organisation.
    """
    found = [
        org
        for org in session.scalars(select(Organisation).order_by(Organisation.id))
        if kind in (org.receives_referrals or ())
    ]
    return found[0] if len(found) == 1 else None


def referrals_for(
    session: Session,
    *,
    user: User,
    organisation_id: int,
    purpose: str,
    request_id: str | None = None,
    states: tuple[str, ...] | list[str] = OPEN_REFERRAL_STATES,
) -> list[Referral]:
    """The referrals that landed with ``organisation_id`` (its inbox), oldest first.

    Those addressed to it, and those of a kind it receives by default that name no receiving
    organisation. Only a member of that organisation allowed ``view_referrals`` (the MASH to
    safeguard; early help) sees it, and each referral is decided again on its own
    (``manage_referral`` on its person or family), so the list holds nothing the user could
    not act on one by one. One audit event names every referral and subject shown; a
    refusal is audited and committed at once.
    """
    unknown = sorted(set(states) - set(REFERRAL_TRANSITIONS))
    if unknown:
        raise CaseworkError(f"Unknown referral states: {', '.join(unknown)}.")
    checked = check_request(
        session,
        user=user,
        action="referral.inbox",
        purpose=purpose,
        records=[],
        request_id=request_id,
    )
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise CaseworkError(f"No organisation {organisation_id}.")
    inbox = Resource.organisation(organisation.code, kind=organisation.kind)
    decision = decide(Principal.of(checked), "view_referrals", inbox, Context(purpose=purpose))
    details: dict[str, object] = {"organisation": organisation.code, "states": sorted(states)}
    if not decision.allowed:
        event = record(
            session,
            actor=checked,
            action="referral.inbox",
            records=[],
            decision=decision,
            purpose=purpose,
            request_id=request_id,
            details={**details, "reasons": decision.reasons},
        )
        session.commit()
        raise AccessRefusedError(
            "You may not see this service's referrals: " + " ".join(decision.reasons),
            decision=decision,
            event=event,
        )
    landed = [Referral.receiving_organisation_id == organisation.id]
    defaults = [k for k in (organisation.receives_referrals or ()) if k in REFERRAL_KINDS]
    if defaults:
        landed.append(
            and_(Referral.receiving_organisation_id.is_(None), Referral.kind.in_(defaults))
        )
    candidates = session.scalars(
        select(Referral)
        .where(or_(*landed), Referral.state.in_(list(states)))
        .order_by(Referral.received_at, Referral.id)
    )
    shown: list[Referral] = []
    refs: list[str] = []
    policy_ids: set[str] = set(decision.policy_ids)
    for referral in candidates:
        one = _decide_on_subject(
            session,
            user=checked,
            action="manage_referral",
            person_id=referral.person_id,
            family_id=referral.family_id,
            purpose=purpose,
        )
        if not one.allowed:
            continue
        shown.append(referral)
        policy_ids.update(one.policy_ids)
        refs += [f"referral:{referral.id}", _one_subject(referral.person_id, referral.family_id)]
    record(
        session,
        actor=checked,
        action="referral.inbox",
        records=list(dict.fromkeys(refs)),
        decision="allow",
        policy_ids=sorted(policy_ids),
        purpose=purpose,
        request_id=request_id,
        details=details,
    )
    return shown

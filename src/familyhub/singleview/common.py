"""What the person view and the family view share: the level of view, the actions on offer,
refusals, and the one audit event.

The level comes from the decision point alone: ``view`` allowed gives the full view;
otherwise ``view_contact`` (early help seeking consent after a MASH referral) gives identity
and contact details; otherwise ``search`` gives the minimal identity any practitioner may
see. If none is allowed the request is refused, and the refusal is the request's one audit
event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from familyhub.access.decision import Context, Decision, Resource, decide, decide_many
from familyhub.access.facts import Facts
from familyhub.access.models import User
from familyhub.access.service import AccessRefusedError
from familyhub.audit.service import RecordedEvent, record, record_refusal
from familyhub.singleview.hidden import NOT_INVOLVED, reason_for
from familyhub.singleview.types import AvailableAction, Hidden, Level

# (decision action, action offered, label), offered only when the decision point allows it.
OFFERS = (
    ("join_team", "join_team", "Join the team around the family"),
    ("manage_involvement", "become_lead", "Become the lead practitioner"),
    ("record_consent", "record_consent", "Record consent"),
    ("refer", "request_support", "Request support from early help"),
    ("refer", "mash_referral", "Refer a concern to the MASH"),
    ("break_glass", "break_glass", "Use the safeguarding override (break-glass)"),
)


class NotFoundError(LookupError):
    """No person or family has this id (or it no longer holds any records)."""


@dataclass(frozen=True)
class Levelled:
    level: Level
    allowing: Decision  # the decision that let this level through (for the audit event)
    view: Decision  # the full-view decision (refused below "full")
    contact: bool  # may contact details be shown?
    consent: bool  # may consent status and history be shown?


def level_for(facts: Facts) -> Levelled | None:
    """The most the user may see of this person or family on this request, or None."""
    return levels_for([facts])[0]


def levels_for(facts: Sequence[Facts]) -> list[Levelled | None]:
    """``level_for`` of each of several persons (or families) of one user, each decided on
    its own facts, in one call to the decision point per action instead of one per person."""
    if not facts:
        return []
    principal = facts[0].principal
    resources = [f.resource for f in facts]
    contexts = [f.context for f in facts]
    views = decide_many(principal, "view", resources, contexts)
    contacts = decide_many(principal, "view_contact", resources, contexts)
    consents = decide_many(principal, "view_consent", resources, contexts)
    # Search is asked only where neither view is allowed (the minimal level's own decision).
    rest = [i for i in range(len(facts)) if not views[i].allowed and not contacts[i].allowed]
    searches = dict(
        zip(
            rest,
            decide_many(
                principal,
                "search",
                [_searchable(resources[i]) for i in rest],
                [contexts[i] for i in rest],
            )
            if rest
            else [],
            strict=True,
        )
    )
    out: list[Levelled | None] = []
    for i, view in enumerate(views):
        consent = consents[i].allowed
        if view.allowed:
            out.append(Levelled("full", view, view, contacts[i].allowed, consent))
        elif contacts[i].allowed:
            out.append(Levelled("contact", contacts[i], view, True, consent))
        elif searches[i].allowed:
            out.append(Levelled("minimal", searches[i], view, False, False))
        else:
            out.append(None)
    return out


def _searchable(resource: Resource) -> Resource:
    """A person is asked about as themselves (a sealed person never shows); for a family,
    whether the user may search at all is asked of the service."""
    return resource if resource.kind == "Person" else Resource.service()


def may_search(facts: Facts) -> Decision:
    """May the user search at all, for the purpose they stated? (asked of the service)"""
    return decide(facts.principal, "search", Resource.service(), facts.context)


def full_view_hidden(levelled: Levelled, facts: Facts, noun: str) -> Hidden:
    reason = reason_for(levelled.view, category=None, context=facts.context)
    if levelled.level == "contact":
        reason = "only contact details, to seek the family's consent"
    return Hidden(count=None, what=noun, reason=reason or NOT_INVOLVED)


def offered_actions(facts: Facts) -> list[AvailableAction]:
    """The actions the decision point would allow now (a page shows only these buttons)."""
    allowed: dict[str, bool] = {}
    out = []
    for action, offer, label in OFFERS:
        if action not in allowed:
            allowed[action] = decide(facts.principal, action, facts.resource, facts.context).allowed
        if not allowed[action]:
            continue
        if offer == "join_team" and facts.context.involved:
            continue
        if offer == "become_lead" and facts.context.lead_practitioner:
            continue
        if offer == "break_glass" and (
            facts.context.override or facts.context.purpose != "safeguarding"
        ):
            continue
        out.append(AvailableAction(action=offer, label=label))
    return out


def unrelated(facts: Facts) -> Facts:
    """The facts of the same request about a person or family the user has nothing to do
    with: their principal and purpose only (what ``access.facts.gather`` gives for an id
    that names no one)."""
    kind, ident = facts.resource.kind, facts.resource.id
    resource = Resource.person(ident) if kind == "Person" else Resource.family(ident)
    family_ids = (ident,) if kind == "Family" else ()
    return Facts(facts.principal, resource, Context(purpose=facts.context.purpose), family_ids)


def refuse_unseen(
    session: Session,
    *,
    user: User,
    action: str,
    subject: str,
    purpose: str,
    request_id: str | None,
    nobody: Facts,
    decision: Decision | None,
) -> NotFoundError | AccessRefusedError:
    """Audit a request for something the user may not see (``decision``, the denial) or an
    id that names no one (``decision`` None), and the error to raise.

    The answer must not tell the two apart, or refusals would let anyone probe which ids
    exist (and a sealed person would leave a trace). So it is what an id naming no one gets,
    decided on ``nobody`` (:func:`unrelated`): "not found" for a user who may see people they
    have nothing to do with (as any practitioner may find anyone by search), else the
    refusal any unrelated id gets, worded by the same policies. The audit event still says
    what really happened (committed at once, as ``access.authorize`` does).
    """
    noun = subject.split(":")[0]
    if decision is None:
        event = record_refusal(
            session,
            actor=user,
            action=action,
            records=[subject],
            purpose=purpose,
            request_id=request_id,
            reason=f"There is no {noun} with this id.",
        )
    else:
        event = record(
            session,
            actor=user,
            action=action,
            records=[subject],
            decision=decision,
            purpose=purpose,
            request_id=request_id,
            details={"reasons": decision.reasons},
        )
    session.commit()
    if level_for(nobody) is not None:
        return NotFoundError(f"There is no {noun} with this id.")
    answer = decide(nobody.principal, "view", nobody.resource, nobody.context)
    return AccessRefusedError(
        "You do not have access to this: " + " ".join(answer.reasons),
        decision=decision or answer,
        event=event,
    )


def audit_view(
    session: Session,
    *,
    user: User,
    action: str,
    levelled: Levelled,
    records: Sequence[str],
    purpose: str,
    request_id: str | None,
    details: dict[str, Any],
) -> RecordedEvent:
    """The request's one audit event, naming every record returned."""
    extra: dict[str, Any] = {"level": levelled.level, **details}
    if levelled.level != "full":
        extra["full_view_refused_by"] = levelled.view.policy_ids
    return record(
        session,
        actor=user,
        action=action,
        records=list(dict.fromkeys(records)),
        decision=levelled.allowing,
        purpose=purpose,
        request_id=request_id,
        details=extra,
    )

"""Which families the programme team may see, and how a family's members are named.

The programme team sees a family for Supporting Families (``view.programme``), unless a
rule forbids it (consent withdrawn, a sealed record...). Lists ask the decision point about
each family and show only those it allows, so a list never holds a family that could not
be opened on its own; the list is audited once, naming what it showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from familyhub.access.decision import Context, Principal, Resource, decide
from familyhub.access.facts import gather
from familyhub.access.service import RecordRef, visible_records
from familyhub.audit.service import record
from familyhub.families.models import FamilyMember
from familyhub.outcomes.models import NeedEvidence
from familyhub.sources.models import SourceEvent
from familyhub.web.deps import Visit
from familyhub.web.errors import RefusedError

ROLE_WORDS = {
    "child": "Child",
    "parent": "Parent",
    "adult": "Adult",
    "grandparent": "Grandparent",
    "expectant_parent": "Expectant parent",
    "non_resident_parent": "Parent living elsewhere",
    "young_adult": "Young adult",
}


@dataclass(frozen=True)
class Visible:
    family_ids: list[str]
    policy_ids: list[str]


def require_family_view(visit: Visit) -> None:
    """Refuse (audited, 403) a user whose role and purpose let them view no family at all.

    The decision point is asked about a family with no facts attached (no involvement, no
    consent): the programme team for Supporting Families may, a planner for statistics may
    not. Each family is still decided on its own facts when it is listed or opened.
    """
    decision = decide(
        Principal.of(visit.user),
        "view",
        Resource.family("any-family"),
        Context(purpose=visit.purpose or ""),
    )
    if decision.allowed:
        return
    record(
        visit.db,
        actor=visit.user,
        action="programme.families",
        records=[],
        decision=decision,
        purpose=visit.purpose,
        request_id=visit.request_id,
        details={"reasons": decision.reasons},
    )
    visit.db.commit()
    reasons = " ".join(decision.reasons) or "Your role and purpose do not allow it."
    raise RefusedError(f"You cannot use this part of the service: {reasons}")


def visible_families(visit: Visit, family_ids: Sequence[str]) -> Visible:
    """The families among ``family_ids`` this user may view for the stated purpose."""
    shown: list[str] = []
    policies: set[str] = set()
    for family_id in dict.fromkeys(family_ids):
        facts = gather(visit.db, user=visit.user, family_id=family_id, purpose=visit.purpose or "")
        decision = decide(facts.principal, "view", facts.resource, facts.context)
        if decision.allowed:
            shown.append(family_id)
            policies.update(decision.policy_ids)
    return Visible(shown, sorted(policies))


def _age(born: date | None, on: date) -> str:
    if born is None:
        return ""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f", {years}" if years >= 0 else ""


def member_labels(visit: Visit, family_id: str, *, on: date) -> dict[str, str]:
    """Each current member as the page names them: their role in the family and age.

    Names stay out: the programme team works from needs and evidence, and a role with an
    age is enough to tell the members apart on the page.
    """
    members = visit.db.scalars(
        select(FamilyMember)
        .where(FamilyMember.family_id == family_id)
        .order_by(FamilyMember.valid_from, FamilyMember.id)
    )
    labels: dict[str, str] = {}
    for member in members:
        if member.valid_to is not None and member.valid_to < on:
            continue
        role = ROLE_WORDS.get(member.role, member.role.replace("_", " ").capitalize())
        labels[member.person_id] = f"{role}{_age(member.date_of_birth, on)}"
    return labels


def visible_evidence(visit: Visit, evidence: Sequence[NeedEvidence]) -> set[int]:
    """The ids of the ``need_evidence`` rows whose partner record this user may see.

    Each piece of evidence is a partner's event; the decision point decides each one like
    any record (its data category, its supplier, the family's consent), so the programme
    team reads the evidence the sharing rules give it and is told how much else there is.
    Evidence whose event is no longer held is not shown. One audit event names what is shown.
    """
    if not evidence:
        return set()
    events = {
        (e.source, e.event_id): e
        for e in visit.db.scalars(
            select(SourceEvent).where(SourceEvent.event_id.in_({n.event_id for n in evidence}))
        )
    }
    refs: list[RecordRef] = []
    ref_of: dict[int, str] = {}
    for item in evidence:
        event = events.get((item.source, item.event_id))
        if event is None:
            continue
        ref_of[item.id] = f"source_event:{event.id}"
        refs.append(RecordRef(ref_of[item.id], item.person_id, event.data_category, event.source))
    shown = {
        r.ref
        for r in visible_records(
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            records=list({r.ref: r for r in refs}.values()),
            request_id=visit.request_id,
        )
    }
    return {item_id for item_id, ref in ref_of.items() if ref in shown}

"""The single view of a family: who is working with them, the members, one chronology across
every member and agency, the family's needs, consent, and what is hidden; one audit event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from familyhub.access.decision import decide
from familyhub.access.facts import gather, utc
from familyhub.access.models import User
from familyhub.access.service import check_request
from familyhub.families.models import Family
from familyhub.singleview import sections
from familyhub.singleview.common import (
    audit_view,
    full_view_hidden,
    level_for,
    offered_actions,
    refuse_unseen,
    unrelated,
)
from familyhub.singleview.hidden import summarise
from familyhub.singleview.members import members
from familyhub.singleview.records import events_of, filter_records
from familyhub.singleview.types import FamilyView, Hidden

ACTION = "family.view"


def family_view(
    session: Session,
    *,
    user: User,
    purpose: str,
    family_id: str,
    request_id: str | None = None,
    sources: Sequence[str] = (),
    categories: Sequence[str] = (),
    limit: int = sections.DEFAULT_CHRONOLOGY_LIMIT,
    now: datetime | None = None,
) -> FamilyView:
    """Everything about the family that ``user`` may see for ``purpose``, audited once.

    Raises ``AccessRefusedError`` or ``NotFoundError``. Each member is shown at the level
    the decision point allows for that member (restricted: notice and minimal identity;
    sealed: left out).
    """
    moment = utc(now)
    subject = f"family:{family_id}"
    checked = check_request(
        session,
        user=user,
        action=ACTION,
        purpose=purpose,
        records=[subject],
        request_id=request_id,
    )
    family = session.get(Family, family_id)
    if family is None:
        raise refuse_unseen(
            session,
            user=checked,
            action=ACTION,
            subject=subject,
            purpose=purpose,
            request_id=request_id,
            nobody=gather(session, user=checked, family_id=family_id, purpose=purpose, now=moment),
            decision=None,
        )
    facts = gather(session, user=checked, family_id=family_id, purpose=purpose, now=moment)
    levelled = level_for(facts)
    if levelled is None:
        raise refuse_unseen(
            session,
            user=checked,
            action=ACTION,
            subject=subject,
            purpose=purpose,
            request_id=request_id,
            nobody=unrelated(facts),
            decision=decide(facts.principal, "view", facts.resource, facts.context),
        )
    hidden: list[Hidden] = []
    consent = (
        sections.consent(session, person_id=None, family_id=family_id, now=moment)
        if levelled.consent
        else None
    )
    full = levelled.level == "full"
    family_members = (
        members(session, user=checked, purpose=purpose, family_ids=[family_id], now=moment)
        if levelled.level != "minimal"
        else None
    )
    events = events_of(session, family_members.full) if full and family_members else []
    filtered = (
        filter_records(
            session,
            user=checked,
            purpose=purpose,
            records=[e.ref() for e in events],
            now=moment,
            known=family_members.facts if family_members else None,
        )
        if events
        else None
    )
    shown = filtered.shown_refs if filtered else set()
    visible_events = [e for e in events if e.ref().ref in shown]
    names = family_members.names if family_members else {}
    chronology = (
        sections.chronology(
            visible_events, names=names, sources=sources, categories=categories, limit=limit
        )
        if full
        else None
    )
    needs = None
    if full:
        needs, held_back = sections.needs(
            session,
            family_ids=[family_id],
            person_ids=None,
            visible_events=visible_events,
            names=names,
        )
        hidden = summarise(
            (ref.category, "record", reason)
            for ref, reason in (filtered.withheld if filtered else [])
        )
        if held_back:
            hidden.append(
                Hidden(
                    count=held_back,
                    what="Supporting Families need" + ("s" if held_back > 1 else ""),
                    reason="their evidence is in records you cannot see",
                )
            )
        if consent is None:
            hidden.append(
                Hidden(count=None, what="consent history", reason="not shared with your role")
            )
    else:
        hidden.append(full_view_hidden(levelled, facts, "full view of the family"))
    member_list = family_members.shown if family_members else []
    # Below the contact level no member is shown: the family itself (its lead practitioner)
    # is what was disclosed.
    records = [f"person:{m.identity.person_id}" for m in member_list] or [subject]
    if chronology is not None:
        records += [f"source_event:{item.event_id}" for item in chronology.items]
    for need in needs or []:
        records.append(f"family_need:{need.need_id}")
        records += [f"source_event:{e.event_id}" for e in need.evidence]
    records += [f"consent_record:{c.consent_id}" for c in (consent.history if consent else [])]
    records = list(dict.fromkeys(records))
    # Read before the audit event, whose chain lock is held until the request commits.
    working = sections.who_is_working(
        session,
        person_id=None,
        family_id=family_id,
        now=moment,
        events=visible_events,
        leads_only=not full,
    )
    event = audit_view(
        session,
        user=checked,
        action=ACTION,
        levelled=levelled,
        records=records,
        purpose=purpose,
        request_id=request_id,
        details={
            "family": family_id,
            "withheld": len(filtered.withheld) if filtered else 0,
            "sources": sorted(sources),
            "categories": sorted(categories),
        },
    )
    return FamilyView(
        level=levelled.level,
        purpose=purpose,
        restriction_notice=None,
        who_is_working=working,
        members=member_list,
        chronology=chronology,
        needs=needs,
        consent=consent,
        hidden=hidden,
        actions=offered_actions(facts),
        records=records,
        audit_seq=event.seq,
        family_id=family_id,
        status=family.status,
    )

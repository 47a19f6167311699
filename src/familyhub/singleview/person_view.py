"""The single view of one person: who is working with them first, then everything else the
decision point lets this user see, with what is hidden and why; one audit event per view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from familyhub.access.decision import decide
from familyhub.access.facts import gather, utc
from familyhub.access.models import User
from familyhub.access.service import check_request
from familyhub.linkage.persons import resolve
from familyhub.singleview import sections
from familyhub.singleview.common import (
    audit_view,
    full_view_hidden,
    levels_for,
    offered_actions,
    refuse_unseen,
    unrelated,
)
from familyhub.singleview.facts import families_of, gather_persons
from familyhub.singleview.hidden import summarise
from familyhub.singleview.identity import (
    RESTRICTION_NOTICE,
    contact_details,
    golden_record,
    golden_values,
    headline,
    minimal_identity,
)
from familyhub.singleview.members import current_members, members
from familyhub.singleview.records import events_of, filter_records, linked_records
from familyhub.singleview.types import Hidden, PersonView, WhoIsWorking

ACTION = "person.view"
# A person is shown while they hold records; "sealed" persons are for the named roles only.
SHOWN_STATUSES = ("active", "sealed")


def person_view(
    session: Session,
    *,
    user: User,
    purpose: str,
    person_id: str,
    request_id: str | None = None,
    sources: Sequence[str] = (),
    categories: Sequence[str] = (),
    limit: int = sections.DEFAULT_CHRONOLOGY_LIMIT,
    now: datetime | None = None,
) -> PersonView:
    """Everything about ``person_id`` that ``user`` may see for ``purpose``, audited once.

    Raises ``AccessRefusedError`` (bad input, or nothing may be shown) or
    ``NotFoundError``; an older id merged into another resolves to the surviving person.
    ``sources`` / ``categories`` narrow the chronology; ``limit`` caps its length.
    """
    moment = utc(now)
    checked = check_request(
        session,
        user=user,
        action=ACTION,
        purpose=purpose,
        records=[f"person:{person_id}"],
        request_id=request_id,
    )
    person = resolve(person_id, session=session)
    if person is None or person.status not in SHOWN_STATUSES:
        raise refuse_unseen(
            session,
            user=checked,
            action=ACTION,
            subject=f"person:{person_id}",
            purpose=purpose,
            request_id=request_id,
            nobody=gather(session, user=checked, person_id=person_id, purpose=purpose, now=moment),
            decision=None,
        )
    pid = person.id
    subject = f"person:{pid}"
    # The person's facts and those of everyone in their families, read together: each is
    # still decided on its own facts (see singleview.facts).
    family_ids = families_of(session, [pid], moment)[pid]
    family_rows = current_members(session, family_ids, moment)
    everyone = gather_persons(
        session,
        user=checked,
        person_ids=[pid, *(r.person_id for r in family_rows)],
        purpose=purpose,
        now=moment,
    )
    facts = everyone[pid]
    # Everyone's level in one batch per action (each still decided on their own facts).
    levels = dict(zip(everyone, levels_for(list(everyone.values())), strict=True))
    levelled = levels[pid]
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
    restricted = facts.resource.restricted
    values = headline(session, pid)
    identity = minimal_identity(session, pid, restricted=restricted, values=values)
    records = [subject]
    hidden: list[Hidden] = []
    if levelled.level != "full":
        hidden.append(full_view_hidden(levelled, facts, "full view"))
        working = (
            WhoIsWorking(lead_practitioners=[], practitioners=[], services=[])
            if restricted
            else sections.who_is_working(
                session,
                person_id=pid,
                family_id=None,
                now=moment,
                events=[],
                leads_only=True,
                family_ids=facts.family_ids,
            )
        )
        shown_members = (
            members(
                session,
                user=checked,
                purpose=purpose,
                family_ids=facts.family_ids,
                now=moment,
                leave_out=pid,
                rows=family_rows,
                known=everyone,
                known_levels=levels,
            )
            if levelled.level == "contact"
            else None
        )
        consent = (
            sections.consent(session, person_id=pid, family_id=None, now=moment)
            if levelled.consent
            else None
        )
        member_list = [
            m for m in (shown_members.shown if shown_members else []) if m.identity.person_id != pid
        ]
        records += [f"person:{m.identity.person_id}" for m in member_list]
        records += [f"consent_record:{c.consent_id}" for c in (consent.history if consent else [])]
        contact = contact_details(session, pid, values=values) if levelled.contact else None
        event = audit_view(
            session,
            user=checked,
            action=ACTION,
            levelled=levelled,
            records=records,
            purpose=purpose,
            request_id=request_id,
            details={"requested": person_id} if person_id != pid else {},
        )
        return PersonView(
            level=levelled.level,
            purpose=purpose,
            restriction_notice=RESTRICTION_NOTICE if restricted else None,
            who_is_working=working,
            members=member_list,
            chronology=None,
            needs=None,
            consent=consent,
            hidden=hidden,
            actions=offered_actions(facts),
            records=list(dict.fromkeys(records)),
            audit_seq=event.seq,
            person_id=pid,
            requested_id=person_id,
            identity=identity,
            golden=None,
            contact=contact,
            family_ids=list(facts.family_ids),
        )

    linked = linked_records(session, [pid])
    events = events_of(session, [pid])
    filtered = filter_records(
        session,
        user=checked,
        purpose=purpose,
        records=[r.ref() for r in linked] + [e.ref() for e in events],
        now=moment,
        known={pid: facts},
    )
    shown = filtered.shown_refs
    visible_events = [e for e in events if e.ref().ref in shown]
    visible_linked = [r for r in linked if r.ref().ref in shown]
    golden_rows = golden_values(session, [pid])[pid]
    golden = golden_record(
        session,
        pid,
        visible_sources={(r.source, r.record_id) for r in visible_linked},
        values=values,
        rows=golden_rows,
    )
    family = members(
        session,
        user=checked,
        purpose=purpose,
        family_ids=facts.family_ids,
        now=moment,
        leave_out=pid,
        rows=family_rows,
        known=everyone,
        known_levels=levels,
    )
    names = {**family.names, pid: identity.name}
    chronology = sections.chronology(
        visible_events, names=names, sources=sources, categories=categories, limit=limit
    )
    needs, needs_held_back = sections.needs(
        session,
        family_ids=facts.family_ids,
        person_ids=[pid],
        visible_events=visible_events,
        names=names,
    )
    consent = (
        sections.consent(session, person_id=pid, family_id=None, now=moment)
        if levelled.consent
        else None
    )
    hidden = summarise(
        (ref.category, "record", reason)
        for ref, reason in filtered.withheld
        if ref.ref.startswith("source_event:")
    )
    if needs_held_back:
        hidden.append(
            Hidden(
                count=needs_held_back,
                what="Supporting Families need" + ("s" if needs_held_back > 1 else ""),
                reason="their evidence is in records you cannot see",
            )
        )
    if consent is None:
        hidden.append(
            Hidden(count=None, what="consent history", reason="not shared with your role")
        )
    member_list = [m for m in family.shown if m.identity.person_id != pid]
    source_ids = {(r.source, r.record_id): r.id for r in visible_linked}
    records += [f"person:{m.identity.person_id}" for m in member_list]
    records += [f"source_event:{item.event_id}" for item in chronology.items]
    records += [
        f"source_record:{source_ids[(s.source, s.record_id)]}"
        for value in golden.values
        for s in value.sources
        if (s.source, s.record_id) in source_ids
    ]
    records += [f"family_need:{n.need_id}" for n in needs]
    records += [f"source_event:{e.event_id}" for n in needs for e in n.evidence]
    records += [f"consent_record:{c.consent_id}" for c in (consent.history if consent else [])]
    records = list(dict.fromkeys(records))
    # Everything is read before the audit event: writing it takes the chain's lock, held
    # until the request commits, so nothing slow may come after it.
    working = sections.who_is_working(
        session,
        person_id=pid,
        family_id=None,
        now=moment,
        events=visible_events,
        leads_only=False,
        family_ids=facts.family_ids,
    )
    contact = (
        contact_details(session, pid, values=values, rows=golden_rows) if levelled.contact else None
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
            **({"requested": person_id} if person_id != pid else {}),
            "withheld": len(filtered.withheld),
            "sources": sorted(sources),
            "categories": sorted(categories),
        },
    )
    return PersonView(
        level="full",
        purpose=purpose,
        restriction_notice=RESTRICTION_NOTICE if restricted else None,
        who_is_working=working,
        members=member_list,
        chronology=chronology,
        needs=needs,
        consent=consent,
        hidden=hidden,
        actions=offered_actions(facts),
        records=records,
        audit_seq=event.seq,
        person_id=pid,
        requested_id=person_id,
        identity=identity,
        golden=golden,
        contact=contact,
        family_ids=list(facts.family_ids),
    )

"""The sections of the view, each built only from what already passed the list filter.

Who is working with the family (lead practitioner first), the chronology, the needs with
their evidence, and consent. Nothing here decides access: the callers hand in the events the
user may see, and say whether contact details and consent may be shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from familyhub.access.facts import current_families, utc
from familyhub.access.models import Organisation, User
from familyhub.casework import service as casework
from familyhub.casework.models import Involvement
from familyhub.consent import service as consent_service
from familyhub.consent.models import ConsentRecord
from familyhub.outcomes.headline import outcome_for
from familyhub.outcomes.models import FamilyNeed, NeedDecision, NeedEvidence
from familyhub.singleview.records import Event, source_organisation, source_title
from familyhub.singleview.types import (
    Chronology,
    ChronologyItem,
    ConsentEntry,
    ConsentStatus,
    Evidence,
    Need,
    Practitioner,
    ServiceInvolvement,
    WhoIsWorking,
)

KIND_ORDER = {"lead_practitioner": 0, "allocated_worker": 1, "team_member": 2}
DEFAULT_CHRONOLOGY_LIMIT = 200


def who_is_working(
    session: Session,
    *,
    person_id: str | None,
    family_id: str | None,
    now: datetime,
    events: Iterable[Event],
    leads_only: bool,
    family_ids: Sequence[str] | None = None,
) -> WhoIsWorking:
    """Practitioners involved now (lead first, with contact details) and every service with
    the date it was last involved: today for a current involvement, else its latest record.

    ``family_ids``: the person's current families, when the caller has read them already."""
    if family_ids is None:
        family_ids = (
            current_families(session, person_id, now.date()) if person_id else [family_id or ""]
        )
    practitioners: list[Practitioner] = []
    involvements = [
        i
        for i in casework.current_involvements(
            session, person_id=person_id, family_id=family_id, now=now, family_ids=family_ids
        )
        if not leads_only or i.kind == "lead_practitioner"
    ]
    users = _users(session, {i.user_id for i in involvements})
    organisations = _organisations(session, {i.organisation_id for i in involvements})
    for involvement in involvements:
        user = users.get(involvement.user_id)
        organisation = organisations.get(involvement.organisation_id)
        if user is None or organisation is None:
            continue
        practitioners.append(
            Practitioner(
                name=user.display_name,
                job_title=user.job_title,
                organisation=organisation.name,
                service=involvement.service,
                kind=involvement.kind,
                phone=user.phone or organisation.phone,
                email=user.email or organisation.email,
                since=involvement.started_at,
            )
        )
    practitioners.sort(key=lambda p: (KIND_ORDER.get(p.kind, 9), p.since))
    # One line per organisation: a current involvement (today), else its latest record.
    services: dict[str, ServiceInvolvement] = {}
    for p in practitioners:
        services.setdefault(
            p.organisation,
            ServiceInvolvement(
                service=p.service or p.organisation,
                organisation=p.organisation,
                last_involved=now.date(),
                evidence="involvement",
            ),
        )
    for organisation_name, service, ended in _ended_involvements(
        session, person_id=person_id, now=now, family_ids=family_ids
    ):
        current = services.get(organisation_name)
        if current is None or (current.evidence == "records" and current.last_involved < ended):
            services[organisation_name] = ServiceInvolvement(
                service=service or organisation_name,
                organisation=organisation_name,
                last_involved=ended,
                evidence="involvement",
            )
    for event in events:
        supplier = source_organisation(event.source)
        key = supplier or source_title(event.source)
        last = min(max(event.event_date, event.end_date or event.event_date), now.date())
        current = services.get(key)
        if current is None or (current.evidence == "records" and current.last_involved < last):
            services[key] = ServiceInvolvement(
                service=source_title(event.source),
                organisation=supplier,
                last_involved=last,
                evidence="records",
            )
    return WhoIsWorking(
        lead_practitioners=[p for p in practitioners if p.kind == "lead_practitioner"],
        practitioners=[p for p in practitioners if p.kind != "lead_practitioner"],
        services=sorted(services.values(), key=lambda s: (-s.last_involved.toordinal(), s.service)),
    )


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    """The involvements' practitioners in one query."""
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(User).where(User.id.in_(ids)))}


def _organisations(session: Session, ids: set[int]) -> dict[int, Organisation]:
    """The involvements' organisations in one query."""
    if not ids:
        return {}
    query = select(Organisation).where(Organisation.id.in_(ids))
    return {row.id: row for row in session.scalars(query)}


def _ended_involvements(
    session: Session,
    *,
    person_id: str | None,
    now: datetime,
    family_ids: Sequence[str],
) -> list[tuple[str, str | None, date]]:
    """(organisation, service, day it ended) for involvements that have ended, latest first
    (``family_ids``: the person's current families, or the family)."""
    subject: ColumnElement[bool] = Involvement.family_id.in_(list(family_ids))
    if person_id:
        subject = or_(subject, Involvement.person_id == person_id)
    rows = session.execute(
        select(Organisation.name, Involvement.service, Involvement.ended_at)
        .join(Organisation, Organisation.id == Involvement.organisation_id)
        .where(subject, Involvement.ended_at.is_not(None), Involvement.ended_at <= now)
        .order_by(Involvement.ended_at.desc())
    )
    return [(name, service, utc(ended).date()) for name, service, ended in rows]


def chronology(
    events: Sequence[Event],
    *,
    names: dict[str, str],
    sources: Sequence[str] = (),
    categories: Sequence[str] = (),
    limit: int = DEFAULT_CHRONOLOGY_LIMIT,
) -> Chronology:
    """Visible events newest first, narrowed to ``sources`` / ``categories`` when given."""
    chosen = [
        e
        for e in events
        if (not sources or e.source in sources) and (not categories or e.category in categories)
    ]
    chosen.sort(key=lambda e: (e.event_date, e.id), reverse=True)
    items = [
        ChronologyItem(
            event_id=e.id,
            person_id=e.person_id,
            person_name=names.get(e.person_id, ""),
            event_date=e.event_date,
            end_date=e.end_date,
            event_type=e.event_type,
            category=e.category,
            source=e.source,
            source_title=source_title(e.source),
            organisation=source_organisation(e.source),
            description=e.description,
        )
        for e in chosen[: max(limit, 0)]
    ]
    return Chronology(
        items=items,
        sources=sorted({e.source for e in events}),
        categories=sorted({e.category for e in events}),
        filtered_by_source=sorted(sources),
        filtered_by_category=sorted(categories),
        truncated=len(chosen) > len(items),
    )


def needs(
    session: Session,
    *,
    family_ids: Sequence[str],
    person_ids: Sequence[str] | None,
    visible_events: Sequence[Event],
    names: dict[str, str],
) -> tuple[list[Need], int]:
    """Needs whose evidence the user may see (with that evidence), and how many were held
    back because all their evidence is in records the user may not open."""
    if not family_ids:
        return [], 0
    query = select(FamilyNeed).where(FamilyNeed.family_id.in_(list(family_ids)))
    if person_ids is not None:
        query = query.where(FamilyNeed.person_id.in_(list(person_ids)))
    rows = list(session.scalars(query.order_by(FamilyNeed.need, FamilyNeed.person_id)))
    if not rows:
        return [], 0
    visible = {(e.source, e.event_id): e for e in visible_events}
    evidence_rows = session.scalars(
        select(NeedEvidence).where(NeedEvidence.family_id.in_(list(family_ids)))
    )
    evidence: dict[tuple[str, str, str], list[Evidence]] = {}
    for cited in evidence_rows:
        event = visible.get((cited.source, cited.event_id))
        if event is None:
            continue
        evidence.setdefault((cited.family_id, cited.person_id, cited.need), []).append(
            Evidence(
                event_id=event.id,
                source=cited.source,
                event_date=cited.event_date,
                end_date=cited.end_date,
                signal=cited.signal,
                rule_id=cited.rule_id,
                text=cited.text,
            )
        )
    decisions = _latest_decisions(session, family_ids)
    shown: list[Need] = []
    held_back = 0
    for row in rows:
        shown_evidence = evidence.get((row.family_id, row.person_id, row.need), [])
        if not shown_evidence:
            held_back += 1
            continue
        outcome = outcome_for(row.need)
        shown.append(
            Need(
                need_id=row.id,
                need=row.need,
                label=outcome.title if outcome else row.need.replace("_", " "),
                person_id=row.person_id,
                person_name=names.get(row.person_id, ""),
                status=row.status,
                first_evidence_date=row.first_evidence_date,
                last_evidence_date=row.last_evidence_date,
                evidence=sorted(
                    shown_evidence, key=lambda e: (e.event_date, e.event_id), reverse=True
                ),
                decision=decisions.get((row.family_id, row.need)),
            )
        )
    return shown, held_back


def _latest_decisions(session: Session, family_ids: Sequence[str]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for row in session.scalars(
        select(NeedDecision)
        .where(NeedDecision.family_id.in_(list(family_ids)))
        .order_by(NeedDecision.decided_at, NeedDecision.id)
    ):
        out[(row.family_id, row.need)] = row.decision
    return out


def consent(
    session: Session, *, person_id: str | None, family_id: str | None, now: datetime
) -> ConsentStatus:
    """The consent in force and its history (the consent engineer's reading of it)."""
    state, current = consent_service.consent_state(
        session, person_id=person_id, family_id=family_id, now=now
    )
    history = consent_service.consent_history(
        session, person_id=person_id, family_id=family_id, now=now
    )
    names = _user_names(session, {c.recorded_by_user_id for c in history})
    entries = [_entry(c, names) for c in history]
    by_id = {e.consent_id: e for e in entries}
    return ConsentStatus(
        state=state,
        current=by_id.get(current.id) if current is not None else None,
        history=entries,
    )


def _entry(record: ConsentRecord, names: dict[int, str]) -> ConsentEntry:
    return ConsentEntry(
        consent_id=record.id,
        state=record.state,
        purposes=list(record.purposes or []),
        recipient_organisations=list(record.recipient_organisations or []),
        data_categories=list(record.data_categories or []),
        effective_at=record.effective_at,
        recorded_by=names.get(record.recorded_by_user_id, "unknown"),
        evidence=record.evidence,
        subject="person" if record.person_id else "family",
    )


def _user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())

"""A person's source records and events, and the one filter every list of them passes.

Every record is decided as if it were opened on its own, exactly as the access engineer's
list filter (:func:`familyhub.access.service.visible_records`) decides it, so a list never
holds anything the user could not open one by one. The view does it here, in one batch per
person on the facts it has already gathered, because it also needs each refusal's reason for
the "hidden and why" summary: asking the list filter and then asking again to explain the
rest gathered every person's facts twice and decided withheld records twice.
``tests/integration/singleview/test_batched_facts.py`` checks that the records shown are
exactly those ``visible_records`` shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.decision import decide_many
from familyhub.access.facts import (
    Facts,
    need_evidence_refs,
    organisation_code_for_source,
    record_resource,
)
from familyhub.access.models import User
from familyhub.access.service import RecordRef
from familyhub.linkage.models import PersonLink
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.hidden import is_sealed, reason_for
from familyhub.sources.models import SourceEvent, SourceRecord

PERSONAL = "personal"


@dataclass(frozen=True)
class LinkedRecord:
    id: int
    person_id: str
    source: str
    record_id: str
    categories: tuple[str, ...]
    updated_at: datetime | None

    @property
    def category(self) -> str:
        """What holding this record says about the person: its source's first category
        after ``personal`` (contracts list their main category first), e.g. a mental
        health referral is health data even when only its postcode is shown."""
        return next((c for c in self.categories if c != PERSONAL), PERSONAL)

    def ref(self) -> RecordRef:
        return RecordRef(f"source_record:{self.id}", self.person_id, self.category, self.source)


@dataclass(frozen=True)
class Event:
    id: int
    person_id: str
    source: str
    record_id: str
    event_id: str
    event_type: str
    event_date: date
    end_date: date | None
    category: str
    description: str

    def ref(self) -> RecordRef:
        return RecordRef(f"source_event:{self.id}", self.person_id, self.category, self.source)


def linked_records(session: Session, person_ids: Sequence[str]) -> list[LinkedRecord]:
    """The active source records linked to each person."""
    if not person_ids:
        return []
    rows = session.execute(
        select(
            SourceRecord.id,
            PersonLink.person_id,
            SourceRecord.source,
            SourceRecord.record_id,
            SourceRecord.data_categories,
            SourceRecord.updated_at,
        )
        .join(PersonLink, PersonLink.source_record_id == SourceRecord.id)
        .where(PersonLink.person_id.in_(list(person_ids)), SourceRecord.status == "active")
        .order_by(SourceRecord.id)
    )
    return [
        LinkedRecord(rid, pid, source, record_id, tuple(categories or ()), updated)
        for rid, pid, source, record_id, categories, updated in rows
    ]


def events_of(session: Session, person_ids: Sequence[str]) -> list[Event]:
    """Every event of the persons' active source records, newest first."""
    if not person_ids:
        return []
    rows = session.execute(
        select(
            SourceEvent.id,
            PersonLink.person_id,
            SourceEvent.source,
            SourceEvent.record_id,
            SourceEvent.event_id,
            SourceEvent.event_type,
            SourceEvent.event_date,
            SourceEvent.end_date,
            SourceEvent.data_category,
            SourceEvent.description,
        )
        .join(
            SourceRecord,
            (SourceRecord.source == SourceEvent.source)
            & (SourceRecord.record_id == SourceEvent.record_id),
        )
        .join(PersonLink, PersonLink.source_record_id == SourceRecord.id)
        .where(PersonLink.person_id.in_(list(person_ids)), SourceRecord.status == "active")
        .order_by(SourceEvent.event_date.desc(), SourceEvent.id.desc())
    )
    return [
        Event(
            id=row[0],
            person_id=row[1],
            source=row[2],
            record_id=row[3],
            event_id=row[4],
            event_type=row[5],
            event_date=row[6],
            end_date=row[7],
            category=row[8],
            description=row[9],
        )
        for row in rows
    ]


@dataclass
class Filtered:
    """The records a user may see, and the reason for each one withheld."""

    shown: list[RecordRef]
    withheld: list[tuple[RecordRef, str]] = field(default_factory=list)

    @property
    def shown_refs(self) -> set[str]:
        return {r.ref for r in self.shown}


def filter_records(
    session: Session,
    *,
    user: User,
    purpose: str,
    records: Sequence[RecordRef],
    now: datetime | None,
    known: Mapping[str, Facts] | None = None,
) -> Filtered:
    """Decide every record on its person's facts, as the list filter
    (``access.service.visible_records``) does, and say why each withheld one is withheld.

    Each record is its own request to the decision point (``view_record``, with its
    category, supplier, its person's restriction and sealing, and whether it is evidence of
    a need of a family on the programme); they go in one batch per person, and the facts
    are those this request already gathered (``known``) or gathered once for all persons
    here. Sealed records are left out of the withheld list entirely.
    """
    by_person: dict[str, list[RecordRef]] = defaultdict(list)
    for item in records:
        by_person[item.person_id].append(item)
    facts = dict(known or {})
    missing = [p for p in by_person if p not in facts]
    if missing:
        facts.update(
            gather_persons(session, user=user, person_ids=missing, purpose=purpose, now=now)
        )
    allowed: set[str] = set()
    withheld: list[tuple[RecordRef, str]] = []
    suppliers: dict[str, str] = {}
    for person_id, items in by_person.items():
        person_facts = facts[person_id]
        evidence = (
            need_evidence_refs(session, [i.ref for i in items], person_facts.family_ids)
            if person_facts.context.on_programme
            else set()
        )
        for item in items:
            if item.source not in suppliers:
                suppliers[item.source] = organisation_code_for_source(session, item.source)
        resources = [
            record_resource(
                ref=item.ref,
                category=item.category,
                supplier=suppliers[item.source],
                person=person_facts.resource,
                need_evidence=item.ref in evidence,
            )
            for item in items
        ]
        decisions = decide_many(
            person_facts.principal, "view_record", resources, person_facts.context
        )
        for item, decision in zip(items, decisions, strict=True):
            if decision.allowed:
                allowed.add(item.ref)
            elif not is_sealed(decision):
                reason = reason_for(decision, category=item.category, context=person_facts.context)
                withheld.append((item, reason))
    return Filtered(shown=[r for r in records if r.ref in allowed], withheld=withheld)


@lru_cache(maxsize=1)
def _source_titles() -> dict[str, tuple[str, str]]:
    from familyhub.sources.contract import ContractError
    from familyhub.sources.registry import load_contracts

    try:
        entries = load_contracts()
    except (ContractError, OSError):
        return {}
    return {
        name: (entry.contract.title, entry.contract.governance.organisation)
        for name, entry in entries.items()
    }


def source_title(source: str) -> str:
    return _source_titles().get(source, (source.replace("_", " ").capitalize(), ""))[0]


def source_organisation(source: str) -> str | None:
    return _source_titles().get(source, ("", ""))[1] or None

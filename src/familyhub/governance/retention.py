"""The retention schedule and the purge: nothing survives past its rule.

Each source contract's ``retention`` says how many years its records are kept, counted from
the record's last contact (its latest event, or the last extract that carried it), from the
event itself, from the last extract, or from the person's 18th birthday. A legal hold, or a
restriction the person asked for, keeps their records past the rule until it ends.

``run_retention`` destroys what is due in one transaction per person (records that belong to
no person, and quarantined rows: in batches per source), so a failure part-way leaves every
person either untouched or done. A person left with no records and no open involvement is
erased entirely, with a tombstone. The report lists what was (or, in a dry run, would be)
destroyed and why, by source, record id and person id: no names, no dates of birth.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from familyhub.governance.flows import SourceFlow
from familyhub.linkage.models import Person
from familyhub.rights.erasure import ErasurePlan, active_holds, apply_plan, plan_erasure
from familyhub.rights.facts import restricted_person_ids
from familyhub.rights.models import ErasureTombstone
from familyhub.rights.personal_data import find_record_data, link_tables, person_ids_of
from familyhub.rights.subject import surviving_person_id
from familyhub.sources.models import QuarantineRow, SourceEvent, SourceRecord

BATCH = 500


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the day after
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class DueItem:
    """One record (or one event) past its rule."""

    kind: str  # record | event | quarantine | person (nothing of theirs left)
    source: str
    record_pk: int
    record_id: str
    event_pk: int | None
    person_id: str | None
    rule: str
    keep_until: str
    held: bool = False


@dataclass
class RetentionReport:
    today: str
    dry_run: bool
    due: list[DueItem] = field(default_factory=list)
    persons_done: int = 0
    persons_erased: int = 0
    persons_held: int = 0
    rows_removed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "due": [asdict(d) for d in self.due]}


def _person_of_records(session: Session) -> dict[int, str]:
    """Record -> the person it belongs to today (following merges to the surviving id)."""
    owners: dict[int, str] = {}
    survivors: dict[str, str] = {}
    for link, person_col, record_col in link_tables():
        for record_pk, person_id in session.execute(select(link.c[record_col], link.c[person_col])):
            if person_id not in survivors:
                survivors[person_id] = surviving_person_id(session, person_id) or person_id
            owners[int(record_pk)] = survivors[person_id]
    return owners


def _last_contact(session: Session, source: str) -> dict[str, date]:
    latest = func.max(func.coalesce(SourceEvent.end_date, SourceEvent.event_date))
    rows = session.execute(
        select(SourceEvent.record_id, latest)
        .where(SourceEvent.source == source)
        .group_by(SourceEvent.record_id)
    )
    return {record_id: day for record_id, day in rows if day is not None}


def due_for_destruction(session: Session, *, flows: list[SourceFlow], today: date) -> list[DueItem]:
    """Every record and event whose rule has run out on ``today``, holds marked."""
    owners = _person_of_records(session)
    due: list[DueItem] = []
    for flow in flows:
        rule = f"{flow.source}: {flow.retention_rule}"
        records = session.execute(
            select(
                SourceRecord.id,
                SourceRecord.record_id,
                SourceRecord.date_of_birth,
                SourceRecord.updated_at,
            ).where(SourceRecord.source == flow.source)
        ).all()
        if not records:
            continue
        contact = _last_contact(session, flow.source)
        if flow.retention_after == "event_date":
            events = session.execute(
                select(SourceEvent.id, SourceEvent.record_id, SourceEvent.event_date).where(
                    SourceEvent.source == flow.source
                )
            ).all()
            pk_of = {r.record_id: r.id for r in records}
            for event_pk, record_id, event_date in events:
                until = _years_after(event_date, flow.retention_years)
                if until < today and record_id in pk_of:
                    pk = pk_of[record_id]
                    due.append(
                        DueItem(
                            "event",
                            flow.source,
                            pk,
                            record_id,
                            event_pk,
                            owners.get(pk),
                            rule,
                            until.isoformat(),
                        )
                    )
        for pk, record_id, dob, updated_at in records:
            last_seen = updated_at.date() if updated_at else today
            if flow.retention_after == "date_of_birth_18" and dob is not None:
                start = _years_after(dob, 18)
            elif flow.retention_after == "extract_date":
                start = last_seen
            else:
                # last contact; an event-dated source's record goes with its last event
                start = contact.get(record_id, last_seen)
            until = _years_after(start, flow.retention_years)
            if until < today:
                due.append(
                    DueItem(
                        "record",
                        flow.source,
                        pk,
                        record_id,
                        None,
                        owners.get(pk),
                        rule,
                        until.isoformat(),
                    )
                )
        due += _quarantine_due(session, flow, rule, today)
    return due


def _quarantine_due(session: Session, flow: SourceFlow, rule: str, today: date) -> list[DueItem]:
    """Rows that never loaded (or values dropped) keep no longer than the source's rule,
    counted from when they were quarantined."""
    rows = session.execute(
        select(QuarantineRow.id, QuarantineRow.created_at).where(
            QuarantineRow.source == flow.source
        )
    ).all()
    due = []
    for pk, created_at in rows:
        until = _years_after(created_at.date(), flow.retention_years)
        if until < today:
            due.append(
                DueItem("quarantine", flow.source, pk, "", None, None, rule, until.isoformat())
            )
    return due


def _kept_back(session: Session, person_id: str, today: date) -> bool:
    """Under a legal hold, or under a restriction: a person who asked us to restrict rather
    than erase (UK GDPR Art 18(1)(b)-(d)) needs the data kept, so the purge waits too."""
    ids = person_ids_of(session, person_id)
    return bool(active_holds(session, ids, on=today)) or bool(
        ids & restricted_person_ids(session, on=today)
    )


def _mark_holds(session: Session, due: list[DueItem], today: date) -> list[DueItem]:
    people = {d.person_id for d in due if d.person_id}
    held = {p for p in people if p is not None and _kept_back(session, p, today)}
    return [
        DueItem(**{**asdict(d), "held": d.person_id in held}) if d.person_id in held else d
        for d in due
    ]


def _destroy_for_person(
    session: Session, person_id: str | None, items: list[DueItem], *, actor: str
) -> tuple[dict[str, int], bool]:
    """Destroy ``items``; erase the person when nothing of theirs is left. Returns the rows
    removed per table and whether the person was erased."""
    record_pks = {d.record_pk for d in items if d.kind == "record"}
    quarantine_pks = sorted(d.record_pk for d in items if d.kind == "quarantine")
    event_pks = {d.event_pk for d in items if d.kind == "event" and d.record_pk not in record_pks}
    removed: dict[str, int] = {}
    if quarantine_pks:
        session.execute(delete(QuarantineRow).where(QuarantineRow.id.in_(quarantine_pks)))
        removed["quarantine_row"] = len(quarantine_pks)
    if event_pks:
        session.query(SourceEvent).filter(
            SourceEvent.id.in_(sorted(e for e in event_pks if e))
        ).delete()
        removed["source_event"] = len(event_pks)
    if record_pks:
        found = find_record_data(session, record_pks=record_pks)
        plan = ErasurePlan(person_id=person_id or "", found=found, delete=found.rows, kept=[])
        for table, count in apply_plan(session, plan).items():
            removed[table] = removed.get(table, 0) + count
    erased = False
    if person_id is not None and _nothing_left(session, person_id):
        plan = plan_erasure(session, person_id=person_id, obligations={})
        for table, count in apply_plan(session, plan).items():
            removed[table] = removed.get(table, 0) + count
        session.add(
            ErasureTombstone(
                request_id=None,
                person_ref=person_id,
                cause="retention",
                actor=actor,
                removed=removed,
                kept=[],
            )
        )
        erased = True
    session.flush()
    return removed, erased


def _nothing_left(session: Session, person_id: str) -> bool:
    """No source record links to the person any more and no one is working with them."""
    from familyhub.rights.personal_data import find_personal_data

    found = find_personal_data(session, person_id=person_id)
    if found.rows.get("source_record"):
        return False
    open_work = [r for r in found.rows.get("involvement", []) if r.get("ended_at") is None]
    return not open_work


def run_retention(
    *,
    flows: list[SourceFlow],
    today: date,
    dry_run: bool,
    actor: str,
    transaction: Callable[[], AbstractContextManager[Session]],
) -> RetentionReport:
    """Find what is due and, unless ``dry_run``, destroy it: one transaction per person."""
    report = RetentionReport(today=today.isoformat(), dry_run=dry_run)
    with transaction() as session:
        report.due = _mark_holds(
            session, due_for_destruction(session, flows=flows, today=today), today
        )
    report.persons_held = len({d.person_id for d in report.due if d.held})
    if dry_run:
        with transaction() as session:
            for candidate in _persons_without_records(session):
                if _nothing_left(session, candidate):
                    report.due.append(
                        DueItem(
                            "person",
                            "",
                            0,
                            "",
                            None,
                            candidate,
                            "no partner record left",
                            report.today,
                        )
                    )
        return report
    groups: dict[str, list[DueItem]] = {}
    for item in report.due:
        if item.held:
            continue
        # Records of no person (and quarantined rows) go in batches per source: there is
        # no person whose data could be left half-destroyed.
        key = item.person_id or f"batch:{item.source}:{item.kind}"
        groups.setdefault(key, []).append(item)
    for key in [k for k in groups if k.startswith("batch:")]:
        items = groups.pop(key)
        for start in range(0, len(items), BATCH):
            groups[f"{key}:{start // BATCH}"] = items[start : start + BATCH]
    for key, items in sorted(groups.items()):
        person_id = None if key.startswith("batch:") else key
        try:
            with transaction() as session:
                removed, erased = _destroy_for_person(session, person_id, items, actor=actor)
        except Exception as exc:  # one person's failure must not stop the rest
            report.errors.append(f"{key}: {type(exc).__name__}: {exc}")
            continue
        report.persons_done += 1
        report.persons_erased += int(erased)
        for table, count in removed.items():
            report.rows_removed[table] = report.rows_removed.get(table, 0) + count
    with transaction() as session:
        leftovers = _persons_without_records(session)
    for leftover in leftovers:
        try:
            with transaction() as session:
                if _kept_back(session, leftover, today):
                    continue
                removed, erased = _destroy_for_person(session, leftover, [], actor=actor)
        except Exception as exc:  # one person's failure must not stop the rest
            report.errors.append(f"{leftover}: {type(exc).__name__}: {exc}")
            continue
        report.persons_erased += int(erased)
        for table, count in removed.items():
            report.rows_removed[table] = report.rows_removed.get(table, 0) + count
    return report


def _persons_without_records(session: Session) -> list[str]:
    """Persons (not merged away) no partner record links to any more: what is left of
    someone whose records have all been destroyed, e.g. kept while an involvement was open."""
    linked: set[str] = set()
    for link, person_col, _ in link_tables():
        linked |= {str(p) for p in session.scalars(select(link.c[person_col]).distinct())}
    persons = list(session.scalars(select(Person.id).where(Person.merged_into.is_(None))))
    return sorted(pid for pid in persons if not (person_ids_of(session, pid) & linked))


def write_report(report: RetentionReport, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kind = "dry-run" if report.dry_run else "run"
    path = out_dir / f"retention-{kind}-{report.today}-{stamp}.json"
    path.write_text(json.dumps(report.as_dict(), indent=2), encoding="utf-8")
    return path

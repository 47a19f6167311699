"""Find every row the registry says belongs to a person (for subject access and erasure)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, Text, cast, or_, select
from sqlalchemy.orm import Session

from familyhub.models import load_all_models
from familyhub.rights.registry import LINK_TABLES, REGISTRY, Location


def _tables() -> dict[str, Table]:
    return dict(load_all_models().metadata.tables)


def person_ids_of(session: Session, person_id: str) -> set[str]:
    """The person and every earlier id merged into them (their history lives under those)."""
    person = _tables()["person"]
    ids = {person_id}
    frontier = {person_id}
    while frontier:
        rows = session.execute(select(person.c.id).where(person.c.merged_into.in_(frontier)))
        frontier = {row[0] for row in rows} - ids
        ids |= frontier
    return ids


def link_tables() -> list[tuple[Table, str, str]]:
    """The linkage's link tables with their person and source record columns."""
    tables = _tables()
    return [(tables[name], person, record) for name, person, record in LINK_TABLES]


def source_record_pks(session: Session, person_ids: Iterable[str]) -> set[int]:
    ids = sorted(person_ids)
    pks: set[int] = set()
    for link, person_col, record_col in link_tables():
        rows = session.execute(select(link.c[record_col]).where(link.c[person_col].in_(ids)))
        pks |= {int(row[0]) for row in rows if row[0] is not None}
    return pks


@dataclass
class Found:
    """A person's rows: per table, the rows (as dicts) and the registry entry that found them."""

    person_ids: set[str]
    record_keys: set[tuple[str, str]] = field(default_factory=set)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_location: list[tuple[Location, list[dict[str, Any]]]] = field(default_factory=list)

    def add(self, loc: Location, rows: list[dict[str, Any]]) -> None:
        self.by_location.append((loc, rows))
        seen = {self._pk(loc.table, r) for r in self.rows.get(loc.table, [])}
        bucket = self.rows.setdefault(loc.table, [])
        bucket.extend(r for r in rows if self._pk(loc.table, r) not in seen)

    @staticmethod
    def _pk(table: str, row: dict[str, Any]) -> Any:
        pk_cols = [c.name for c in _tables()[table].primary_key.columns]
        return tuple(row[c] for c in pk_cols)


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query)]


def _quarantine_rows(
    session: Session, table: Table, keys_by_source: dict[str, set[str]]
) -> list[dict[str, Any]]:
    """Quarantined rows whose raw row carries one of the record ids. The database narrows
    the search (the id in quotes, as JSON writes it); Python confirms it is a whole value."""
    rows: list[dict[str, Any]] = []
    raw_text = cast(table.c.raw_row, Text)
    for source, record_ids in sorted(keys_by_source.items()):
        ids = sorted(record_ids)
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            candidates = _rows(
                session,
                select(table).where(
                    table.c.source == source,
                    or_(*(raw_text.contains(json.dumps(i)) for i in chunk)),
                ),
            )
            rows += [
                r
                for r in candidates
                if r["raw_row"] and record_ids & {str(v) for v in r["raw_row"].values()}
            ]
    return rows


RECORD_KEYED = ("source_record", "source_record_key", "source_record_pk", "quarantine")


def find_personal_data(session: Session, *, person_id: str) -> Found:
    """Every row in every registered table about ``person_id`` (and ids merged into it)."""
    tables = _tables()
    found = Found(person_ids=person_ids_of(session, person_id))
    records = tables["source_record"]
    pks = source_record_pks(session, found.person_ids)
    record_rows = _rows(session, select(records).where(records.c.id.in_(sorted(pks))))
    return _collect(session, found, record_rows, REGISTRY)


def find_record_data(session: Session, *, record_pks: Iterable[int]) -> Found:
    """The given source records and every row that exists because of them (their events,
    relationships, links, evidence...), whoever they belong to: what retention destroys."""
    tables = _tables()
    records = tables["source_record"]
    record_rows = _rows(session, select(records).where(records.c.id.in_(sorted(record_pks))))
    found = Found(person_ids=set())
    locations = [loc for loc in REGISTRY if loc.find in RECORD_KEYED]
    found = _collect(session, found, record_rows, locations)
    for link, _, record_col in link_tables():
        loc = Location(link.name, "source_record_pk", column=record_col, label="links")
        pks = sorted(r["id"] for r in record_rows)
        found.add(loc, _rows(session, select(link).where(link.c[record_col].in_(pks))))
    return found


def _collect(
    session: Session, found: Found, record_rows: list[dict[str, Any]], locations: Iterable[Location]
) -> Found:
    tables = _tables()
    ids = sorted(found.person_ids)
    found.record_keys = {(r["source"], r["record_id"]) for r in record_rows}
    keys_by_source: dict[str, set[str]] = {}
    for source, record_id in found.record_keys:
        keys_by_source.setdefault(source, set()).add(record_id)
    for loc in locations:
        table = tables[loc.table]
        if loc.find == "source_record":
            found.add(loc, record_rows)
        elif loc.find == "person":
            found.add(loc, _rows(session, select(table).where(table.c[loc.column].in_(ids))))
        elif loc.find == "source_record_key":
            rows: list[dict[str, Any]] = []
            for source, record_ids in sorted(keys_by_source.items()):
                rows += _rows(
                    session,
                    select(table).where(
                        table.c.source == source, table.c[loc.column].in_(sorted(record_ids))
                    ),
                )
            found.add(loc, rows)
        elif loc.find == "child":
            assert loc.parent is not None
            parent_ids = [r["id"] for r in found.rows.get(loc.parent, [])]
            found.add(loc, _rows(session, select(table).where(table.c[loc.column].in_(parent_ids))))
        elif loc.find == "source_record_pk":
            pks = sorted(r["id"] for r in record_rows)
            found.add(loc, _rows(session, select(table).where(table.c[loc.column].in_(pks))))
        elif loc.find == "family":
            families = sorted({r["family_id"] for r in found.rows.get("family_member", [])})
            query = select(table).where(table.c[loc.column].in_(families))
            if "person_id" in table.c:
                query = query.where(table.c.person_id.is_(None))
            found.add(loc, _rows(session, query))
        elif loc.find == "parent":
            assert loc.parent is not None
            keys = sorted({r[loc.column] for r in found.rows.get(loc.parent, [])})
            pk = next(iter(table.primary_key.columns))
            found.add(loc, _rows(session, select(table).where(pk.in_(keys))))
        elif loc.find == "quarantine":
            found.add(loc, _quarantine_rows(session, table, keys_by_source))
        else:
            raise ValueError(f"unknown way to find rows: {loc.find}")
    return found

"""Rebuild households, relationships and families from the linked records, keeping history.

Households and stated relationships are derived afresh each time. Families are matched to the
previous build (:mod:`stable`) so their ids stay; people joining or leaving close or open
membership rows instead of rewriting them, and every change is recorded in ``family_change``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from familyhub.families.build import FamilyBuild, FamilyInputs, build_families
from familyhub.families.inputs import (
    RELATIONSHIPS_SCHEMA,
    read_links,
    read_records,
    read_relationships,
)
from familyhub.families.models import (
    Family,
    FamilyChange,
    FamilyMember,
    Household,
    HouseholdMember,
    PersonRelationship,
)
from familyhub.families.stable import Member, assign_family_ids
from familyhub.families.tables import read_arrow, write_arrow
from familyhub.runs import finish_run, start_run

# Events whose attributes say where someone lives or whether they count as a dependant:
# education, pregnancy, GP practice (people of a household share one), living with children.
FACT_EVENT_TYPES = (
    "school_term",
    "post16_activity",
    "antenatal_contact",
    "health_visiting_contact",
    "mental_health_referral",
    "substance_misuse_treatment",
)
FACT_COLUMNS = "source, record_id, event_type, event_date, CAST(attributes AS TEXT)"
CHUNK = 5_000


def household_id(key: str) -> str:
    """Households are named by their dwelling, so their ids are stable by construction."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def read_inputs(session: Session, links_file: Path | None = None) -> FamilyInputs:
    types = ", ".join(f"'{t}'" for t in FACT_EVENT_TYPES)
    record_dates = read_arrow(
        session,
        "SELECT source, record_id, min(event_date), max(coalesce(end_date, event_date)) "
        "FROM source_event GROUP BY source, record_id",
        pa.schema(
            [
                ("source", pa.string()),
                ("record_id", pa.string()),
                ("first_date", pa.date32()),
                ("last_date", pa.date32()),
            ]
        ),
    )
    facts = read_arrow(
        session,
        f"SELECT {FACT_COLUMNS} FROM source_event WHERE event_type IN ({types})",  # noqa: S608
        pa.schema(
            [
                ("source", pa.string()),
                ("record_id", pa.string()),
                ("event_type", pa.string()),
                ("event_date", pa.date32()),
                ("attributes", pa.string()),
            ]
        ),
    )
    relationships = read_relationships(session)
    return FamilyInputs(
        records=read_records(session),
        links=read_links(session, links_file),
        record_dates=record_dates,
        facts=facts,
        relationships=relationships.cast(RELATIONSHIPS_SCHEMA),
    )


@dataclass
class FamiliesSummary:
    as_of: date
    households: int
    families: int
    members: int
    formed: int
    ended: int
    joined: int
    left: int
    run_id: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items()}


def rebuild_families(
    session: Session,
    *,
    actor: str,
    as_of: date | None = None,
    links_file: Path | None = None,
) -> FamiliesSummary:
    """Rebuild households and families from the loaded, linked records."""
    as_of = as_of or date.today()
    run = start_run(session, stage="families", actor=actor, parameters={"as_of": as_of.isoformat()})
    built = build_families(read_inputs(session, links_file), as_of=as_of)
    _write_households(session, built)
    _write_relationships(session, built)
    counts = _write_families(session, built, run_id=run.id)
    summary = FamiliesSummary(
        as_of=as_of,
        households=built.households.num_rows,
        families=len(set(built.members.column("family_key").to_pylist())),
        members=built.members.num_rows,
        run_id=run.id,
        **counts,
    )
    finish_run(run, summary=summary.as_dict())
    session.flush()
    return summary


def _write_households(session: Session, built: FamilyBuild) -> None:
    session.execute(delete(HouseholdMember))
    session.execute(delete(Household))
    households = built.households
    keys = households.column("household_key").to_pylist()
    households = households.append_column(
        "id", pa.array([household_id(k) for k in keys], pa.string())
    ).rename_columns(["address_key", "uprn", "address", "postcode", "id"])
    write_arrow(
        session,
        Household.__tablename__,
        households,
        ["id", "address_key", "uprn", "address", "postcode"],
    )
    residence = built.residence
    valid_to = [
        None if current else last
        for current, last in zip(
            residence.column("current").to_pylist(),
            residence.column("last_seen").to_pylist(),
            strict=True,
        )
    ]
    rows = pa.table(
        {
            "household_id": [
                household_id(k) for k in residence.column("household_key").to_pylist()
            ],
            "person_id": residence.column("person_id"),
            "valid_from": residence.column("first_seen"),
            "valid_to": pa.array(valid_to, pa.date32()),
        }
    )
    write_arrow(session, HouseholdMember.__tablename__, rows, rows.column_names)


def _write_relationships(session: Session, built: FamilyBuild) -> None:
    session.execute(delete(PersonRelationship))
    data = built.relationships
    write_arrow(session, PersonRelationship.__tablename__, data, data.column_names)


def _change(
    family_id: str, change: str, person_id: str | None, on: date, run_id: int
) -> dict[str, Any]:
    return {
        "family_id": family_id,
        "change": change,
        "person_id": person_id,
        "changed_on": on,
        "run_id": run_id,
    }


def _write_families(session: Session, built: FamilyBuild, *, run_id: int) -> dict[str, int]:
    as_of = built.as_of
    current: dict[str, set[Member]] = defaultdict(set)
    since: dict[tuple[str, str], date | None] = {}
    members = built.members.to_pydict()
    born: dict[str, date | None] = dict(
        zip(members["person_id"], members["date_of_birth"], strict=True)
    )
    for key, person, role, valid_from in zip(
        members["family_key"],
        members["person_id"],
        members["role"],
        members["valid_from"],
        strict=True,
    ):
        current[key].add(Member(person, role))
        since[(key, person)] = valid_from
    open_rows: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    query = (
        select(FamilyMember.id, FamilyMember.family_id, FamilyMember.person_id, FamilyMember.role)
        .join(Family, Family.id == FamilyMember.family_id)
        .where(FamilyMember.valid_to.is_(None), Family.status == "active")
    )
    for row_id, family_id, person_id, role in session.execute(query):
        open_rows[family_id][person_id] = (row_id, role)
    previous = {
        family_id: {Member(p, role) for p, (_, role) in rows.items()}
        for family_id, rows in open_rows.items()
    }
    assignment = assign_family_ids(previous, current)
    new_families, new_members, changes, close_ids = [], [], [], []
    joined = left = 0
    for key, family_id in assignment.ids.items():
        if family_id in assignment.new_ids:
            new_families.append(
                {"id": family_id, "status": "active", "household_id": household_id(key)}
            )
            changes.append(_change(family_id, "formed", None, as_of, run_id))
        was = open_rows.get(family_id, {})
        now = {m.person_id: m.role for m in current[key]}
        for person_id, role in now.items():
            if person_id in was and was[person_id][1] == role:
                continue
            if person_id in was:  # a new role (a child grown up): close the old row
                close_ids.append(was[person_id][0])
            elif family_id not in assignment.new_ids:
                joined += 1
                changes.append(_change(family_id, "joined", person_id, as_of, run_id))
            new_members.append(
                {
                    "family_id": family_id,
                    "person_id": person_id,
                    "role": role,
                    "date_of_birth": born.get(person_id),
                    "valid_from": since.get((key, person_id)) or as_of,
                    "valid_to": None,
                }
            )
        for person_id, (row_id, _) in was.items():
            if person_id not in now:
                left += 1
                close_ids.append(row_id)
                changes.append(_change(family_id, "left", person_id, as_of, run_id))
    for family_id in assignment.ended_ids:
        close_ids.extend(row_id for row_id, _ in open_rows[family_id].values())
        changes.append(_change(family_id, "ended", None, as_of, run_id))
    if assignment.ended_ids:
        ended = sorted(assignment.ended_ids)
        for start in range(0, len(ended), CHUNK):
            session.execute(
                update(Family)
                .where(Family.id.in_(ended[start : start + CHUNK]))
                .values(status="ended")
            )
    for start in range(0, len(close_ids), CHUNK):
        session.execute(
            update(FamilyMember)
            .where(FamilyMember.id.in_(close_ids[start : start + CHUNK]))
            .values(valid_to=as_of)
        )
    for model, rows in (
        (Family, new_families),
        (FamilyMember, new_members),
        (FamilyChange, changes),
    ):
        for start in range(0, len(rows), 50_000):
            if rows[start : start + 50_000]:
                session.execute(insert(model), rows[start : start + 50_000])
    return {
        "formed": len(assignment.new_ids),
        "ended": len(assignment.ended_ids),
        "joined": joined,
        "left": left,
    }


def family_of(session: Session, person_id: str) -> list[FamilyMember]:
    """The person's current family memberships."""
    return list(
        session.scalars(
            select(FamilyMember).where(
                FamilyMember.person_id == person_id, FamilyMember.valid_to.is_(None)
            )
        )
    )


def family_history(session: Session, family_id: str) -> list[FamilyChange]:
    return list(
        session.scalars(
            select(FamilyChange)
            .where(FamilyChange.family_id == family_id)
            .order_by(FamilyChange.changed_on, FamilyChange.id)
        )
    )

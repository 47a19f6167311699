"""What insight reads: three plain tables, whatever produced them.

Aggregates and extracts are computed from these Arrow tables, never from the domain tables
directly, so the rules can be tested and benchmarked on generated rows and fed from the
database as the other domains land:

* ``people``: person_id, family_id, role, date_of_birth, sex, postcode (one row per person;
  family_id and role from their current family membership, if any);
* ``needs``: family_id, person_id, need, status, first_evidence_date, last_evidence_date
  (the outcomes assessment's shape: one row per person per need);
* ``services``: family_id, service (who is working with the family now).

:func:`load_from_database` builds them from the tables that exist today and says in
``gaps`` what it could not fill in yet. The two readers it expects from other domains:
``familyhub.linkage.service.golden_records(session=...)`` yielding dicts with person_id,
date_of_birth, sex, postcode; ``familyhub.outcomes.service.current_needs(session=...)``
yielding dicts with the ``needs`` columns.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from familyhub.families.models import FamilyMember
from familyhub.linkage.models import Person

PEOPLE_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("family_id", pa.string()),
        ("role", pa.string()),
        ("date_of_birth", pa.date32()),
        ("sex", pa.string()),
        ("postcode", pa.string()),
    ]
)
NEEDS_SCHEMA = pa.schema(
    [
        ("family_id", pa.string()),
        ("person_id", pa.string()),
        ("need", pa.string()),
        ("status", pa.string()),
        ("first_evidence_date", pa.date32()),
        ("last_evidence_date", pa.date32()),
    ]
)
SERVICES_SCHEMA = pa.schema([("family_id", pa.string()), ("service", pa.string())])


@dataclass
class InsightData:
    people: pa.Table
    needs: pa.Table
    services: pa.Table
    as_of: date
    # What could not be read (e.g. "needs: the outcomes assessment is not stored yet").
    gaps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.people = _conform(self.people, PEOPLE_SCHEMA, "people")
        self.needs = _conform(self.needs, NEEDS_SCHEMA, "needs")
        self.services = _conform(self.services, SERVICES_SCHEMA, "services")


def _conform(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise ValueError(f"{name} table lacks columns {missing}")
    return table.select(schema.names).cast(schema)


def empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def load_from_database(*, session: Session, as_of: date) -> InsightData:
    """Read persons, current family memberships, demographics, needs and involvements."""
    gaps: list[str] = []
    family_of: dict[str, tuple[str, str]] = {}
    members = session.execute(
        select(FamilyMember.person_id, FamilyMember.family_id, FamilyMember.role).where(
            (FamilyMember.valid_from.is_(None) | (FamilyMember.valid_from <= as_of))
            & (FamilyMember.valid_to.is_(None) | (FamilyMember.valid_to > as_of))
        )
    )
    for person_id, family_id, role in members:
        family_of.setdefault(person_id, (family_id, role))
    person_ids = list(session.scalars(select(Person.id).where(Person.status == "active")))
    demographics = _demographics(session, gaps)
    people = pa.table(
        {
            "person_id": person_ids,
            "family_id": [family_of.get(p, (None, None))[0] for p in person_ids],
            "role": [family_of.get(p, (None, None))[1] for p in person_ids],
            "date_of_birth": [demographics.get(p, {}).get("date_of_birth") for p in person_ids],
            "sex": [demographics.get(p, {}).get("sex") for p in person_ids],
            "postcode": [demographics.get(p, {}).get("postcode") for p in person_ids],
        },
        schema=PEOPLE_SCHEMA,
    )
    return InsightData(
        people=people,
        needs=_needs(session, gaps),
        services=_services(session, as_of, gaps),
        as_of=as_of,
        gaps=gaps,
    )


def _has_table(session: Session, name: str) -> bool:
    return bool(inspect(session.get_bind()).has_table(name))


def _optional_model(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError:
        return None


def _demographics(session: Session, gaps: list[str]) -> dict[str, dict[str, Any]]:
    """Date of birth, sex and postcode per person from the golden record, when it exists."""
    golden = _optional_model("familyhub.linkage.service", "golden_records")
    if golden is None:
        gaps.append(
            "demographics: the linkage golden record is not available yet, so age band, sex "
            "and area are 'Unknown' for every person"
        )
        return {}
    return {row["person_id"]: row for row in golden(session=session)}


def _needs(session: Session, gaps: list[str]) -> pa.Table:
    reader = _optional_model("familyhub.outcomes.service", "current_needs")
    if reader is None:
        gaps.append("needs: the outcomes assessment is not stored yet, so no needs are counted")
        return empty(NEEDS_SCHEMA)
    return pa.Table.from_pylist(list(reader(session=session)), schema=NEEDS_SCHEMA)


def _services(session: Session, as_of: date, gaps: list[str]) -> pa.Table:
    involvement = _optional_model("familyhub.casework.models", "Involvement")
    if involvement is None or not _has_table(session, "involvement"):
        gaps.append("services: casework involvements are not available yet")
        return empty(SERVICES_SCHEMA)
    rows = session.execute(
        select(involvement.family_id, involvement.service).where(
            involvement.family_id.is_not(None),
            involvement.service.is_not(None),
            involvement.ended_at.is_(None),
        )
    )
    return pa.table(_columns(rows, ["family_id", "service"]), schema=SERVICES_SCHEMA)


def _columns(rows: Any, names: list[str]) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = {n: [] for n in names}
    for row in rows:
        for name, value in zip(names, row, strict=True):
            result[name].append(value)
    return result

"""What insight reads: three plain tables, whatever produced them.

Aggregates and extracts are computed from these Arrow tables, never from the domain tables
directly, so the rules can be tested and benchmarked on generated rows as well as fed from
the database:

* ``people``: person_id, family_id, role, date_of_birth, sex, postcode (one row per person;
  family_id and role from their current family membership, if any);
* ``needs``: family_id, person_id, need, status, first_evidence_date, last_evidence_date
  (the outcomes assessment's shape: one row per person per need);
* ``services``: family_id, service (who is working with the family now).

:func:`load_from_database` builds them from the domain tables: ``person`` (the golden
record's headline values), ``family_member``, ``family_need`` and ``family_assessment``
(outcomes), ``involvement`` (casework); ``gaps`` says what was empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.casework.models import Involvement
from familyhub.families.models import FamilyMember
from familyhub.linkage.models import Person
from familyhub.outcomes.models import FamilyAssessment, FamilyNeed

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
    # Supporting Families eligibility as outcomes decided it; None: insight works it out.
    eligible_family_ids: frozenset[str] | None = None

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
    """Read persons (golden record), current family memberships, needs and involvements."""
    gaps: list[str] = []
    memberships = session.execute(
        select(FamilyMember.person_id, FamilyMember.family_id, FamilyMember.role).where(
            (FamilyMember.valid_from.is_(None) | (FamilyMember.valid_from <= as_of))
            & (FamilyMember.valid_to.is_(None) | (FamilyMember.valid_to > as_of))
        )
    ).all()
    # A person in two families (e.g. a non-resident parent) is counted in the one they live in.
    family_of: dict[str, tuple[str, str]] = {}
    for person_id, family_id, role in sorted(
        memberships, key=lambda m: (m[2] == "non_resident_parent", m[1])
    ):
        family_of.setdefault(person_id, (family_id, role))
    persons = session.execute(
        select(Person.id, Person.date_of_birth, Person.sex, Person.postcode).where(
            Person.status == "active"
        )
    ).all()
    if not persons:
        gaps.append("people: no linked persons yet (run familyhub link)")
    no_family: tuple[str | None, str | None] = (None, None)
    people = pa.table(
        {
            "person_id": [p[0] for p in persons],
            "family_id": [family_of.get(p[0], no_family)[0] for p in persons],
            "role": [family_of.get(p[0], no_family)[1] for p in persons],
            "date_of_birth": [p[1] for p in persons],
            "sex": [p[2] for p in persons],
            "postcode": [p[3] for p in persons],
        },
        schema=PEOPLE_SCHEMA,
    )
    return InsightData(
        people=people,
        needs=_needs(session, gaps),
        services=_services(session, gaps),
        as_of=as_of,
        gaps=gaps,
        eligible_family_ids=_eligible(session),
    )


def _needs(session: Session, gaps: list[str]) -> pa.Table:
    rows = session.execute(
        select(
            FamilyNeed.family_id,
            FamilyNeed.person_id,
            FamilyNeed.need,
            FamilyNeed.status,
            FamilyNeed.first_evidence_date,
            FamilyNeed.last_evidence_date,
        )
    ).all()
    if not rows:
        gaps.append("needs: no assessment stored yet (run familyhub assess)")
    return pa.table(_columns(rows, NEEDS_SCHEMA.names), schema=NEEDS_SCHEMA)


def _eligible(session: Session) -> frozenset[str] | None:
    rows = session.execute(select(FamilyAssessment.family_id, FamilyAssessment.eligible)).all()
    if not rows:
        return None
    return frozenset(family_id for family_id, eligible in rows if eligible)


def _services(session: Session, gaps: list[str]) -> pa.Table:
    rows = session.execute(
        select(Involvement.family_id, Involvement.service).where(
            Involvement.family_id.is_not(None),
            Involvement.service.is_not(None),
            Involvement.ended_at.is_(None),
        )
    ).all()
    return pa.table(_columns(rows, SERVICES_SCHEMA.names), schema=SERVICES_SCHEMA)


def _columns(rows: Any, names: list[str]) -> dict[str, list[Any]]:
    result: dict[str, list[Any]] = {n: [] for n in names}
    for row in rows:
        for name, value in zip(names, row, strict=True):
            result[name].append(value)
    return result

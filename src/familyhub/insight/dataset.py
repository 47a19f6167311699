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
import pyarrow.compute as pc
from sqlalchemy import Select, case, func, select
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
    """Read persons (golden record), current family memberships, needs and involvements.

    People whose processing is restricted (a data subject's right) are left out of every
    figure and extract: their data is kept, but not processed.
    """
    from familyhub.rights.facts import restricted_person_ids

    gaps: list[str] = []
    restricted = pa.array(sorted(restricted_person_ids(session, on=as_of)), pa.string())
    people = _without(_fetch(session, _people_query(as_of), PEOPLE_SCHEMA), restricted)
    if people.num_rows == 0:
        gaps.append("people: no linked persons yet (run familyhub link)")
    return InsightData(
        people=people,
        needs=_without(_needs(session, gaps), restricted),
        services=_services(session, gaps),
        as_of=as_of,
        gaps=gaps,
        eligible_family_ids=_eligible(session),
    )


def _people_query(as_of: date) -> Select:
    """Each active person with their current family; one family each (a non-resident parent
    is counted in the family they live in)."""
    current = (
        select(
            FamilyMember.person_id,
            FamilyMember.family_id,
            FamilyMember.role,
            func.row_number()
            .over(
                partition_by=FamilyMember.person_id,
                order_by=(
                    case((FamilyMember.role == "non_resident_parent", 1), else_=0),
                    FamilyMember.family_id,
                ),
            )
            .label("rank"),
        )
        .where(
            (FamilyMember.valid_from.is_(None) | (FamilyMember.valid_from <= as_of))
            & (FamilyMember.valid_to.is_(None) | (FamilyMember.valid_to > as_of))
        )
        .subquery()
    )
    return (
        select(
            Person.id,
            current.c.family_id,
            current.c.role,
            Person.date_of_birth,
            Person.sex,
            Person.postcode,
        )
        .outerjoin(current, (current.c.person_id == Person.id) & (current.c.rank == 1))
        .where(Person.status == "active")
    )


def _fetch(session: Session, query: Select, schema: pa.Schema) -> pa.Table:
    """Run a query through the driver's own cursor into Arrow columns.

    A million rows through the ORM's per-row type processing take tens of seconds; the
    driver's tuples, and Arrow's own date parsing (SQLite returns ISO text), take a few.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    rows = connection.exec_driver_sql(str(compiled)).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for field_, values in zip(schema, columns, strict=True):
        if pa.types.is_date32(field_.type):
            arrays.append(
                pa.array(values).cast(pa.date32()) if values else pa.array([], pa.date32())
            )
        else:
            arrays.append(pa.array(values, field_.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _without(table: pa.Table, person_ids: pa.Array) -> pa.Table:
    if len(person_ids) == 0:
        return table
    return table.filter(pc.invert(pc.is_in(table["person_id"], value_set=person_ids)))


def _needs(session: Session, gaps: list[str]) -> pa.Table:
    query = select(
        FamilyNeed.family_id,
        FamilyNeed.person_id,
        FamilyNeed.need,
        FamilyNeed.status,
        FamilyNeed.first_evidence_date,
        FamilyNeed.last_evidence_date,
    )
    table = _fetch(session, query, NEEDS_SCHEMA)
    if table.num_rows == 0:
        gaps.append("needs: no assessment stored yet (run familyhub assess)")
    return table


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

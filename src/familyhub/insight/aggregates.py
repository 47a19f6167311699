# ruff: noqa: S608  (SQL is assembled only from our own names; values go in registered tables)
"""Counts of families and people by need, area and month (or quarter, or year), before
disclosure control.

What a cell counts, so that totals add up (see :mod:`familyhub.insight.disclosure`):

* a family (or person) is counted once per need it has, in the month that need was first
  evidenced, in the area it lives in now; with no ``need`` in the breakdown it is counted
  once, in the month its first need was evidenced;
* "lives in" for a family is the postcode of a parent or carer (the first one that has a
  postcode), else of any member; for a person, their own postcode, else their family's;
* only needs whose status is one of ``statuses`` count (by default the statuses the
  Supporting Families rules file counts for eligibility, so "3+ needs" means what the
  programme means); with ``since``, only units first evidenced in or after that month.

Area and month are therefore additive (each unit is in exactly one) and get totals; need is
not (a family with three needs is in three cells) and gets none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from familyhub import duck
from familyhub.insight.areas import AREA_LEVELS, UNKNOWN, AreaCoverage, AreaLookup, resolve_areas
from familyhub.insight.dataset import InsightData
from familyhub.insight.disclosure import ControlledTable, DisclosureRules, control_table
from familyhub.outcomes.headline import HEADLINE_OUTCOMES
from familyhub.outcomes.rules import Eligibility, load_rules

TIME_DIMENSIONS = ("month", "quarter", "year")
DIMENSIONS = ("need", "area", *TIME_DIMENSIONS)
ADDITIVE = ("area", *TIME_DIMENSIONS)
Unit = Literal["families", "people"]
# Parents and carers first when choosing where a family lives.
_ADULT_ROLES = ("parent", "adult", "grandparent", "expectant_parent", "carer", "partner")


@lru_cache(maxsize=1)
def programme_statuses() -> tuple[str, ...]:
    """The need statuses the outcomes rules file counts towards eligibility."""
    try:
        return tuple(load_rules().eligibility.statuses)
    except (OSError, ValueError):
        return Eligibility().statuses


@dataclass
class CountsSpec:
    by: tuple[str, ...]
    unit: Unit = "families"
    statuses: tuple[str, ...] = field(default_factory=programme_statuses)
    min_needs: int = 1
    area_level: str = "district"
    since: str | None = None  # YYYY-MM: only units first evidenced in or after this month

    def __post_init__(self) -> None:
        if not self.by:
            raise ValueError(f"choose at least one of {', '.join(DIMENSIONS)} to count by")
        unknown = [d for d in self.by if d not in DIMENSIONS]
        if unknown or len(set(self.by)) != len(self.by):
            raise ValueError(
                f"--by takes distinct names from {', '.join(DIMENSIONS)}; got {','.join(self.by)}"
            )
        if len(set(self.by) & set(TIME_DIMENSIONS)) > 1:
            raise ValueError("count by one of month, quarter or year, not several")
        if self.unit not in ("families", "people"):
            raise ValueError("count families or people")
        if self.area_level not in AREA_LEVELS:
            raise ValueError(f"area level must be one of {', '.join(AREA_LEVELS)}")
        if self.min_needs < 1:
            raise ValueError("--min-needs must be at least 1")
        if self.since is not None and not _is_month(self.since):
            raise ValueError(f"--since takes a month as YYYY-MM, not {self.since!r}")


def _is_month(text: str) -> bool:
    try:
        date.fromisoformat(f"{text}-01")
    except ValueError:
        return False
    return len(text) == 7


@dataclass
class RawCounts:
    spec: CountsSpec
    counts: dict[tuple[str, ...], int]
    levels: dict[str, list[str]]
    coverage: AreaCoverage
    notes: list[str] = field(default_factory=list)


def people_with_areas(
    data: InsightData, lookup: AreaLookup | None
) -> tuple[pa.Table, AreaCoverage]:
    """The people table with district, ward and lsoa columns added.

    Each distinct postcode is resolved once and the answer spread back by dictionary index,
    so a million people cost as much as their few tens of thousands of postcodes.
    """
    encoded = pc.dictionary_encode(data.people.column("postcode")).combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    indices = encoded.indices.fill_null(len(distinct))
    people_per_postcode = np.bincount(indices.to_numpy(), minlength=len(distinct) + 1)
    areas, coverage = resolve_areas([*distinct, None], lookup, weights=people_per_postcode)
    table = data.people
    for level in AREA_LEVELS:
        values = pa.array([a.at(level) for a in areas], pa.string())
        table = table.append_column(level, values.take(indices))
    return table, coverage


def unit_areas(connection: duckdb.DuckDBPyConnection, unit: Unit, level: str) -> str:
    """SQL for (unit, area) over a registered ``people_areas`` table."""
    roles = ", ".join(f"'{r}'" for r in _ADULT_ROLES)
    family_area = f"""
        SELECT family_id AS unit,
               arg_min({level}, (CASE WHEN district = '{UNKNOWN}' THEN 2
                                      WHEN role IN ({roles}) THEN 0
                                      WHEN role = 'non_resident_parent' THEN 2
                                      ELSE 1 END)::VARCHAR
                                 || person_id) AS area
        FROM people_areas WHERE family_id IS NOT NULL GROUP BY family_id
    """
    if unit == "families":
        return family_area
    return f"""
        SELECT p.person_id AS unit,
               CASE WHEN p.district = '{UNKNOWN}' AND f.area IS NOT NULL THEN f.area
                    ELSE p.{level} END AS area
        FROM people_areas p LEFT JOIN ({family_area}) f ON f.unit = p.family_id
    """


def compute_counts(
    data: InsightData, spec: CountsSpec, *, lookup: AreaLookup | None = None
) -> RawCounts:
    people, coverage = people_with_areas(data, lookup)
    connection = duck.connect()
    try:
        connection.register("people_areas", people)
        connection.register("needs", data.needs)
        connection.register("statuses", pa.table({"status": list(spec.statuses)}))
        unit_col = "family_id" if spec.unit == "families" else "person_id"
        per_need = f"""
            SELECT {unit_col} AS unit, need, min(first_evidence_date) AS first_date
            FROM needs WHERE {unit_col} IS NOT NULL AND status IN (SELECT status FROM statuses)
            GROUP BY ALL
        """
        qualifying = f"""
            SELECT unit FROM ({per_need}) GROUP BY unit
            HAVING count(DISTINCT need) >= {int(spec.min_needs)}
        """
        units = (
            f"SELECT * FROM ({per_need}) WHERE unit IN ({qualifying})"
            if "need" in spec.by
            else f"SELECT unit, min(first_date) AS first_date FROM ({per_need}) "
            f"WHERE unit IN ({qualifying}) GROUP BY unit"
        )
        select_dims = {
            "need": "u.need",
            "area": f"coalesce(a.area, '{UNKNOWN}')",
            "month": "strftime(u.first_date, '%Y-%m')",
            "quarter": "strftime(u.first_date, '%Y') || '-Q' || quarter(u.first_date)",
            "year": "strftime(u.first_date, '%Y')",
        }
        dims_sql = ", ".join(f"{select_dims[d]} AS {d}" for d in spec.by)
        since = f"WHERE u.first_date >= DATE '{spec.since}-01'" if spec.since else ""
        query = f"""
            SELECT {dims_sql}, count(*) AS n
            FROM ({units}) u LEFT JOIN ({unit_areas(connection, spec.unit, spec.area_level)}) a
              ON a.unit = u.unit
            {since}
            GROUP BY ALL
        """
        rows = connection.execute(query).fetchall()
        counts = {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in rows}
        levels = _levels(connection, spec, counts)
    finally:
        connection.close()
    return RawCounts(spec=spec, counts=counts, levels=levels, coverage=coverage)


def _levels(
    connection: duckdb.DuckDBPyConnection, spec: CountsSpec, counts: dict[tuple[str, ...], int]
) -> dict[str, list[str]]:
    levels: dict[str, list[str]] = {}
    for i, dim in enumerate(spec.by):
        seen = {key[i] for key in counts}
        if dim == "need":
            headline = [o.key for o in HEADLINE_OUTCOMES]
            levels[dim] = headline + sorted(seen - set(headline))
        elif dim == "area":
            # Every area anyone lives in, so areas with no one counted show as 0.
            column = spec.area_level
            query = f"SELECT DISTINCT {column} FROM people_areas"
            known = {str(r[0]) for r in connection.execute(query).fetchall()}
            levels[dim] = sorted((known | seen) - {UNKNOWN}) + (
                [UNKNOWN] if UNKNOWN in seen else []
            )
        else:
            levels[dim] = _period_range(dim, sorted(seen))
    return levels


def _period_range(dim: str, periods: Sequence[str]) -> list[str]:
    """Every period from the first seen to the last, so that empty ones show as 0."""
    if not periods:
        return []
    if dim == "year":
        return [str(y) for y in range(int(periods[0]), int(periods[-1]) + 1)]
    step, label = (3, "quarter") if dim == "quarter" else (1, "month")

    def start(period: str) -> tuple[int, int]:
        year, part = period.split("-")
        return int(year), (int(part[1:]) - 1) * 3 + 1 if label == "quarter" else int(part)

    year, month = start(periods[0])
    end = start(periods[-1])
    result = []
    while (year, month) <= end:
        result.append(
            f"{year:04d}-Q{(month - 1) // 3 + 1}"
            if label == "quarter"
            else f"{year:04d}-{month:02d}"
        )
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return result


def controlled_counts(
    data: InsightData,
    spec: CountsSpec,
    *,
    rules: DisclosureRules | None = None,
    lookup: AreaLookup | None = None,
) -> tuple[ControlledTable, RawCounts]:
    """Counts that have passed disclosure control (raises DisclosureError if none can)."""
    raw = compute_counts(data, spec, lookup=lookup)
    table = control_table(
        raw.counts,
        dims=spec.by,
        additive=[d for d in spec.by if d in ADDITIVE],
        levels=raw.levels,
        rules=rules,
        measure=spec.unit,
    )
    return table, raw

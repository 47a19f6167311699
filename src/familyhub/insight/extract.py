"""Pseudonymised extracts: person- or family-level rows with no direct identifiers.

A row carries a keyed pseudonym (per purpose) instead of ids, age band instead of date of
birth, areas instead of postcodes, household type, each headline need's status and the month
it was first evidenced, and the services involved. Before anything is written the
quasi-identifiers (age band, sex, area, household type) are made k-anonymous.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from familyhub import duck
from familyhub.insight.aggregates import people_with_areas
from familyhub.insight.areas import UNKNOWN, AreaCoverage, AreaLookup
from familyhub.insight.dataset import InsightData
from familyhub.insight.kanonymity import ANY, KAnonymityReport, QuasiIdentifier, k_anonymise
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.purposes import Purpose
from familyhub.outcomes.headline import HEADLINE_OUTCOMES

AGE_BANDS = (
    (0, 4),
    (5, 9),
    (10, 15),
    (16, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, None),
)
_ADULT_ROLES = frozenset({"parent", "adult", "grandparent", "expectant_parent", "carer", "partner"})
# Status order when a family's members have one need in different states: most open wins.
_STATUS_RANK = {"open": 0, "improving": 1, "resolved": 2}


def age_band(date_of_birth: date | None, as_of: date) -> str:
    if date_of_birth is None or date_of_birth > as_of:
        return UNKNOWN
    before_birthday = (as_of.month, as_of.day) < (date_of_birth.month, date_of_birth.day)
    age = as_of.year - date_of_birth.year - before_birthday
    for low, high in AGE_BANDS:
        if high is None:
            return f"{low}+"
        if age <= high:
            return f"{low}-{high}"
    return UNKNOWN  # pragma: no cover - the last band is open-ended


def age_bands(dates: pa.ChunkedArray | pa.Array, as_of: date) -> list[str]:
    """:func:`age_band` for a whole column at once (a million dates in well under a second)."""
    dob = _dates(dates)
    known = ~np.isnat(dob)
    safe = np.where(known, dob, np.datetime64(as_of, "D"))
    year = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = safe.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (safe - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    before_birthday = (as_of.month < month) | ((as_of.month == month) & (as_of.day < day))
    age = as_of.year - year - before_birthday.astype(np.int64)
    labels = np.array(
        [f"{low}-{high}" if high is not None else f"{low}+" for low, high in AGE_BANDS]
    )
    uppers = np.array([high if high is not None else 10**6 for _, high in AGE_BANDS])
    bands = labels[np.clip(np.searchsorted(uppers, age, side="left"), 0, len(labels) - 1)]
    valid = known & (safe <= np.datetime64(as_of, "D"))
    return [str(b) for b in np.where(valid, bands, UNKNOWN)]


def _dates(dates: pa.ChunkedArray | pa.Array) -> np.ndarray[Any, Any]:
    values = dates.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False)
    return np.asarray(values).astype("datetime64[D]")


def _wider_age(band: str) -> str:
    if band == UNKNOWN:
        return UNKNOWN
    low = int(band.split("-")[0].rstrip("+"))
    for lo, hi in ((0, 9), (10, 17), (18, 34), (35, 64)):
        if lo <= low <= hi:
            return f"{lo}-{hi}"
    return "65+"


def _child_or_adult(band: str) -> str:
    if band == UNKNOWN:
        return UNKNOWN
    return "0-17" if int(band.split("-")[0].rstrip("+")) < 18 else "18+"


def _area_without(depth: int) -> Any:
    def generalise(value: str) -> str:
        parts = value.split("|")
        return "|".join(parts[:depth] + [ANY] * (3 - depth))

    return generalise


def _household_group(value: str) -> str:
    return "with_children" if value in {"lone_parent", "two_parents", "multi_adult"} else "other"


AGE_QI = QuasiIdentifier("age_band", [_wider_age, _child_or_adult, lambda v: ANY])
SEX_QI = QuasiIdentifier("sex", [lambda v: ANY])
AREA_QI = QuasiIdentifier("area", [_area_without(2), _area_without(1), _area_without(0)])
# Without a ward/LSOA lookup the district is the only detail, and its one rung is to "*".
DISTRICT_QI = QuasiIdentifier("area", [_area_without(0)])
HOUSEHOLD_QI = QuasiIdentifier("household_type", [_household_group, lambda v: ANY])
# Quasi-identifiers are climbed in the order area, age, household, sex on a tie: fine area
# detail first is what planners miss least.


@dataclass
class ExtractResult:
    table: pa.Table
    report: KAnonymityReport
    coverage: AreaCoverage
    level: str


def household_types(people: pa.Table) -> list[str]:
    """Per person row: lone_parent | two_parents | multi_adult | children_only | adults_only
    for their family, or no_family."""
    adults = ", ".join(f"'{r}'" for r in sorted(_ADULT_ROLES))
    connection = _duckdb()
    try:
        connection.register("people", people.select(["family_id", "role"]))
        result = connection.sql(
            f"""
            WITH numbered AS (SELECT row_number() OVER () AS pos, family_id FROM people),
            f AS (
                SELECT family_id,
                       count(*) FILTER (WHERE role IN ({adults})) AS adults,
                       count(*) FILTER (WHERE role = 'child') AS children
                FROM people WHERE family_id IS NOT NULL GROUP BY family_id
            )
            SELECT CASE WHEN n.family_id IS NULL THEN 'no_family'
                        WHEN f.children = 0 THEN 'adults_only'
                        WHEN f.adults = 0 THEN 'children_only'
                        WHEN f.adults = 1 THEN 'lone_parent'
                        WHEN f.adults = 2 THEN 'two_parents'
                        ELSE 'multi_adult' END AS household_type
            FROM numbered n LEFT JOIN f USING (family_id) ORDER BY n.pos
            """  # noqa: S608 - only our own role names are interpolated
        ).to_arrow_table()
    finally:
        connection.close()
    return [str(v) for v in result.column(0).to_pylist()]


def _duckdb() -> duckdb.DuckDBPyConnection:
    connection = duck.connect()
    connection.execute("SET enable_progress_bar = false")
    return connection


def _need_columns(data: InsightData, units: list[str], level: str) -> pa.Table:
    """Per unit (in the order given): each headline need's status and month first seen.

    A family's need takes its most open status across members and its earliest evidence.
    """
    key = "person_id" if level == "person" else "family_id"
    ranks = " ".join(f"WHEN '{s}' THEN {r}" for s, r in _STATUS_RANK.items())
    names = " ".join(f"WHEN {r} THEN '{s}'" for s, r in _STATUS_RANK.items())
    pivots = []
    for outcome in HEADLINE_OUTCOMES:
        need = outcome.key
        pivots.append(
            f"CASE min(CASE WHEN p.need = '{need}' THEN p.rank END) {names} END AS need_{need}"
        )
        pivots.append(
            f"strftime(min(CASE WHEN p.need = '{need}' THEN p.first END), '%Y-%m')"
            f" AS need_{need}_since"
        )
    columns = [f"need_{o.key}" for o in HEADLINE_OUTCOMES]
    columns = [c for name in columns for c in (name, f"{name}_since")]
    connection = _duckdb()
    try:
        connection.register("needs", data.needs)
        connection.register("units", pa.table({"pos": range(len(units)), "unit": units}))
        return connection.sql(
            f"""
            WITH p AS (
                SELECT {key} AS unit, need, min(CASE status {ranks} ELSE 9 END) AS rank,
                       min(first_evidence_date) AS first
                FROM needs WHERE {key} IS NOT NULL GROUP BY ALL
            ),
            w AS (SELECT unit, {", ".join(pivots)} FROM p GROUP BY unit)
            SELECT {", ".join(f"coalesce(w.{c}, '') AS {c}" for c in columns)}
            FROM units u LEFT JOIN w USING (unit) ORDER BY u.pos
            """  # noqa: S608 - only our own need keys and status names are interpolated
        ).to_arrow_table()
    finally:
        connection.close()


def _services_by_family(data: InsightData) -> dict[str, str]:
    services: dict[str, set[str]] = defaultdict(set)
    for family_id, service in zip(*data.services.to_pydict().values(), strict=True):
        services[family_id].add(service)
    return {f: ";".join(sorted(s)) for f, s in services.items()}


def build_extract(
    data: InsightData,
    *,
    purpose: Purpose,
    pseudonymiser: Pseudonymiser,
    lookup: AreaLookup | None = None,
    k: int | None = None,
) -> ExtractResult:
    """The rows of a purpose's extract, k-anonymous, pseudonymised, nothing identifying."""
    people, coverage = people_with_areas(data, lookup)
    households = household_types(people)
    services = _services_by_family(data)
    family_ids: list[str | None] = people.column("family_id").to_pylist()
    finer = [people.column("ward"), people.column("lsoa")] if lookup else [ANY, ANY]
    area_keys = pc.binary_join_element_wise(people.column("district"), *finer, "|")
    area_qi = AREA_QI if lookup else DISTRICT_QI
    qi_columns: dict[str, list[str] | pa.Array | pa.ChunkedArray]
    if purpose.level == "person":
        units: list[str] = people.column("person_id").to_pylist()
        sex = pc.if_else(pc.is_in(people.column("sex"), pa.array(["F", "M"])), people["sex"], "U")
        qi_columns = {
            "area": area_keys,
            "age_band": age_bands(people.column("date_of_birth"), data.as_of),
            "household_type": households,
            "sex": pc.fill_null(sex, "U"),
        }
        qis = [area_qi, AGE_QI, HOUSEHOLD_QI, SEX_QI]
        family_of = family_ids
    else:
        units, area = _family_areas(
            people.column("person_id").to_pylist(),
            family_ids,
            people.column("role").to_pylist(),
            area_keys.to_pylist(),
        )
        household_of = dict(zip(family_ids, households, strict=True))
        qi_columns = {"area": area, "household_type": [household_of[f] for f in units]}
        qis = [area_qi, HOUSEHOLD_QI]
        family_of = list(units)
    result = k_anonymise(qi_columns, qis, k or purpose.k)
    kept = result.kept.tolist()
    out: dict[str, list[Any]] = {}
    if purpose.level == "person":
        out["person_pseudonym"] = [pseudonymiser.person(units[i]) for i in kept]
    family_pseudonyms: dict[str | None, str] = {None: ""}
    out["family_pseudonym"] = [
        family_pseudonyms[family_of[i]]
        if family_of[i] in family_pseudonyms
        else family_pseudonyms.setdefault(family_of[i], pseudonymiser.family(family_of[i]))
        for i in kept
    ]
    for qi in qis:
        if qi.name == "area":
            # Split in Arrow: a million small Python lists would wake the garbage collector
            # again and again.
            parts = pc.split_pattern(pa.array(result.values["area"], pa.string()), "|")
            out["postcode_district"] = pc.list_element(parts, 0)
            if lookup is not None:
                out["ward"] = pc.list_element(parts, 1)
                out["lsoa"] = pc.list_element(parts, 2)
        else:
            out[qi.name] = result.values[qi.name]
    need_table = _need_columns(data, [units[i] for i in kept], purpose.level)
    for name in need_table.column_names:
        out[name] = need_table.column(name)
    out["services"] = [services.get(family_of[i] or "", "") for i in kept]
    return ExtractResult(
        table=pa.table(out), report=result.report, coverage=coverage, level=purpose.level
    )


def _family_areas(
    person_ids: list[str],
    family_ids: list[str | None],
    roles: list[str | None],
    area_keys: list[str],
) -> tuple[list[str], list[str]]:
    """One row per family, with the area of a parent or carer (else any member)."""
    best: dict[str, tuple[int, str, str]] = {}
    for person_id, family_id, role, area in zip(
        person_ids, family_ids, roles, area_keys, strict=True
    ):
        if family_id is None:
            continue
        unknown = area.startswith(UNKNOWN + "|")
        rank = 3 if unknown else 0 if role in _ADULT_ROLES else 1 if role == "child" else 2
        candidate = (rank, person_id, area)
        if family_id not in best or candidate < best[family_id]:
            best[family_id] = candidate
    families = sorted(best)
    return families, [best[f][2] for f in families]

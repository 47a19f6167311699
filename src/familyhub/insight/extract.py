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

import pyarrow as pa

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
HOUSEHOLD_QI = QuasiIdentifier("household_type", [_household_group, lambda v: ANY])
# Climbed in this order on a tie: detail of area first is what planners miss least.
PERSON_QIS = [AREA_QI, AGE_QI, HOUSEHOLD_QI, SEX_QI]
FAMILY_QIS = [AREA_QI, HOUSEHOLD_QI]


@dataclass
class ExtractResult:
    table: pa.Table
    report: KAnonymityReport
    coverage: AreaCoverage
    level: str


def household_types(data: InsightData) -> dict[str, str]:
    """family_id -> lone_parent | two_parents | multi_adult | adults_only."""
    adults: dict[str, int] = defaultdict(int)
    children: dict[str, int] = defaultdict(int)
    families = data.people.column("family_id").to_pylist()
    roles = data.people.column("role").to_pylist()
    for family_id, role in zip(families, roles, strict=True):
        if family_id is None:
            continue
        if role in _ADULT_ROLES:
            adults[family_id] += 1
        elif role == "child":
            children[family_id] += 1
    result = {}
    for family_id in set(adults) | set(children):
        n_adults = adults[family_id]
        if not children[family_id]:
            result[family_id] = "adults_only"
        else:
            result[family_id] = {0: "children_only", 1: "lone_parent", 2: "two_parents"}.get(
                n_adults, "multi_adult"
            )
    return result


def _needs_by(data: InsightData, key: str) -> dict[str, dict[str, tuple[str, date]]]:
    """unit -> need -> (most open status, earliest first evidence date)."""
    result: dict[str, dict[str, tuple[str, date]]] = defaultdict(dict)
    columns = data.needs.select([key, "need", "status", "first_evidence_date"]).to_pydict()
    for unit, need, status, first in zip(*columns.values(), strict=True):
        if unit is None:
            continue
        held = result[unit].get(need)
        if held is None:
            result[unit][need] = (status, first)
        else:
            best = min(held[0], status, key=lambda s: _STATUS_RANK.get(s, 9))
            result[unit][need] = (best, min(held[1], first))
    return result


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
    cols = people.to_pydict()
    households = household_types(data)
    services = _services_by_family(data)
    if purpose.level == "person":
        units = cols["person_id"]
        needs = _needs_by(data, "person_id")
        area = [
            f"{d}|{w}|{lsoa}"
            for d, w, lsoa in zip(cols["district"], cols["ward"], cols["lsoa"], strict=True)
        ]
        qi_columns = {
            "area": area,
            "age_band": [age_band(d, data.as_of) for d in cols["date_of_birth"]],
            "household_type": [households.get(f, "no_family") for f in cols["family_id"]],
            "sex": [s if s in ("F", "M") else "U" for s in cols["sex"]],
        }
        qis = PERSON_QIS
        family_of = cols["family_id"]
    else:
        units, area = _family_areas(cols)
        needs = _needs_by(data, "family_id")
        qi_columns = {
            "area": area,
            "household_type": [households.get(f, "no_family") for f in units],
        }
        qis = FAMILY_QIS
        family_of = units
    result = k_anonymise(qi_columns, qis, k or purpose.k)
    kept = result.kept.tolist()
    out: dict[str, list[Any]] = {}
    if purpose.level == "person":
        out["person_pseudonym"] = [pseudonymiser.person(units[i]) for i in kept]
    out["family_pseudonym"] = [
        pseudonymiser.family(family_of[i]) if family_of[i] else "" for i in kept
    ]
    for qi in qis:
        if qi is AREA_QI:
            split = [v.split("|") for v in result.values["area"]]
            out["postcode_district"] = [s[0] for s in split]
            if lookup is not None:
                out["ward"] = [s[1] for s in split]
                out["lsoa"] = [s[2] for s in split]
        else:
            out[qi.name] = result.values[qi.name]
    for outcome in HEADLINE_OUTCOMES:
        statuses, months = [], []
        for i in kept:
            held = needs.get(units[i], {}).get(outcome.key)
            statuses.append(held[0] if held else "")
            months.append(held[1].strftime("%Y-%m") if held and held[1] else "")
        out[f"need_{outcome.key}"] = statuses
        out[f"need_{outcome.key}_since"] = months
    out["services"] = [services.get(family_of[i] or "", "") for i in kept]
    return ExtractResult(
        table=pa.table(out), report=result.report, coverage=coverage, level=purpose.level
    )


def _family_areas(cols: dict[str, list[Any]]) -> tuple[list[str], list[str]]:
    """One row per family, with the area of a parent or carer (else any member)."""
    best: dict[str, tuple[int, str, str]] = {}
    for person_id, family_id, role, d, w, lsoa in zip(
        cols["person_id"],
        cols["family_id"],
        cols["role"],
        cols["district"],
        cols["ward"],
        cols["lsoa"],
        strict=True,
    ):
        if family_id is None:
            continue
        rank = 3 if d == UNKNOWN else 0 if role in _ADULT_ROLES else 1 if role == "child" else 2
        candidate = (rank, person_id, f"{d}|{w}|{lsoa}")
        if family_id not in best or candidate < best[family_id]:
            best[family_id] = candidate
    families = sorted(best)
    return families, [best[f][2] for f in families]

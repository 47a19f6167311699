"""Areas people live in: postcode district always, ward and LSOA from a council's lookup.

A lookup is a CSV with a postcode column and ward / LSOA columns (ONS's postcode directory
has them as ``pcds``, ``wd25cd``/``osward``, ``lsoa21cd``/``lsoa11cd``; simpler names work
too). Postcodes the lookup does not cover are counted and reported, never dropped: their
people are counted under ``Unknown``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from familyhub.identity.errors import InvalidValueError
from familyhub.identity.postcodes import parse_postcode

UNKNOWN = "Unknown"
AREA_LEVELS = ("district", "ward", "lsoa")

_POSTCODE_COLUMNS = ("postcode", "pcds", "pcd", "pcd7", "pcd8")
_WARD_COLUMNS = ("ward", "wd25cd", "wd24cd", "wd23cd", "wd22cd", "osward")
_LSOA_COLUMNS = ("lsoa", "lsoa21cd", "lsoa11cd", "lsoa21", "lsoa11")


class AreaLookupError(ValueError):
    pass


@dataclass(frozen=True)
class Area:
    district: str
    ward: str
    lsoa: str

    def at(self, level: str) -> str:
        return {"district": self.district, "ward": self.ward, "lsoa": self.lsoa}[level]


@dataclass
class AreaLookup:
    """Postcode unit -> (ward, LSOA)."""

    by_postcode: dict[str, tuple[str, str]]
    source: str

    @classmethod
    def from_csv(cls, path: Path) -> AreaLookup:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {name.lower().strip(): name for name in reader.fieldnames or []}
            postcode_col = _first(fields, _POSTCODE_COLUMNS)
            ward_col = _first(fields, _WARD_COLUMNS)
            lsoa_col = _first(fields, _LSOA_COLUMNS)
            if postcode_col is None or (ward_col is None and lsoa_col is None):
                raise AreaLookupError(
                    f"{path}: an area lookup needs a postcode column "
                    f"({', '.join(_POSTCODE_COLUMNS)}) and a ward "
                    f"({', '.join(_WARD_COLUMNS)}) or LSOA ({', '.join(_LSOA_COLUMNS)}) column"
                )
            mapping: dict[str, tuple[str, str]] = {}
            for row in reader:
                try:
                    parsed = parse_postcode(row[postcode_col])
                except InvalidValueError:
                    continue
                if parsed is None or parsed.unit is None:
                    continue
                ward = (row[ward_col] or "").strip() if ward_col else ""
                lsoa = (row[lsoa_col] or "").strip() if lsoa_col else ""
                mapping[parsed.unit] = (ward or UNKNOWN, lsoa or UNKNOWN)
        return cls(by_postcode=mapping, source=str(path))


def _first(fields: dict[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        if name in fields:
            return fields[name]
    return None


@dataclass
class AreaCoverage:
    """How well areas could be found: what fell back to ``Unknown``, and why."""

    people: int = 0
    no_postcode: int = 0
    invalid_postcode: int = 0
    uncovered_people: int = 0
    uncovered_postcodes: set[str] = field(default_factory=set)

    def describe(self) -> list[str]:
        lines = []
        if self.no_postcode:
            lines.append(f"{self.no_postcode} people have no postcode (area Unknown)")
        if self.invalid_postcode:
            lines.append(f"{self.invalid_postcode} people have a postcode that is not valid")
        if self.uncovered_postcodes:
            lines.append(
                f"the area lookup does not cover {len(self.uncovered_postcodes)} postcodes "
                f"({self.uncovered_people} people, counted under Unknown ward / LSOA)"
            )
        return lines

    def as_dict(self) -> dict[str, int]:
        return {
            "people": self.people,
            "no_postcode": self.no_postcode,
            "invalid_postcode": self.invalid_postcode,
            "uncovered_postcodes": len(self.uncovered_postcodes),
            "uncovered_people": self.uncovered_people,
        }


def resolve_areas(
    postcodes: Iterable[str | None],
    lookup: AreaLookup | None,
    *,
    weights: Iterable[int] | None = None,
) -> tuple[list[Area], AreaCoverage]:
    """An Area for every postcode given (in order), and the coverage report.

    ``weights`` says how many people each postcode stands for (default one each), so that
    callers can resolve each distinct postcode once.
    """
    coverage = AreaCoverage()
    unknown = Area(UNKNOWN, UNKNOWN, UNKNOWN)
    result = []
    counts = iter(weights) if weights is not None else None
    for raw in postcodes:
        n = int(next(counts)) if counts is not None else 1
        coverage.people += n
        if raw is None or not raw.strip():
            coverage.no_postcode += n
            result.append(unknown)
            continue
        area = _area(raw, lookup)
        if area is None:
            coverage.invalid_postcode += n
            result.append(unknown)
            continue
        if lookup is not None and area.ward == UNKNOWN and area.lsoa == UNKNOWN and n:
            coverage.uncovered_people += n
            coverage.uncovered_postcodes.add(raw)
        result.append(area)
    return result, coverage


def _area(raw: str, lookup: AreaLookup | None) -> Area | None:
    try:
        parsed = parse_postcode(raw, allow_partial=True)
    except InvalidValueError:
        return None
    if parsed is None:
        return None
    if lookup is None or parsed.unit is None:
        return Area(parsed.district, UNKNOWN, UNKNOWN)
    ward, lsoa = lookup.by_postcode.get(parsed.unit, (UNKNOWN, UNKNOWN))
    return Area(parsed.district, ward, lsoa)

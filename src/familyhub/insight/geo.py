"""Boundary files for choropleths: a council's GeoJSON, or the demo's synthetic districts.

A council supplies its own boundaries (wards, LSOAs or postcode districts, e.g. from the
ONS Open Geography Portal) as a GeoJSON FeatureCollection whose features carry the area code
in a property. The demo ships synthetic boundaries for Northshire's fictional districts
NS1-NS8 (drawn over open sea, so nobody mistakes them for a real place).

Rings are rewound for the renderer: Vega draws with d3-geo, which reads polygon rings the
opposite way round from RFC 7946 and would otherwise fill the whole globe except the area.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

SYNTHETIC_DISTRICTS = "northshire_districts.geojson"
_CODE_PROPERTIES = (
    "district",
    "code",
    "area",
    "LSOA21CD",
    "LSOA11CD",
    "WD25CD",
    "WD24CD",
    "WD23CD",
    "WD22CD",
    "PCDS",
)


class BoundaryError(ValueError):
    pass


@dataclass
class Boundaries:
    features: list[dict[str, Any]]
    code_property: str
    source: str

    @property
    def codes(self) -> list[str]:
        return [str(f["properties"][self.code_property]) for f in self.features]


def load_boundaries(path: Path | None = None, *, code_property: str | None = None) -> Boundaries:
    """Read and check a boundary file (default: the synthetic Northshire districts)."""
    if path is None:
        source = f"familyhub.insight/boundaries/{SYNTHETIC_DISTRICTS} (synthetic)"
        text = (
            resources.files("familyhub.insight")
            .joinpath("boundaries", SYNTHETIC_DISTRICTS)
            .read_text("utf-8")
        )
    else:
        source = str(path)
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError as exc:
            raise BoundaryError(f"No boundary file at {path}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoundaryError(f"{source} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryError(f"{source} is not a GeoJSON FeatureCollection")
    features = [f for f in document.get("features", []) if isinstance(f, dict)]
    if not features:
        raise BoundaryError(f"{source} has no features")
    prop = code_property or _guess_property(features, source)
    checked = []
    for n, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise BoundaryError(f"{source}: feature {n} is not a Polygon or MultiPolygon")
        properties = feature.get("properties") or {}
        if properties.get(prop) in (None, ""):
            raise BoundaryError(f"{source}: feature {n} has no {prop!r} property")
        checked.append(
            {
                "type": "Feature",
                "properties": {**properties, prop: str(properties[prop])},
                "geometry": rewind_for_d3(geometry),
            }
        )
    return Boundaries(features=checked, code_property=prop, source=source)


def _guess_property(features: list[dict[str, Any]], source: str) -> str:
    first = features[0].get("properties") or {}
    for name in _CODE_PROPERTIES:
        if name in first:
            return name
    raise BoundaryError(
        f"{source}: cannot tell which property holds the area code (looked for "
        f"{', '.join(_CODE_PROPERTIES)}); name it with --code-property"
    )


def _signed_area(ring: list[list[float]]) -> float:
    return sum((x2 - x1) * (y2 + y1) for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring))


def _oriented(ring: list[list[float]], clockwise: bool) -> list[list[float]]:
    # The shoelace sum above is positive for a clockwise ring (x east, y north).
    is_clockwise = _signed_area(ring) > 0
    return ring if is_clockwise == clockwise else ring[::-1]


def rewind_for_d3(geometry: dict[str, Any]) -> dict[str, Any]:
    """Exterior rings clockwise, holes anticlockwise, as d3-geo expects."""

    def polygon(rings: list[list[list[float]]]) -> list[list[list[float]]]:
        return [_oriented(ring, clockwise=(i == 0)) for i, ring in enumerate(rings)]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": polygon(geometry["coordinates"])}
    return {"type": "MultiPolygon", "coordinates": [polygon(p) for p in geometry["coordinates"]]}

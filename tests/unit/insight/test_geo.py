"""Boundary files: the shipped synthetic districts, a council's file, and bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from familyhub.insight.geo import BoundaryError, load_boundaries, rewind_for_d3


def test_synthetic_districts_cover_ns1_to_ns8() -> None:
    boundaries = load_boundaries()
    assert boundaries.codes == [f"NS{n}" for n in range(1, 9)]
    assert "synthetic" in boundaries.source


def test_rings_are_rewound_to_clockwise_exteriors() -> None:
    anticlockwise = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # RFC 7946 order
    rewound = rewind_for_d3({"type": "Polygon", "coordinates": [anticlockwise]})
    assert rewound["coordinates"][0] == anticlockwise[::-1]


def feature_collection(properties: dict, geometry_type: str = "Polygon") -> str:
    ring = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]
    coordinates = [ring] if geometry_type == "Polygon" else ring[0]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": properties,
                    "geometry": {"type": geometry_type, "coordinates": coordinates},
                }
            ],
        }
    )


def test_a_council_file_with_ons_codes_is_read(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text(feature_collection({"WD25CD": "E05000001", "WD25NM": "Central"}))
    boundaries = load_boundaries(path)
    assert boundaries.code_property == "WD25CD"
    assert boundaries.codes == ["E05000001"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        (feature_collection({"name": "x"}), "which property holds the area code"),
        (feature_collection({"code": "A"}, "Point"), "not a Polygon"),
    ],
)
def test_bad_boundary_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(text)
    with pytest.raises(BoundaryError, match=message):
        load_boundaries(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match="No boundary file"):
        load_boundaries(tmp_path / "nope.geojson")

"""Planner charts: Vega-Lite specs (altair) rendered to SVG on the server, and their CSV.

Charts take only :class:`ControlledTable` s, so every figure drawn has already passed
disclosure control; a chart's ``rows`` are exactly the figures it shows (suppressed ones as
``c``), for the "download the data" link beside it. Rendering uses vl-convert's bundled
Vega, so no browser fetches anything from a CDN.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import vl_convert

from familyhub.insight.aggregates import TIME_DIMENSIONS, CountsSpec, controlled_counts
from familyhub.insight.areas import AreaLookup
from familyhub.insight.dataset import InsightData
from familyhub.insight.disclosure import TOTAL, ControlledTable, DisclosureError, DisclosureRules
from familyhub.insight.geo import Boundaries, load_boundaries
from familyhub.outcomes.headline import BY_KEY

CHOROPLETH_TITLE = "Families with 3 or more needs, by area"
SUPPRESSED_NOTE = "c = suppressed to protect small numbers; figures rounded to the nearest 5"


@dataclass
class Chart:
    name: str
    title: str
    spec: dict[str, Any]
    svg: str
    fieldnames: list[str]
    rows: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def _need_title(key: str) -> str:
    outcome = BY_KEY.get(key)
    return outcome.title if outcome else key


def _inner_cells(table: ControlledTable, dims: tuple[str, ...]) -> list[dict[str, Any]]:
    if table.dims != dims:
        raise ValueError(f"this chart needs counts by {', '.join(dims)}, not {table.dims}")
    records = []
    for cell in table.cells:
        if TOTAL in cell.key:
            continue
        record: dict[str, Any] = dict(zip(dims, cell.key, strict=True))
        if "need" in record:
            record["need_title"] = _need_title(record["need"])
        record["value"] = cell.value
        record["shown"] = cell.shown
        records.append(record)
    return records


def _without_empty_needs(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop needs with nothing to show anywhere (all zero), from the chart and its CSV alike."""
    shown = {r["need"] for r in records if r["shown"] != "0"}
    return [r for r in records if r["need"] in shown]


def _csv_rows(records: list[dict[str, Any]], dims: tuple[str, ...], measure: str) -> list[dict]:
    return [{**{d: r[d] for d in dims}, measure: r["shown"]} for r in records]


def render_svg(spec: dict[str, Any]) -> str:
    return str(vl_convert.vegalite_to_svg(spec))


def needs_by_area(table: ControlledTable) -> Chart:
    """Grouped bars: families (or people) with each need, per area."""
    records = _without_empty_needs(_inner_cells(table, ("need", "area")))
    measure = table.measure
    base = alt.Chart(alt.Data(values=records))
    bars = base.mark_bar().encode(
        x=alt.X("area:N", title="Area"),
        xOffset=alt.XOffset("need_title:N"),
        y=alt.Y("value:Q", title=measure.capitalize()),
        color=alt.Color("need_title:N", title="Need"),
        tooltip=["area:N", "need_title:N", alt.Tooltip("shown:N", title=measure)],
    )
    marks = (
        base.transform_filter("datum.value === null")
        .mark_text(dy=-6, fontSize=9)
        .encode(x="area:N", xOffset="need_title:N", y=alt.datum(0), text="shown:N")
    )
    title = f"{measure.capitalize()} with each need, by area"
    spec = (
        alt.layer(bars, marks)
        .properties(width=640, height=320, title={"text": title, "subtitle": SUPPRESSED_NOTE})
        .to_dict()
    )
    return Chart(
        name="needs_by_area",
        title=title,
        spec=spec,
        svg=render_svg(spec),
        fieldnames=["need", "area", measure],
        rows=_csv_rows(records, ("need", "area"), measure),
    )


def needs_over_time(table: ControlledTable) -> Chart:
    """Lines: needs newly identified per month, quarter or year (suppressed ones leave a gap)."""
    if len(table.dims) != 2 or table.dims[0] != "need" or table.dims[1] not in TIME_DIMENSIONS:
        raise ValueError(f"this chart needs counts by need and a period, not {table.dims}")
    period = table.dims[1]
    records = _without_empty_needs(_inner_cells(table, table.dims))
    measure = table.measure
    title = f"{measure.capitalize()} newly identified with each need, by {period}"
    chart = (
        alt.Chart(alt.Data(values=records))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{period}:O", title=f"{period.capitalize()} first evidenced"),
            y=alt.Y("value:Q", title=measure.capitalize()),
            color=alt.Color("need_title:N", title="Need"),
            tooltip=[f"{period}:O", "need_title:N", alt.Tooltip("shown:N", title=measure)],
        )
        .properties(width=640, height=320, title={"text": title, "subtitle": SUPPRESSED_NOTE})
    )
    spec = chart.to_dict()
    return Chart(
        name="needs_over_time",
        title=title,
        spec=spec,
        svg=render_svg(spec),
        fieldnames=["need", period, measure],
        rows=_csv_rows(records, table.dims, measure),
    )


def _centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    rings = (
        [geometry["coordinates"][0]]
        if geometry["type"] == "Polygon"
        else [polygon[0] for polygon in geometry["coordinates"]]
    )
    points = [p for ring in rings for p in ring[:-1]]
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def choropleth(table: ControlledTable, boundaries: Boundaries, *, title: str) -> Chart:
    """Areas shaded by a controlled count; suppressed areas grey and labelled ``c``."""
    records = {r["area"]: r for r in _inner_cells(table, ("area",))}
    features, labels = [], []
    prop = boundaries.code_property
    for feature in boundaries.features:
        code = feature["properties"][prop]
        record = records.get(code)
        shown = record["shown"] if record else "0"
        value = record["value"] if record else 0
        features.append(
            {**feature, "properties": {**feature["properties"], "value": value, "shown": shown}}
        )
        lon, lat = _centroid(feature["geometry"])
        labels.append({"lon": lon, "lat": lat, "label": f"{code}: {shown}"})
    on_map = set(boundaries.codes)
    missing = sorted(set(records) - on_map - {"Unknown"})
    notes = []
    if missing:
        notes.append(f"not on the map (no boundary in {boundaries.source}): {', '.join(missing)}")
    if "Unknown" in records:
        notes.append(f"area unknown: {records['Unknown']['shown']} {table.measure}")
    projection = {"type": "mercator"}
    base = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(fill="#dddddd", stroke="white", strokeWidth=1)
        .encode(tooltip=[alt.Tooltip(f"properties.{prop}:N", title="Area")])
        .project(**projection)
    )
    shaded = (
        alt.Chart(alt.Data(values=features))
        .transform_filter("datum.properties.value !== null")
        .mark_geoshape(stroke="white", strokeWidth=1)
        .encode(
            color=alt.Color(
                "properties.value:Q", title=table.measure.capitalize(), scale={"scheme": "blues"}
            ),
            tooltip=[
                alt.Tooltip(f"properties.{prop}:N", title="Area"),
                alt.Tooltip("properties.shown:N", title=table.measure),
            ],
        )
        .project(**projection)
    )
    text = (
        alt.Chart(alt.Data(values=labels))
        .mark_text(fontSize=11, fontWeight="bold")
        .encode(longitude="lon:Q", latitude="lat:Q", text="label:N")
        .project(**projection)
    )
    spec = (
        alt.layer(base, shaded, text)
        .properties(width=560, height=360, title={"text": title, "subtitle": SUPPRESSED_NOTE})
        .to_dict()
    )
    rows = [
        {"area": f["properties"][prop], table.measure: f["properties"]["shown"]} for f in features
    ]
    return Chart(
        name="choropleth",
        title=title,
        spec=spec,
        svg=render_svg(spec),
        fieldnames=["area", table.measure],
        rows=rows,
        notes=notes,
    )


def planner_charts(
    data: InsightData,
    *,
    rules: DisclosureRules | None = None,
    lookup: AreaLookup | None = None,
    boundaries: Boundaries | None = None,
    area_level: str = "district",
) -> list[Chart]:
    """The planner dashboard's three charts, each from disclosure-controlled counts.

    A chart whose breakdown is too fine to publish comes back with no SVG or rows and the
    reason in ``notes``, so the page can say so instead of failing.
    """

    def attempt(name: str, title: str, build: Callable[[], Chart]) -> Chart:
        try:
            return build()
        except DisclosureError as exc:
            refused = Chart(name=name, title=title, spec={}, svg="", fieldnames=[], rows=[])
            refused.notes.append(str(exc))
            return refused

    def by_area() -> Chart:
        spec = CountsSpec(by=("need", "area"), area_level=area_level)
        return needs_by_area(controlled_counts(data, spec, rules=rules, lookup=lookup)[0])

    def over_time() -> Chart:
        # The finest period (month, quarter, year) that shows at least half of its non-zero
        # counts; a trend made mostly of "c" tells a planner nothing.
        fallback: ControlledTable | None = None
        for period in TIME_DIMENSIONS:
            try:
                table, raw = controlled_counts(data, CountsSpec(by=("need", period)), rules=rules)
            except DisclosureError:
                continue
            nonzero = [key for key, n in raw.counts.items() if n > 0]
            shown = sum(1 for key in nonzero if table[key].value is not None)
            if shown * 2 >= len(nonzero):
                return needs_over_time(table)
            fallback = fallback or table
        if fallback is None:
            raise DisclosureError(
                "Needs over time are too fine to publish even by year: every non-zero count "
                "would be suppressed."
            )
        return needs_over_time(fallback)

    def three_plus() -> Chart:
        spec = CountsSpec(by=("area",), min_needs=3, area_level=area_level)
        table = controlled_counts(data, spec, rules=rules, lookup=lookup)[0]
        return choropleth(table, boundaries or load_boundaries(), title=CHOROPLETH_TITLE)

    return [
        attempt("needs_by_area", "Needs by area", by_area),
        attempt("needs_over_time", "Needs over time", over_time),
        attempt("choropleth", CHOROPLETH_TITLE, three_plus),
    ]

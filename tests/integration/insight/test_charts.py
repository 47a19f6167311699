"""Planner charts: SVG rendered on the server, CSV equal to what is drawn, all controlled."""

from __future__ import annotations

import csv
import io

from familyhub.insight.aggregates import CountsSpec, controlled_counts
from familyhub.insight.charts import choropleth, planner_charts
from familyhub.insight.geo import load_boundaries

from .synthetic import population


def test_dashboard_charts_render_offline_and_match_their_csv() -> None:
    charts = planner_charts(population(families=600))
    assert [c.name for c in charts] == ["needs_by_area", "needs_over_time", "choropleth"]
    for chart in charts:
        assert chart.svg.startswith("<svg")
        assert "<script" not in chart.svg
        assert "cdn" not in chart.svg.lower()
        rows = list(csv.DictReader(io.StringIO(chart.csv_text())))
        assert rows == chart.rows
        measure = chart.fieldnames[-1]
        for row in rows:
            value = row[measure]
            assert value == "c" or (int(value) % 5 == 0 and not 1 <= int(value) <= 7)
        # What the chart draws is exactly what the CSV says.
        drawn = chart.spec.get("data") or chart.spec["layer"][0]["data"]
        assert drawn["values"]


def test_choropleth_shows_every_district_and_greys_suppressed_ones() -> None:
    table, _ = controlled_counts(population(families=300), CountsSpec(by=("area",)))
    chart = choropleth(table, load_boundaries(), title="Families")
    assert [r["area"] for r in chart.rows] == [f"NS{n}" for n in range(1, 9)]
    # Districts with nobody living there (NS5-NS8 in this population) show 0, not c.
    assert {r["families"] for r in chart.rows if r["area"] in {"NS5", "NS6", "NS7", "NS8"}} == {"0"}
    assert "NS1: " in chart.svg


def test_a_chart_too_fine_to_publish_says_why_instead_of_failing() -> None:
    charts = planner_charts(population(families=12))
    refused = [c for c in charts if not c.svg]
    assert refused
    assert all("too fine" in c.notes[0] for c in refused)
    assert all(c.rows == [] for c in refused)


def test_written_charts_are_svg_and_csv_and_registered(session, tmp_path) -> None:
    from sqlalchemy import select

    from familyhub.insight.models import InsightOutput
    from familyhub.insight.service import write_charts

    charts = planner_charts(population(families=600))
    written = write_charts(
        session=session, charts=charts, folder=tmp_path, purpose="service_planning", actor="t"
    )
    names = sorted(p.name for p in written)
    assert names == sorted(f"{c.name}.{ext}" for c in charts for ext in ("svg", "csv"))
    for chart in charts:
        assert (tmp_path / f"{chart.name}.csv").read_text().replace("\r\n", "\n") == (
            chart.csv_text()
        )
    registered = session.scalars(select(InsightOutput).where(InsightOutput.kind == "chart")).all()
    assert len(registered) == 3


def test_the_dashboard_asks_the_access_policies_first(session) -> None:
    import pytest

    from familyhub.access import Principal
    from familyhub.access.models import Organisation, User
    from familyhub.insight.service import InsightRefusedError, planner_dashboard

    org = Organisation(code="nc-dash", name="Northshire Council", kind="council_service")
    session.add(org)
    session.flush()
    users = {}
    for role in ("planner", "early_help_worker"):
        user = User(
            username=f"dash-{role}", display_name=role, organisation_id=org.id, roles=[role]
        )
        session.add(user)
        session.flush()
        users[role] = Principal.of(user)
    with pytest.raises(InsightRefusedError):
        planner_dashboard(session=session, principal=users["early_help_worker"])
    charts = planner_dashboard(session=session, principal=users["planner"])
    assert [c.name for c in charts] == ["needs_by_area", "needs_over_time", "choropleth"]

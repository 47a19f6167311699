"""The planner's dashboard: disclosure-controlled figures only, and nothing about a person."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.integration.web.backoffice import scenario
from tests.integration.web.support import sign_in


def test_the_dashboard_shows_only_controlled_figures_and_downloads_what_it_shows(
    client: TestClient, web_env: dict[str, str]
) -> None:
    for _ in range(12):
        scenario.eligible_family()
    planner, purpose = scenario.user("planner")
    sign_in(client, planner, purpose=purpose)
    page = client.get("/planner")
    assert page.status_code == 200
    assert "<script" not in page.text.split("</main>")[0]
    shown = re.findall(r'<svg[^>]*role="img"', page.text)
    notes = page.text.count("cannot be shown") + page.text.count("too fine")
    assert len(shown) + notes >= 3
    for name in re.findall(r'href="/planner/([a-z_]+)\.csv"', page.text):
        download = client.get(f"/planner/{name}.csv")
        assert download.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
        rows = list(csv.DictReader(io.StringIO(download.text)))
        measure = list(rows[0])[-1]
        for row in rows:
            # Suppressed as c, or rounded to 5 and never a count from 1 to 7.
            assert row[measure] == "c" or int(row[measure]) % 5 == 0
            assert row[measure] == "c" or not 1 <= int(row[measure]) <= 7
            # Every figure in the file is on the page.
            assert f">{row[measure]}<" in page.text
    assert scenario.events("insight.dashboard")


def test_a_planner_never_reaches_a_person(client: TestClient, web_env: dict[str, str]) -> None:
    family_id, child = scenario.eligible_family()
    planner, purpose = scenario.user("planner")
    sign_in(client, planner, purpose=purpose)
    assert client.get(f"/people/{child}").status_code == 403
    assert client.get(f"/programme/families/{family_id}").status_code == 403
    assert client.get("/planner/no_such_chart.csv").status_code == 404


def test_statistics_need_the_statistics_purpose(
    client: TestClient, web_env: dict[str, str]
) -> None:
    data, purpose = scenario.user("data")  # in the planning group, but here for data quality
    sign_in(client, data, purpose=purpose)
    assert client.get("/planner").status_code == 403

"""The back-office pages in a real browser, on one demonstration prepared for the module.

``familyhub demo --no-serve`` (synthetic people loaded, linked, families built, needs
assessed, a sign-in per role) runs once; one server serves every test. Each test signs in as
one role through the forms: the data team decides a review pair, the programme team
confirms a need, information governance reviews the alert a break-glass raised, closes it
and verifies the log, and a planner sees the dashboard, downloads a CSV and is refused a
person's record. Every page visited is checked with axe-core; screenshots of the review
pair with its waterfall, the alerts page and the planner's dashboard are taken on the way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from familyhub import db as fh_db
from familyhub.config import get_settings
from tests.e2e.conftest import (
    CHROMIUM,
    LiveServer,
    assert_accessible,
    screenshot,
    sign_in_as,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.browser
# Enough people that some counts by area pass disclosure control, so the map has figures.
DEMO_PEOPLE = "2000"


@pytest.fixture(scope="module")
def demo(
    _databases: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """The module's demonstration: its environment and the printed sign-ins."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM}")
    url, handle = _databases.new()
    data_dir = tmp_path_factory.mktemp("backoffice") / "var"
    env = {"FAMILYHUB_DATA_DIR": str(data_dir), "FAMILYHUB_DATABASE_URL": url}
    familyhub = str(Path(sys.executable).with_name("familyhub"))
    prepared = subprocess.run(
        [familyhub, "demo", "--no-serve", "--people", DEMO_PEOPLE],
        env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert prepared.returncode == 0, prepared.stdout[-3000:] + prepared.stderr[-3000:]
    passwords = json.loads((data_dir / "demo-signins.json").read_text())
    yield env, passwords
    _databases.drop(handle)


@pytest.fixture(scope="module")
def backoffice_server(
    demo: tuple[dict[str, str], dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env, _ = demo
    log = tmp_path_factory.mktemp("backoffice-server") / "server.log"
    server = start_server({**env, "FAMILYHUB_COUNCIL_NAME": "Northmoor Council"}, log)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def live_server(backoffice_server: LiveServer) -> LiveServer:
    """The conftest's ``page`` uses this: every test here shares the module's server."""
    return backoffice_server


@pytest.fixture
def in_demo(
    demo: tuple[dict[str, str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """This process pointed at the demonstration's database (for acting as a practitioner)."""
    for key, value in demo[0].items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    fh_db.reset_engine()
    yield
    get_settings.cache_clear()
    fh_db.reset_engine()


def _sign_in(page: Any, demo: tuple[dict[str, str], dict[str, str]], user: str, purpose: str):
    sign_in_as(page, user, demo[1][user], purpose=purpose)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_data_team_decides_a_review_pair(
    page: Any, demo: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    _sign_in(page, demo, "data.chen", "Data quality")
    page.get_by_role("link", name="Review possible matches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review possible matches")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Compare pair \d+$")).first.click()

    # Two records side by side, and the waterfall drawn on the server as one labelled image.
    expect(page.get_by_role("table", name="The two records side by side")).to_be_visible()
    chart = page.locator("figure svg[role=img]")
    expect(chart).to_be_visible()
    assert chart.get_attribute("aria-labelledby") == "waterfall-caption"
    expect(
        page.get_by_role("table", name=re.compile("What each comparison counted"))
    ).to_contain_text("Date of birth")
    assert_accessible(page)
    screenshot(page, "review-pair-waterfall", tmp_path)

    page.get_by_label("Do not link: they are different people").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why")
    assert_accessible(page)
    page.get_by_label("Do not link: they are different people").check()
    page.get_by_label("Why", exact=True).fill(
        "Different family names and no shared identifier: sisters."
    )
    page.get_by_role("button", name="Record decision").click()
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Do not link: they are different people, by data.chen")
    assert_accessible(page)

    page.goto("/data/sources")
    expect(page.get_by_role("table", name=re.compile(r"\d+ sources"))).to_contain_text(
        "School census"
    )
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("values? dropped")).first.click()
    expect(page.get_by_role("table")).to_contain_text("Row loaded without this value")
    assert_accessible(page)


def test_programme_team_confirms_a_need(
    page: Any, demo: tuple[dict[str, str], dict[str, str]]
) -> None:
    _sign_in(page, demo, "sf.patel", "Supporting families")
    page.get_by_role("link", name="Eligible families").click()
    expect(page.get_by_text("This is advice, not a decision")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Family [0-9a-f]{8}$")).first.click()
    section = page.locator("section[id^=need-]").first
    need = section.get_attribute("id")
    expect(section).to_contain_text("Not yet decided")
    assert_accessible(page)
    section.get_by_label("Confirm").check()
    section.get_by_role("textbox").fill("Checked with the school: attendance is a concern")
    section.get_by_role("button").click()
    decided = page.locator(f"section#{need}")
    expect(decided.get_by_role("heading", level=2)).to_contain_text("Confirmed")
    expect(decided).to_contain_text("Confirmed by sf.patel")
    expect(decided).to_contain_text("Checked with the school")
    assert_accessible(page)

    page.goto("/programme/claims")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome claims")
    assert_accessible(page)


def test_information_governance_reviews_a_break_glass_alert_and_verifies_the_log(
    page: Any, demo: tuple[dict[str, str], dict[str, str]], in_demo: None, tmp_path: Path
) -> None:
    from familyhub.access.auth import find_user
    from familyhub.db import unit_of_work
    from familyhub.linkage.models import Person
    from familyhub.singleview.service import break_glass

    with unit_of_work() as session:
        health_visitor = find_user(session, username="hv.ahmed")
        assert health_visitor is not None
        person_id = session.scalars(select(Person.id).where(Person.status == "active")).first()
        break_glass(
            session,
            user=health_visitor,
            purpose="safeguarding",
            justification="Bruising seen at the two-year review, parent not reachable",
            person_id=person_id,
        )

    _sign_in(page, demo, "ig.walker", "Information governance")
    page.get_by_role("link", name="Alerts to review").click()
    alerts = page.get_by_role("table", name=re.compile("open alerts?"))
    expect(alerts).to_contain_text("hv.ahmed used break-glass: Bruising seen")
    assert_accessible(page)
    screenshot(page, "ig-alerts", tmp_path)

    alerts.get_by_role("row", name=re.compile("Break-glass")).get_by_role("link").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Justification given")
    page.get_by_role("button", name="Close alert").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a review note")
    assert_accessible(page)
    page.get_by_label("Review note").fill("Spoke to her manager: a genuine safeguarding concern.")
    page.get_by_role("button", name="Close alert").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("closed")
    assert_accessible(page)

    page.goto("/governance/break-glass")
    expect(page.get_by_role("table")).to_contain_text("Spoke to her manager")
    assert_accessible(page)

    page.goto("/governance/audit")
    page.get_by_role("button", name="Verify the log").click()
    expect(page.locator(".govuk-panel")).to_contain_text("The audit log is intact")
    assert_accessible(page)

    # Search by person: posted, so the id never appears in the address.
    page.goto("/governance/audit")
    page.get_by_label("Person id").fill(person_id)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("table")).to_contain_text("access.break_glass")
    assert person_id not in page.url
    assert_accessible(page)

    for path in (
        "/governance/rights",
        "/governance/notice",
        f"/governance/people/{person_id}/viewed",
    ):
        page.goto(path)
        assert_accessible(page)
    expect(page.get_by_role("table")).to_contain_text("used the safeguarding override")


def test_planner_sees_the_dashboard_downloads_figures_and_cannot_open_a_person(
    page: Any, demo: tuple[dict[str, str], dict[str, str]], in_demo: None, tmp_path: Path
) -> None:
    from familyhub.db import unit_of_work
    from familyhub.linkage.models import Person

    _sign_in(page, demo, "plan.osei", "Statistics")
    page.get_by_role("link", name="Families and needs dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Families and needs")
    # Three charts, each drawn or (too fine to publish) saying why; the map is drawn.
    drawn = page.locator("figure svg[role=img]").count()
    assert drawn + page.get_by_text("cannot be shown without risking").count() == 3
    expect(page.locator("section[aria-labelledby=choropleth-title] svg[role=img]")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "planner-dashboard", tmp_path)

    map_section = page.locator("section[aria-labelledby=choropleth-title]")
    with page.expect_download() as downloading:
        map_section.get_by_role("link", name=re.compile("Download these figures")).click()
    saved = Path(downloading.value.path())
    lines = saved.read_text().splitlines()
    assert lines[0] == "area,families"
    map_section.get_by_text("Show the figures as a table").click()
    shown = map_section.get_by_role("table")
    for line in lines[1:]:
        area, families = line.split(",")
        # The CSV holds exactly the figures on the page: suppressed as c, others rounded to 5.
        assert families == "c" or int(families) % 5 == 0
        expect(shown.get_by_role("row", name=re.compile(rf"^{area}\b"))).to_contain_text(families)

    with unit_of_work() as session:
        person_id = session.scalars(select(Person.id).where(Person.status == "active")).first()
    refused = page.goto(f"/people/{person_id}")
    assert refused is not None
    assert refused.status == 403
    refused = page.goto("/programme/families")
    assert refused is not None
    assert refused.status == 403

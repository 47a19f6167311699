"""In a real browser, on the demo's prepared data: practitioners search, open the story
family and see what their role may see (and what is hidden and why), break glass (and
information governance sees the alert), and request support.

The data is prepared once for the module (``familyhub demo --no-serve`` on 300 synthetic
people: synth, load, link, families, needs, sign-ins and the story's involvements) and one
server serves every test. axe-core checks each page; screenshots of the key pages go to
``docs/screenshots/`` when ``FAMILYHUB_SCREENSHOTS`` says so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from familyhub.access.models import User
from familyhub.audit.alerts import open_alerts
from familyhub.casework.models import Involvement, Referral
from familyhub.db import make_engine
from familyhub.families.models import FamilyMember
from familyhub.linkage.models import Person
from tests.e2e.conftest import LiveServer, assert_accessible, screenshot, start_server, stop_server

pytestmark = pytest.mark.browser
FAMILYHUB = str(Path(sys.executable).with_name("familyhub"))


@dataclass
class Demo:
    server: LiveServer
    database_url: str
    passwords: dict[str, str]
    family_id: str  # early help leads it, with consent; health visitor and school DSL in the team
    child_name: str
    child_dob: str
    cp_family_id: str  # the social worker is allocated to it


def _story(url: str) -> tuple[str, str, str, str]:
    from sqlalchemy.orm import Session

    engine = make_engine(url)
    with Session(engine) as session:

        def family_of(username: str, kind: str) -> str:
            return str(
                session.scalars(
                    select(Involvement.family_id)
                    .join(User, User.id == Involvement.user_id)
                    .where(User.username == username, Involvement.kind == kind)
                ).first()
            )

        family_id = family_of("ehw.kowalska", "lead_practitioner")
        cp_family = family_of("sw.okafor", "allocated_worker")
        child = session.scalars(
            select(Person)
            .join(FamilyMember, FamilyMember.person_id == Person.id)
            .where(FamilyMember.family_id == family_id, FamilyMember.valid_to.is_(None))
            .where(Person.date_of_birth.is_not(None))
            .order_by(Person.date_of_birth.desc())
        ).first()
        assert child is not None
        assert child.date_of_birth is not None
        name = f"{child.given_name} {child.family_name}"
        dob = f"{child.date_of_birth:%d/%m/%Y}"
    engine.dispose()
    return family_id, name, dob, cp_family


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, _databases: Any) -> Iterator[Demo]:
    base = tmp_path_factory.mktemp("practitioner-demo")
    url, handle = _databases.new()
    env = {
        "FAMILYHUB_DATA_DIR": str(base / "var"),
        "FAMILYHUB_DATABASE_URL": url,
        "FAMILYHUB_COUNCIL_NAME": "Northmoor Council",
    }
    subprocess.run(
        [FAMILYHUB, "demo", "--no-serve", "--people", "300"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    passwords = json.loads((base / "var" / "demo-signins.json").read_text())
    family_id, child_name, child_dob, cp_family = _story(url)
    server = start_server(env, base / "server.log")
    try:
        yield Demo(server, url, passwords, family_id, child_name, child_dob, cp_family)
    finally:
        stop_server(server)
        _databases.drop(handle)


@pytest.fixture
def live_server(demo: Demo) -> LiveServer:
    """Every test of this module uses the one server on the prepared data."""
    return demo.server


def sign_in(page: Any, demo: Demo, username: str, purpose: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(demo.passwords[username])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".app-viewer-bar")).to_contain_text(f"Purpose: {purpose}")


def chronology_kinds(page: Any) -> set[str]:
    cells = page.locator(".app-chronology tbody td:nth-child(4)").all_inner_texts()
    return {cell.strip() for cell in cells}


def test_health_visitor_searches_and_opens_the_story_family(
    page: Any, demo: Demo, tmp_path: Path
) -> None:
    sign_in(page, demo, "hv.ahmed", "Direct care")
    page.get_by_role("link", name="Find a child or family").click()
    assert_accessible(page)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)

    given, family = demo.child_name.split(" ", 1)
    page.get_by_label("Name").fill(f"{given} {family}")
    page.get_by_label("Date of birth").fill(demo.child_dob)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search$"))  # nothing typed is in the URL
    results = page.locator(".app-search-results")
    expect(results).to_contain_text(demo.child_name)
    expect(results).to_contain_text(
        "Lead practitioner: Zofia Kowalska, Northshire Council Early Help, 01632 960103"
    )
    expect(results).not_to_contain_text(demo.child_dob)  # year of birth only
    assert_accessible(page)
    screenshot(page, "search-results", tmp_path)

    results.get_by_role("link", name=demo.child_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.child_name)
    page.get_by_role("link", name="Open the family's record").first.click()
    expect(page).to_have_url(re.compile(f"/families/{demo.family_id}$"))
    main = page.locator("main")
    # Who is working with the family comes first, lead practitioner and how to reach them.
    first_section = main.locator("section").first
    expect(first_section).to_contain_text("Who is working with this family")
    expect(first_section).to_contain_text("Lead practitioner: Zofia Kowalska")
    expect(first_section.get_by_role("link", name="01632 960103")).to_be_visible()
    expect(main).to_contain_text("Your access was recorded in the audit log")
    expect(page.locator("#hidden")).to_contain_text("hidden: not shared with your role")
    kinds = chronology_kinds(page)
    assert kinds
    assert not kinds & {"Criminal offence", "Social care"}
    assert_accessible(page)
    screenshot(page, "family-view-health-visitor", tmp_path)

    page.get_by_text("Filter the chronology").click()
    page.get_by_label("Health", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    assert chronology_kinds(page) <= {"Health"}
    assert_accessible(page)


@pytest.mark.parametrize(
    ("username", "purpose", "never", "hidden"),
    [
        ("dsl.murphy", "Early help support", {"Health", "Criminal offence"}, "not shared"),
        ("ehw.kowalska", "Early help support", {"Criminal offence"}, "not shared with your role"),
        ("sw.okafor", "Safeguarding", {"Criminal offence"}, "not shared with your role"),
        ("mash.pc.evans", "Safeguarding", set(), None),
    ],
)
def test_each_role_sees_what_it_may_of_the_story_family(
    page: Any, demo: Demo, username: str, purpose: str, never: set[str], hidden: str | None
) -> None:
    sign_in(page, demo, username, purpose)
    page.goto(f"/families/{demo.family_id}")
    expect(page.locator("#who")).to_contain_text("Lead practitioner: Zofia Kowalska")
    kinds = chronology_kinds(page)
    assert kinds, "a full view shows a chronology"
    assert not kinds & never
    if hidden is None:
        expect(page.locator("#hidden")).to_have_count(0)
        assert "Criminal offence" in kinds
    else:
        expect(page.locator("#hidden")).to_contain_text(hidden)
    assert_accessible(page)


def test_break_glass_opens_the_record_and_information_governance_sees_the_alert(
    page: Any, demo: Demo, tmp_path: Path
) -> None:
    sign_in(page, demo, "hv.ahmed", "Safeguarding")
    page.goto(f"/families/{demo.cp_family_id}")
    expect(page.locator("#hidden")).to_contain_text("Full view of the family hidden")
    expect(page.locator("#chronology")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "family-view-hidden", tmp_path)

    page.get_by_role("button", name="Use the safeguarding override (break-glass)").click()
    page.get_by_label("Why do you need to see this record now?").fill("urgent")
    page.get_by_role("button", name="Use the override").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("at least 3 words")
    assert_accessible(page)
    screenshot(page, "break-glass-errors", tmp_path)
    page.get_by_label("Why do you need to see this record now?").fill(
        "Child seen at clinic with unexplained bruising; history needed before the strategy call"
    )
    page.get_by_role("button", name="Use the override").click()
    expect(page.locator("#done")).to_contain_text("Safeguarding override in force")
    expect(page.locator("#chronology")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, demo, "ig.walker", "Information governance")
    page.goto("/governance/alerts")
    expect(page.locator("main")).to_contain_text("Ayesha Ahmed")
    engine = make_engine(demo.database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        health_visitor = session.scalars(select(User).where(User.username == "hv.ahmed")).one()
        alerts = open_alerts(session, kind="break_glass")
        assert [a.user_id for a in alerts] == [health_visitor.id]
    engine.dispose()


def test_school_requests_support_and_it_lands_with_early_help(
    page: Any, demo: Demo, tmp_path: Path
) -> None:
    sign_in(page, demo, "dsl.murphy", "Early help support")
    page.goto(f"/families/{demo.family_id}")
    page.get_by_role("button", name="Request support from early help").click()
    page.get_by_role("button", name="Send request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Say what the concern or need is")
    expect(summary).to_contain_text("Select whether the family has agreed")
    assert_accessible(page)
    screenshot(page, "request-support-errors", tmp_path)
    page.get_by_label("What is the concern or need?").fill(
        "Attendance has dropped this term and the family asked for help with morning routines."
    )
    page.get_by_label("Yes, the family has agreed to this request").check()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#done")).to_contain_text("sent to early help")
    assert_accessible(page)

    engine = make_engine(demo.database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        referral = session.scalars(
            select(Referral).where(Referral.family_id == demo.family_id)
        ).one()
        assert (referral.receiving_service, referral.state) == ("Early help", "received")
        referral_id = referral.id
    engine.dispose()
    page.get_by_role("button", name="Sign out").click()

    # It lands with early help: their inbox shows it, and they accept it.
    sign_in(page, demo, "ehw.kowalska", "Early help support")
    page.get_by_role("link", name="Referrals to your service").click()
    card = page.locator(f"#referral-{referral_id}")
    expect(card).to_contain_text("Request for support")
    expect(card).to_contain_text("Attendance has dropped this term")
    expect(card).to_contain_text("Ciaran Murphy, Northshire Primary Academy")
    expect(card).to_contain_text("Received")
    assert_accessible(page)
    screenshot(page, "referral-inbox", tmp_path)
    card.get_by_role("button", name="Accept for early help").click()
    expect(page.locator("#done")).to_contain_text("The referral is now: With early help.")
    expect(page.locator(f"#referral-{referral_id}")).to_contain_text("With early help")
    assert_accessible(page)
    engine = make_engine(demo.database_url)
    with Session(engine) as session:
        accepted = session.get(Referral, referral_id)
        assert accepted is not None
        assert accepted.state == "passed_to_early_help"
    engine.dispose()

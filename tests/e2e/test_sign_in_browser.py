"""In a real browser: sign in, state a purpose, see the home page and "who am I", sign out.

Each page is checked with axe-core; screenshots of the key pages are taken on the way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, assert_accessible, screenshot, sign_in_as
from tests.integration.web.support import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    sign_in_as(page, username, password)


def test_practitioner_signs_in_states_purpose_and_signs_out(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    make_user("ew.okafor", display_name="Ada Okafor", roles=("early_help_worker",))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    # The first Tab reaches the skip link, which takes keyboard users past the header.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    # Blur it again: a focused skip link pushes the page down, and moves it back on click.
    page.evaluate("document.activeElement.blur()")
    expect(page.locator(".govuk-generic-header")).to_contain_text("Northmoor Council")
    expect(page.locator(".govuk-service-navigation__service-name")).to_contain_text("familyhub")
    # GOV.UK Frontend's JavaScript ran under our CSP: the password input grew its Show button.
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.lower().startswith("arial")
    assert_accessible(page)
    screenshot(page, "sign-in", tmp_path)

    page.get_by_role("button", name="Sign in", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your username")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    screenshot(page, "sign-in-errors", tmp_path)

    _sign_in(page, "ew.okafor", "not the password")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )

    _sign_in(page, "ew.okafor")
    expect(page).to_have_url(re.compile(r"/purpose$"))
    assert_accessible(page)
    screenshot(page, "purpose", tmp_path)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select why you are using")
    assert_accessible(page)
    page.get_by_label("Early help support").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Okafor")
    expect(page.locator(".app-viewer-bar")).to_contain_text("Purpose: Early help support")
    assert_accessible(page)
    screenshot(page, "home-early-help-worker", tmp_path)

    page.get_by_role("link", name="Who am I").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Early help worker")
    assert_accessible(page)
    screenshot(page, "who-am-i", tmp_path)

    cookie = next(c for c in page.context.cookies() if c["name"] == "__Host-familyhub-session")
    assert cookie["secure"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert not page.evaluate("document.cookie")  # HttpOnly: scripts cannot read it

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert_accessible(page)
    page.goto("/me")
    expect(page).to_have_url(re.compile(r"/sign-in$"))

    # The server logged every request, but no name, username or query string.
    log = live_server.log.read_text()
    assert "GET /me 303" in log
    for personal in ("Ada Okafor", "ew.okafor", "?ended"):
        assert personal not in log


def test_each_role_has_its_own_home_page(page: Any, tmp_path: Path) -> None:
    make_user(
        "ig.shah",
        display_name="Priya Shah",
        roles=("information_governance_officer",),
        organisation_code="northmoor-ig",
        organisation_name="Northmoor Council Information Governance",
    )
    make_user(
        "planner.lee",
        display_name="Sam Lee",
        roles=("planner",),
        organisation_code="northmoor-insight",
        organisation_name="Northmoor Council Insight",
    )
    sign_in_as(page, "ig.shah", PASSWORD, purpose="Information governance")
    expect(page.locator("main")).to_contain_text("audit of every access")
    assert_accessible(page)
    screenshot(page, "home-information-governance", tmp_path)
    page.get_by_role("button", name="Sign out").click()

    sign_in_as(page, "planner.lee", PASSWORD, purpose="Statistics")
    expect(page.locator("main")).to_contain_text("never identify anyone")
    expect(page.locator("main")).not_to_contain_text("audit of every access")


def test_error_pages_are_clear_and_accessible(page: Any, tmp_path: Path) -> None:
    make_user("ew.errors")
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    screenshot(page, "not-found", tmp_path)

    _sign_in(page, "ew.errors")
    # A form whose CSRF token was tampered with is refused, saying what to do.
    # Wait for the purpose page's form: signing in navigates, and evaluating before the new
    # page has loaded finds no form (seen on PostgreSQL with two server processes).
    page.locator("main input[name=csrf_token]").first.wait_for(state="attached")
    page.evaluate("document.querySelector('main input[name=csrf_token]').value = 'tampered'")
    page.get_by_label("Early help support").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    expect(page.locator("main")).to_contain_text("nothing was saved")
    assert_accessible(page)
    screenshot(page, "refused-403", tmp_path)

"""In a real browser: sign in with the council's OpenID Connect provider (a local one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, screenshot
from tests.integration.web.oidc_provider import Account, TestProvider, running
from tests.integration.web.support import make_user

pytestmark = [pytest.mark.browser, pytest.mark.oidc]

SOCIAL_WORKER = Account(
    subject="entra-oid-0042", email="sam.okoro@northmoor.example", name="Sam Okoro"
)


@pytest.fixture
def provider() -> Iterator[TestProvider]:
    with running(TestProvider(accounts=[SOCIAL_WORKER])) as op:
        yield op


@pytest.fixture
def server_env(fh_env: dict[str, str], provider: TestProvider) -> dict[str, str]:
    return {
        **fh_env,
        "FAMILYHUB_COUNCIL_NAME": "Northmoor Council",
        "FAMILYHUB_OIDC_ISSUER": provider.issuer,
        "FAMILYHUB_OIDC_CLIENT_ID": provider.client_id,
        "FAMILYHUB_OIDC_CLIENT_SECRET": provider.client_secret,
        "FAMILYHUB_OIDC_DISPLAY_NAME": "Northmoor Council account",
    }


def test_sign_in_with_the_council_account(page: Any, tmp_path: Path) -> None:
    make_user(
        "sw.okoro",
        display_name="Sam Okoro",
        roles=("social_worker",),
        email=SOCIAL_WORKER.email,
        password=None,
        organisation_code="northmoor-csc",
        organisation_name="Northmoor Children's Social Care",
    )
    page.goto("/sign-in")
    assert_accessible(page)
    screenshot(page, "sign-in-with-council-account", tmp_path)
    page.get_by_role("button", name="Sign in with Northmoor Council account").click()
    expect(page).to_have_title("Test identity provider")
    page.get_by_role("button", name="Sign in as Sam Okoro").click()
    expect(page).to_have_url(re.compile(r"/purpose$"))
    page.get_by_label("Safeguarding").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sam Okoro")
    page.get_by_role("link", name="Who am I").click()
    expect(page.locator("main")).to_contain_text("Northmoor Council account")
    assert_accessible(page)

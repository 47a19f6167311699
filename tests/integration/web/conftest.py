"""Fixtures for the web layer's integration tests: an app on its own database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from familyhub.web.app import create_app
from familyhub.web.settings import get_web_settings


@pytest.fixture
def web_env(fh_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("FAMILYHUB_COUNCIL_NAME", "Northmoor Council")
    get_web_settings.cache_clear()
    yield fh_env
    get_web_settings.cache_clear()


@pytest.fixture
def client(web_env: dict[str, str]) -> Iterator[TestClient]:
    """A client speaking HTTPS to the app (plain HTTP is only for loopback)."""
    with TestClient(
        create_app(), base_url="https://testserver", follow_redirects=False
    ) as test_client:
        yield test_client

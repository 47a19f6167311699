"""Schemathesis fuzzes ``/api/v1`` from its own OpenAPI document: no 500s, responses as
documented, nothing served without credentials, and nothing about another user leaked.

Endpoints added under ``/api/v1`` are covered automatically; seed what they should never
reveal in ``api_schema`` and add a phrase to ``SECRETS``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from familyhub.access.models import User
from familyhub.db import unit_of_work
from familyhub.web.app import create_app
from familyhub.web.tokens import issue_api_token
from tests.integration.web.support import make_user

# Seeded but belonging to someone the caller has nothing to do with.
SECRETS = ("Zed Hidden", "zed.hidden", "Hidden Youth Offending Team")


class BehindTlsProxy:
    """The app as a TLS-terminating proxy presents it (the scheme is https)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "scheme": "https"}
        await self.app(scope, receive, send)


@pytest.fixture
def caller_token(web_env: dict[str, str]) -> str:
    make_user("hv.caller", roles=("health_visitor",))
    make_user(
        "zed.hidden",
        display_name="Zed Hidden",
        roles=("youth_justice_officer",),
        organisation_code="hidden-yot",
        organisation_name="Hidden Youth Offending Team",
    )
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == "hv.caller"))
        assert user is not None
        return issue_api_token(session, user=user, purpose="direct_care", label="fuzz").token


# Loading the document touches no database; each generated request runs against the
# test's own database, set up by the fixtures below.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", BehindTlsProxy(create_app()))


def _domain_checked(case: Any) -> list[Any]:
    """The practitioners' endpoints answer input no schema can rule out (a postcode or date
    that does not exist, consent given without its purposes) with a documented 400 and the
    service's message, so "schema-valid data is accepted" is not theirs to meet; their own
    run against a seeded family is tests/integration/web/practitioner/test_api_schema.py."""
    return [positive_data_acceptance] if "practitioners" in (case.operation.tags or []) else []


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_keeps_its_contract(case: Any, caller_token: str) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {caller_token}"},
        excluded_checks=_domain_checked(case),
    )
    for secret in SECRETS:
        assert secret not in response.text

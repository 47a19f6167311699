"""``/api/v1``: the OpenAPI document, bearer tokens and the browser session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from familyhub.access.auth import disable_user
from familyhub.access.models import User
from familyhub.audit.models import AuditEvent
from familyhub.cli import app as cli_app
from familyhub.config import get_settings
from familyhub.db import reset_engine, unit_of_work
from familyhub.runs import utcnow
from familyhub.web.models import ApiToken
from familyhub.web.tokens import issue_api_token
from tests.integration.web.support import make_user, sign_in


def _token_for(username: str, purpose: str = "direct_care") -> str:
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return issue_api_token(session, user=user, purpose=purpose, label="test").token


def test_openapi_document_is_served_and_lists_only_the_api(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in document["paths"]
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    schemes = document["components"]["securitySchemes"]
    assert {"HTTPBearer", "APIKeyCookie"} <= set(schemes)


def test_without_credentials_the_api_answers_401_in_json(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_bearer_token_acts_for_its_user_and_purpose(client: TestClient) -> None:
    make_user("hv.token", roles=("health_visitor",), display_name="Hana Token")
    token = _token_for("hv.token")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Hana Token"
    assert body["purpose"] == "direct_care"
    assert body["roles"] == ["health_visitor"]
    assert body["auth_method"] == "api_token"


def test_unknown_expired_revoked_and_disabled_tokens_are_refused(client: TestClient) -> None:
    user = make_user("hv.expiring", roles=("health_visitor",))
    headers = {"Authorization": "Bearer fh_made-up"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    token = _token_for("hv.expiring")
    with unit_of_work() as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json()["message"] == "The API token has expired. Ask for a new one."
    second = _token_for("hv.expiring")
    with unit_of_work() as session:
        disable_user(session, user_id=user.id, by="administrator")
    disabled = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
    assert disabled.status_code == 401
    with unit_of_work() as session:
        reasons = [
            e.details["reason"]
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "auth.api_token")
            )
        ]
    assert reasons == ["token_unknown", "token_expired", "token_disabled"]


def test_the_browser_session_works_for_the_api_too(client: TestClient) -> None:
    sign_in(client, make_user("ew.browser"), purpose="early_help_support")
    body = client.get("/api/v1/me").json()
    assert body["username"] == "ew.browser"
    assert body["purpose"] == "early_help_support"


def test_a_session_without_a_purpose_is_asked_for_one(client: TestClient) -> None:
    sign_in(client, make_user("ew.nopurpose"), purpose=None)
    response = client.get("/api/v1/purposes")
    assert response.status_code == 403
    assert response.json()["error"] == "purpose_required"


def test_api_token_cli_creates_a_token_that_works(client: TestClient) -> None:
    make_user("dt.cli", roles=("data_team",))
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["api-token", "create", "dt.cli", "--purpose", "data_quality", "--label", "etl"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("fh_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["purpose"] == "data_quality"
    refused = runner.invoke(cli_app, ["api-token", "create", "dt.cli", "--purpose", "whim"])
    assert refused.exit_code == 1
    assert "not a purpose" in refused.output


def test_serve_refuses_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYHUB_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("FAMILYHUB_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    reset_engine()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
        reset_engine()
    assert result.exit_code == 1
    assert "database is empty" in result.output
    assert "familyhub db upgrade" in result.output

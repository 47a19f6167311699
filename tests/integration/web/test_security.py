"""Sessions that end when they should, forged and replayed cookies, CSRF, headers, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from familyhub.access.auth import disable_user, set_password
from familyhub.access.models import User
from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.runs import utcnow
from familyhub.web.app import create_app
from familyhub.web.cookies import SESSION_COOKIE
from familyhub.web.models import WebSession
from familyhub.web.sessions import digest, end_sessions_of_user
from tests.integration.web.support import csrf_of, make_user, sign_in


def _age_session(token: str, **changes: object) -> None:
    with unit_of_work() as session:
        session.execute(
            update(WebSession).where(WebSession.token_digest == digest(token)).values(**changes)
        )


def _refusal_reasons(action: str) -> list[str]:
    with unit_of_work() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action, AuditEvent.decision == "refused")
        )
        return [event.details["reason"] for event in events]


def test_idle_for_30_minutes_ends_the_session(client: TestClient) -> None:
    sign_in(client, make_user("ew.idle"))
    token = client.cookies[SESSION_COOKIE]
    _age_session(token, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/").status_code == 200  # 29 minutes: still fine, and touched
    _age_session(token, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/")
    assert response.headers["location"] == "/sign-in?ended=idle"
    page = client.get(response.headers["location"])
    assert "had not done anything for 30 minutes" in page.text
    assert _refusal_reasons("auth.session") == ["session_idle"]


def test_eight_hours_after_sign_in_the_session_ends_however_busy(client: TestClient) -> None:
    sign_in(client, make_user("ew.busy"))
    token = client.cookies[SESSION_COOKIE]
    _age_session(token, expires_at=utcnow() - timedelta(seconds=1))
    response = client.get("/me")
    assert response.headers["location"] == "/sign-in?ended=expired"
    assert "signed in more than 8 hours ago" in client.get("/sign-in?ended=expired").text


def test_disabling_an_account_ends_its_sessions_at_once(client: TestClient) -> None:
    user = make_user("ew.leaver")
    sign_in(client, user)
    assert client.get("/").status_code == 200
    with unit_of_work() as session:
        disable_user(session, user_id=user.id, by="administrator")
    response = client.get("/")
    assert response.headers["location"] == "/sign-in?ended=disabled"
    assert "Your account has been disabled" in client.get("/sign-in?ended=disabled").text
    assert _refusal_reasons("auth.session") == ["session_disabled"]


def test_changing_the_password_ends_other_sessions(web_env: dict[str, str]) -> None:
    user = make_user("ew.rotate")
    with TestClient(create_app(), base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, user)
        with unit_of_work() as session:
            account = session.get(User, user.id)
            assert account is not None
            set_password(session, user=account, password="a brand new long password")
        assert other.get("/").headers["location"] == "/sign-in?ended=revoked"


def test_a_forged_cookie_is_refused_and_audited(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "forged-not-a-session-we-issued")
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?ended=unknown"
    assert SESSION_COOKIE + '=""' in response.headers["set-cookie"]
    assert _refusal_reasons("auth.session") == ["session_unknown"]


def test_session_cookie_is_host_only_secure_httponly_samesite(client: TestClient) -> None:
    response = client.get("/sign-in")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-familyhub-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_a_form_without_the_right_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client, make_user("ew.csrf"), purpose=None)
    response = client.post("/purpose", data={"purpose": "early_help_support", "csrf_token": "x"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert "nothing was saved" in response.text
    assert client.get("/").headers["location"] == "/purpose"
    assert _refusal_reasons("web.csrf") == ["csrf_token_missing_or_wrong"]
    # Signing in without a session (a form posted from elsewhere) is refused the same way.
    client.cookies.clear()
    assert client.post("/sign-in", data={"username": "a", "password": "b"}).status_code == 403


def test_every_page_sends_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/sign-in")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text  # no inline script at all
    assert 'src="/static/init.js"' in response.text


def test_the_page_is_a_council_service_not_gov_uk(client: TestClient) -> None:
    page = client.get("/sign-in").text
    assert "Northmoor Council" in page
    assert "govuk-generic-header" in page
    assert "GOV.UK" not in page
    assert "crown" not in page.lower()
    assert client.get("/static/vendor/govuk-frontend/govuk-frontend.min.css").status_code == 200
    css = client.get("/static/vendor/govuk-frontend/govuk-frontend.min.css").text
    assert "GDS Transport" not in css


def test_plain_http_is_refused_unless_on_loopback(web_env: dict[str, str]) -> None:
    with TestClient(create_app(), base_url="http://familyhub.example") as plain:
        response = plain.get("/sign-in")
    assert response.status_code == 400
    assert "HTTPS" in response.text


def test_not_found_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.fixture
def failing_client(web_env: dict[str, str]) -> Iterator[TestClient]:
    app: FastAPI = create_app()

    def boom() -> None:
        raise RuntimeError("database said: Jane Synthetic, 1 Test Street")

    app.add_api_route("/boom", boom)
    app.add_api_route("/api/v1/boom", boom)
    with TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False
    ) as test_client:
        yield test_client


def test_an_unexpected_error_shows_a_reference_and_leaks_nothing(
    failing_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = failing_client.get("/boom")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert response.headers["x-request-id"] in response.text
    assert "Jane Synthetic" not in response.text
    assert "RuntimeError" not in response.text
    api = failing_client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json()["error"] == "internal_error"
    assert "Jane" not in api.text
    assert "Jane Synthetic" not in caplog.text


def test_dead_sessions_are_purged_a_day_after_they_expire(client: TestClient) -> None:
    sign_in(client, make_user("ew.first"))
    first = client.cookies[SESSION_COOKIE]
    _age_session(first, expires_at=utcnow() - timedelta(days=2))
    client.cookies.clear()
    sign_in(client, make_user("ew.second"))
    with unit_of_work() as session:
        digests = set(session.scalars(select(WebSession.token_digest)))
    assert digest(first) not in digests
    assert digest(client.cookies[SESSION_COOKIE]) in digests


def test_ending_every_session_of_a_user_signs_them_out_everywhere(client: TestClient) -> None:
    user = make_user("ew.everywhere")
    sign_in(client, user)
    with unit_of_work() as session:
        assert end_sessions_of_user(session, user_id=user.id, reason="administrator") == 1
    assert client.get("/").headers["location"] == "/sign-in?ended=ended"


def test_signing_in_issues_a_new_session_so_a_planted_one_is_useless(client: TestClient) -> None:
    page = client.get("/sign-in")
    planted = client.cookies[SESSION_COOKIE]  # e.g. set by someone else on a shared machine
    user = make_user("ew.fixation")
    client.post(
        "/sign-in",
        data={
            "username": user.username,
            "password": user.password,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert client.cookies[SESSION_COOKIE] != planted
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, planted)
    assert client.get("/").headers["location"] == "/sign-in?ended=ended"

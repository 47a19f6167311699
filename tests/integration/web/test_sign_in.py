"""Signing in with a password, stating a purpose, signing out, and the refusals on the way."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.web.cookies import SESSION_COOKIE
from tests.integration.web.support import csrf_of, make_user, sign_in


def _events(action: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


def test_sign_in_then_purpose_then_home_shows_name_role_and_purpose(client: TestClient) -> None:
    user = make_user("ew.okafor", display_name="Ada Okafor")
    assert client.get("/").headers["location"] == "/sign-in"
    sign_in(client, user, purpose=None)
    # Signed in but no purpose yet: every page asks for one first.
    assert client.get("/").headers["location"] == "/purpose"
    form = client.get("/purpose")
    done = client.post(
        "/purpose", data={"purpose": "early_help_support", "csrf_token": csrf_of(form.text)}
    )
    assert done.status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Ada Okafor" in home.text
    assert "Early help worker" in home.text
    assert 'data-purpose="early_help_support"' in home.text
    assert "Northmoor Council" in home.text
    [signed_in] = _events("auth.sign_in")
    assert signed_in.decision == "allow"
    assert signed_in.actor_username == "ew.okafor"
    [stated] = _events("auth.purpose")
    assert stated.purpose == "early_help_support"


def test_wrong_password_is_refused_with_a_clear_message_and_audited(client: TestClient) -> None:
    user = make_user("hv.patel", roles=("health_visitor",))
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": user.username, "password": "wrong", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 400
    assert "Enter a correct username and password" in response.text
    assert 'class="govuk-error-summary' in response.text
    assert "<title>Error:" in response.text
    unknown = client.post(
        "/sign-in",
        data={"username": "nobody", "password": "x", "csrf_token": csrf_of(response.text)},
    )
    assert "Enter a correct username and password" in unknown.text
    refused = _events("auth.sign_in")
    assert [e.decision for e in refused] == ["refused", "refused"]
    assert [e.details["reason"] for e in refused] == ["wrong_credentials", "wrong_credentials"]


def test_empty_form_lists_each_missing_field(client: TestClient) -> None:
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 400
    assert 'href="#username"' in response.text
    assert "Enter your username" in response.text
    assert 'href="#password"' in response.text
    assert "Enter your password" in response.text


def test_a_purpose_not_in_the_list_is_refused_and_audited(client: TestClient) -> None:
    user = make_user("sw.hughes", roles=("social_worker",))
    sign_in(client, user, purpose=None)
    form = client.get("/purpose")
    response = client.post(
        "/purpose", data={"purpose": "curiosity", "csrf_token": csrf_of(form.text)}
    )
    assert response.status_code == 400
    assert "Select one of the purposes listed" in response.text
    assert client.get("/").headers["location"] == "/purpose"
    [refusal] = _events("auth.purpose")
    assert refusal.decision == "refused"
    assert refusal.details["reason"] == "unknown_purpose"


def test_purpose_is_stated_once_and_changing_it_starts_a_new_session(client: TestClient) -> None:
    user = make_user("sw.reid", roles=("social_worker",))
    sign_in(client, user, purpose="safeguarding")
    old_cookie = client.cookies[SESSION_COOKIE]
    # Posting another purpose to the same session does not change it.
    me = client.get("/me")
    client.post("/purpose", data={"purpose": "direct_care", "csrf_token": csrf_of(me.text)})
    assert 'data-purpose="safeguarding"' in client.get("/").text
    page = client.get("/purpose/change")
    changed = client.post("/purpose/change", data={"csrf_token": csrf_of(page.text)})
    assert changed.headers["location"] == "/purpose"
    assert client.cookies[SESSION_COOKIE] != old_cookie
    form = client.get("/purpose")
    client.post("/purpose", data={"purpose": "direct_care", "csrf_token": csrf_of(form.text)})
    assert 'data-purpose="direct_care"' in client.get("/").text


def test_sign_out_ends_the_session_and_the_old_cookie_is_refused(client: TestClient) -> None:
    user = make_user(
        "dsl.brown",
        roles=("school_dsl",),
        organisation_code="st-mary",
        organisation_name="St Mary's Primary School",
        organisation_kind="school",
    )
    sign_in(client, user)
    cookie = client.cookies[SESSION_COOKIE]
    home = client.get("/")
    out = client.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
    assert out.headers["location"] == "/signed-out"
    assert SESSION_COOKIE not in client.cookies
    # Replaying the old cookie after sign-out is refused.
    client.cookies.set(SESSION_COOKIE, cookie)
    replay = client.get("/")
    assert replay.status_code == 303
    assert replay.headers["location"] == "/sign-in?ended=ended"
    client.cookies.clear()
    page = client.get("/sign-in?ended=ended")
    assert "You signed out, or your session was ended" in page.text
    refusals = [e for e in _events("auth.session") if e.decision == "refused"]
    assert refusals
    assert refusals[-1].details["reason"] == "session_ended"


def test_only_purposes_the_policies_let_the_role_use_are_offered(client: TestClient) -> None:
    planner = make_user("pl.ahmed", roles=("planner",), organisation_code="insight")
    sign_in(client, planner, purpose=None)
    form = client.get("/purpose")
    assert 'value="statistics"' in form.text
    assert 'value="safeguarding"' not in form.text
    refused = client.post(
        "/purpose", data={"purpose": "safeguarding", "csrf_token": csrf_of(form.text)}
    )
    assert refused.status_code == 400
    assert "Select one of the purposes listed" in refused.text
    [event] = _events("auth.purpose")
    assert event.details["reason"] == "purpose_not_for_role"


def test_repeated_wrong_passwords_pause_sign_in_for_that_username(client: TestClient) -> None:
    user = make_user("ew.target")
    other = make_user("ew.bystander")
    page = client.get("/sign-in")
    for _ in range(5):
        page = client.post(
            "/sign-in",
            data={"username": "EW.Target", "password": "guess", "csrf_token": csrf_of(page.text)},
        )
        assert "Enter a correct username and password" in page.text
    # Even the right password is refused now, saying why and what to do.
    paused = client.post(
        "/sign-in",
        data={
            "username": user.username,
            "password": user.password,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert paused.status_code == 400
    assert "too many attempts to sign in with this username" in paused.text
    assert _events("auth.sign_in")[-1].details["reason"] == "too_many_attempts"
    # Other people are not affected.
    assert sign_in(client, other).status_code == 303

"""How a domain's page or API endpoint asks the decision point: refusals shown and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.responses import PlainTextResponse

from familyhub.access.service import authorize
from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.web import navigation
from familyhub.web.app import create_app
from familyhub.web.deps import ApiVisit, CurrentVisit, html_router
from familyhub.web.guard import require_service_action
from tests.integration.web.support import make_user, sign_in


@pytest.fixture
def guarded(web_env: dict[str, str]) -> Iterator[TestClient]:
    """The app plus two routes written the way domain pages will be."""
    app = create_app()
    pages = html_router()

    @pages.get("/audit-review")
    def audit_review(visit: CurrentVisit) -> PlainTextResponse:
        require_service_action(visit, "review_audit")
        return PlainTextResponse("the audit")

    # Paths of their own: the real /people/{id} pages (web.practitioner) come first.
    @pages.get("/guard-example/people/{person_id}")
    def person_page(visit: CurrentVisit, person_id: str) -> PlainTextResponse:
        authorize(
            visit.db,
            user=visit.user,
            action="view",
            purpose=visit.purpose or "",
            request_id=visit.request_id,
            person_id=person_id,
        )
        return PlainTextResponse("the person")

    api = APIRouter(prefix="/api/v1")

    @api.get("/guard-example/people/{person_id}")
    def person_api(visit: ApiVisit, person_id: str) -> dict[str, str]:
        authorize(
            visit.db,
            user=visit.user,
            action="view",
            purpose=visit.purpose or "",
            request_id=visit.request_id,
            person_id=person_id,
        )
        return {"person": person_id}

    @api.post("/notes")
    def add_note(visit: ApiVisit) -> dict[str, str]:
        return {"added_by": visit.viewer.username}

    app.include_router(pages)
    app.include_router(api)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _events(action: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_service_screen_is_refused_with_the_policy_reason_and_audited(
    guarded: TestClient,
) -> None:
    sign_in(guarded, make_user("ew.curious"))
    response = guarded.get("/audit-review")
    assert response.status_code == 403
    assert "You cannot use this part of the service" in response.text
    assert "deny by default" in response.text
    [event] = _events("service.review_audit")
    assert event.decision == "deny"
    assert event.policy_ids == ["default.deny"]
    assert event.purpose == "early_help_support"


def test_the_same_screen_is_open_to_information_governance(guarded: TestClient) -> None:
    ig = make_user("ig.officer", roles=("information_governance_officer",))
    sign_in(guarded, ig, purpose="information_governance")
    assert guarded.get("/audit-review").text == "the audit"


def test_a_person_refused_on_the_page_and_the_api_alike(guarded: TestClient) -> None:
    sign_in(guarded, make_user("ew.stranger"))
    page = guarded.get("/guard-example/people/P0000001")
    assert page.status_code == 403
    assert "You do not have access to this" in page.text
    api = guarded.get("/api/v1/guard-example/people/P0000001")
    assert api.status_code == 403
    assert api.json()["error"] == "forbidden"
    assert api.json()["message"].startswith("You do not have access to this")
    events = _events("person.view")
    assert [e.decision for e in events] == ["deny", "deny"]
    assert all(e.records == ["person:P0000001"] for e in events)


def test_home_lists_what_the_decision_point_allows(
    guarded: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    review = navigation.Destination(
        title="Review possible matches",
        href="/review",
        description="Decide whether two records are the same person.",
        service_action="manage_data",
    )
    monkeypatch.setitem(navigation._destinations, review.href, review)
    sign_in(guarded, make_user("dt.ng", roles=("data_team",)), purpose="data_quality")
    assert "Review possible matches" in guarded.get("/").text
    guarded.cookies.clear()
    sign_in(guarded, make_user("ew.other"))
    assert "Review possible matches" not in guarded.get("/").text


def test_api_writes_from_the_browser_session_need_the_csrf_header(guarded: TestClient) -> None:
    sign_in(guarded, make_user("ew.writer"))
    assert guarded.post("/api/v1/notes").status_code == 403
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', guarded.get("/").text)
    assert token is not None
    response = guarded.post("/api/v1/notes", headers={"X-CSRF-Token": token.group(1)})
    assert response.json() == {"added_by": "ew.writer"}
    [refusal] = _events("web.csrf")
    assert refusal.decision == "refused"

"""Pages and the API answer an id the user may not see exactly as an id that names no one, so
nobody can probe which people and families exist; each attempt is audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work

from .conftest import Family
from .test_api import token_for

REQUEST_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f-]{36}")


def _same_page(first: str, second: str) -> bool:
    """Equal but for the request ids every page carries."""
    return REQUEST_ID.sub("ID", first) == REQUEST_ID.sub("ID", second)


def _audited() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_sealed_person_and_an_unknown_id_look_the_same_to_a_health_visitor(
    client: TestClient, family: Family
) -> None:
    family.sign_in(client, "health_visitor")
    before = _audited()
    sealed = client.get(f"/people/{family.sealed_sibling}")
    unknown = client.get("/people/P0000000000000000000000000000000")
    assert sealed.status_code == unknown.status_code == 404
    assert "There is no person with this id" in sealed.text
    assert _same_page(sealed.text, unknown.text)
    assert _audited() == before + 2


def test_a_planner_is_refused_alike_for_a_real_and_an_unknown_person_or_family(
    client: TestClient, family: Family
) -> None:
    family.sign_in(client, "planner")
    pages = {
        "person": client.get(f"/people/{family.child}"),
        "unknown person": client.get("/people/P0000000000000000000000000000000"),
        "family": client.get(f"/families/{family.family_id}"),
        "unknown family": client.get("/families/F0000000000000000000000000000000"),
    }
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 403)
    assert _same_page(pages["person"].text, pages["unknown person"].text)
    assert _same_page(pages["family"].text, pages["unknown family"].text)


def test_the_api_answers_alike_for_a_person_it_may_not_see_and_an_unknown_id(
    client: TestClient, family: Family
) -> None:
    visitor = token_for(family, "health_visitor")
    sealed = client.get(f"/api/v1/people/{family.sealed_sibling}", headers=visitor)
    unknown = client.get("/api/v1/people/P0000000000000000000000000000000", headers=visitor)
    assert sealed.status_code == unknown.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(sealed.json()) == strip(unknown.json())
    planner = token_for(family, "planner")
    for real, made_up in (
        (f"/api/v1/people/{family.child}", "/api/v1/people/P0000000000000000000000000000000"),
        (f"/api/v1/families/{family.family_id}", "/api/v1/families/F0000000000000000000000000"),
    ):
        refused, missing = client.get(real, headers=planner), client.get(made_up, headers=planner)
        assert refused.status_code == missing.status_code == 403
        assert strip(refused.json()) == strip(missing.json())


def test_actions_answer_alike_for_a_subject_the_user_may_not_see_and_an_unknown_id(
    client: TestClient, family: Family
) -> None:
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    join = {"kind": "team_member", "service": None}
    visitor = token_for(family, "health_visitor")
    sealed = client.post(
        f"/api/v1/people/{family.sealed_sibling}/involvements", json=join, headers=visitor
    )
    unknown = client.post(
        "/api/v1/people/P0000000000000000000000000000000/involvements", json=join, headers=visitor
    )
    assert sealed.status_code == unknown.status_code == 404
    assert strip(sealed.json()) == strip(unknown.json())
    planner = token_for(family, "planner")
    before = _audited()
    real = client.post(f"/api/v1/people/{family.child}/involvements", json=join, headers=planner)
    made_up = client.post(
        "/api/v1/people/P0000000000000000000000000000000/involvements", json=join, headers=planner
    )
    assert real.status_code == made_up.status_code == 403
    assert strip(real.json()) == strip(made_up.json())
    assert _audited() == before + 2

"""``/api/v1`` for practitioners: the same decisions and audit as the pages, as JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from familyhub.access.models import User
from familyhub.audit.models import AuditEvent
from familyhub.casework.models import Referral
from familyhub.db import unit_of_work
from familyhub.web.tokens import issue_api_token

from .conftest import Family

POLICE = "Domestic abuse incident at home"
HEALTH = "Health visitor home visit: weight checked"


def token_for(family: Family, role: str, purpose: str | None = None) -> dict[str, str]:
    with unit_of_work() as session:
        user = session.get(User, family.users[role].id)
        assert user is not None
        token = issue_api_token(
            session, user=user, purpose=purpose or family.purposes[role], label="test"
        ).token
    return {"Authorization": f"Bearer {token}"}


def events() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_search_then_person_and_family_as_json_one_audit_event_each(
    client: TestClient, family: Family
) -> None:
    headers = token_for(family, "health_visitor")
    before = events()
    found = client.post("/api/v1/search", json={"name": f"Mason {family.surname}"}, headers=headers)
    assert found.status_code == 200, found.text
    results = found.json()["results"]
    assert [r["identity"]["person_id"] for r in results] == [family.child]
    assert results[0]["lead_practitioners"][0]["service"] == "Northshire Early Help"
    person = client.get(f"/api/v1/people/{family.child}", headers=headers).json()
    assert person["level"] == "full"
    assert person["who_is_working"]["lead_practitioners"]
    descriptions = {item["description"] for item in person["chronology"]["items"]}
    assert HEALTH in descriptions
    assert POLICE not in descriptions
    assert any("criminal offence" in h["sentence"] for h in person["hidden"])
    fam = client.get(f"/api/v1/families/{family.family_id}", headers=headers)
    assert fam.status_code == 200
    assert fam.json()["consent"]["state"] == "given"
    assert events() == before + 3


def test_refusals_and_bad_input_are_clear_json(client: TestClient, family: Family) -> None:
    planner = token_for(family, "planner")
    refused = client.get(f"/api/v1/people/{family.child}", headers=planner)
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    headers = token_for(family, "social_worker")
    missing = client.get("/api/v1/families/F-nobody", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    bad = client.post("/api/v1/search", json={"nhs_number": "123"}, headers=headers)
    assert bad.status_code == 400
    assert "not a valid NHS number" in bad.json()["message"]
    assert client.get(f"/api/v1/people/{family.child}").status_code == 401


def test_casework_actions_through_the_api(client: TestClient, family: Family) -> None:
    dsl = token_for(family, "school_dsl")
    sent = client.post(
        f"/api/v1/families/{family.family_id}/referrals",
        json={
            "kind": "mash_referral",
            "reason": "Bruising seen",
            "consent_at_referral": "not_sought",
        },
        headers=dsl,
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["reference"].startswith("referral:")
    with unit_of_work() as session:
        referral = session.scalars(select(Referral)).one()
        assert referral.receiving_service == "MASH"

    lead = token_for(family, "early_help_worker")
    withdrawn = client.post(
        f"/api/v1/families/{family.family_id}/consent",
        json={"state": "withdrawn", "evidence": "Mother phoned to withdraw consent"},
        headers=lead,
    )
    assert withdrawn.status_code == 201, withdrawn.text
    # The health visitor's very next view no longer shows health records.
    hv = token_for(family, "health_visitor")
    person = client.get(f"/api/v1/people/{family.child}", headers=hv).json()
    shown = {item["description"] for item in (person["chronology"] or {"items": []})["items"]}
    assert HEALTH not in shown

    social = token_for(family, "social_worker")
    joined = client.post(
        f"/api/v1/families/{family.family_id}/involvements",
        json={"kind": "lead_practitioner", "service": "Children's social care"},
        headers=social,
    )
    assert joined.status_code == 201, joined.text
    view = client.get(f"/api/v1/families/{family.family_id}", headers=social).json()
    leads = [p["name"] for p in view["who_is_working"]["lead_practitioners"]]
    assert family.users["social_worker"].display_name in leads

    short = client.post(
        f"/api/v1/families/{family.family_id}/break-glass",
        json={"justification": "urgent"},
        headers=token_for(family, "health_visitor", "safeguarding"),
    )
    assert short.status_code == 400
    assert "justification" in short.json()["message"]

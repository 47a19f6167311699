"""A request for support lands with the service that receives it: its workers see it on
/referrals and acknowledge or accept it; others cannot open that inbox; all audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.access.models import Organisation, User
from familyhub.audit.models import AuditEvent
from familyhub.casework.models import Referral
from familyhub.db import unit_of_work
from tests.integration.web.support import csrf_of

from .conftest import Family
from .test_api import token_for

REASON = "Attendance has fallen to 84% and mother asked for help with routines."


def _early_help_receives_requests(family: Family) -> None:
    """As a council sets it up: early help receives requests for support."""
    with unit_of_work() as session:
        worker = session.scalar(
            select(User).where(User.username == family.users["early_help_worker"].username)
        )
        assert worker is not None
        organisation = session.get(Organisation, worker.organisation_id)
        assert organisation is not None
        organisation.receives_referrals = ["request_for_support"]


def _send_request(client: TestClient, family: Family) -> int:
    family.sign_in(client, "school_dsl")
    path = f"/families/{family.family_id}/request-support"
    form = client.get(path)
    sent = client.post(
        path,
        data={"csrf_token": csrf_of(form.text), "reason": REASON, "consent_at_referral": "given"},
    )
    assert sent.status_code == 303
    client.cookies.clear()
    with unit_of_work() as session:
        referral = session.scalars(
            select(Referral).where(Referral.family_id == family.family_id)
        ).one()
        return referral.id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _last_event() -> AuditEvent:
    with unit_of_work() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        session.expunge(event)
        return event


def test_a_request_for_support_lands_with_early_help_who_accept_it(
    client: TestClient, family: Family
) -> None:
    _early_help_receives_requests(family)
    referral_id = _send_request(client, family)

    family.sign_in(client, "early_help_worker")
    home = client.get("/")
    assert 'href="/referrals"' in home.text
    page = client.get("/referrals")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"Request for support {referral_id}" in text
    assert REASON in text
    assert "Received" in text
    assert "Acknowledge and start screening" in text
    listed = _last_event()
    assert (listed.action, listed.decision) == ("referral.inbox", "allow")
    assert f"referral:{referral_id}" in listed.records
    assert f"family:{family.family_id}" in listed.records

    moved = client.post(
        f"/referrals/{referral_id}",
        data={"csrf_token": csrf_of(page.text), "to_state": "passed_to_early_help"},
    )
    assert moved.status_code == 303
    step = _last_event()
    assert (step.action, step.decision) == ("referral.change", "allow")
    after = _text(client.get(moved.headers["location"]).text)
    assert "The referral is now: With early help." in after
    with unit_of_work() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        assert referral.state == "passed_to_early_help"


def test_a_step_the_referral_cannot_take_is_explained(client: TestClient, family: Family) -> None:
    _early_help_receives_requests(family)
    referral_id = _send_request(client, family)
    family.sign_in(client, "early_help_worker")
    page = client.get("/referrals")
    closed = client.post(
        f"/referrals/{referral_id}", data={"csrf_token": csrf_of(page.text), "to_state": "closed"}
    )
    assert closed.status_code == 400
    assert "cannot become closed" in _text(closed.text)
    without_token = client.post(f"/referrals/{referral_id}", data={"to_state": "screening"})
    assert without_token.status_code == 403
    with unit_of_work() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        assert referral.state == "received"


def test_only_the_receiving_service_opens_its_inbox(client: TestClient, family: Family) -> None:
    _early_help_receives_requests(family)
    _send_request(client, family)
    family.sign_in(client, "health_visitor")
    refused = client.get("/referrals")
    assert refused.status_code == 403
    assert (_last_event().action, _last_event().decision) == ("referral.inbox", "deny")
    client.cookies.clear()
    # The MASH officer's own service (the police) has an inbox, but not early help's.
    family.sign_in(client, "mash_police_officer")
    page = client.get("/referrals")
    assert page.status_code == 200
    assert "There are no open referrals for your service" in _text(page.text)
    assert REASON not in page.text


def test_the_inbox_through_the_api(client: TestClient, family: Family) -> None:
    _early_help_receives_requests(family)
    referral_id = _send_request(client, family)
    early_help = token_for(family, "early_help_worker")
    listed = client.get("/api/v1/referrals", headers=early_help)
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["referral_id"], i["reason"], i["state"]) for i in items] == [
        (referral_id, REASON, "received")
    ]
    assert [m["to_state"] for m in items[0]["moves"]] == [
        "screening", "passed_to_early_help", "no_further_action"
    ]  # fmt: skip
    moved = client.post(
        f"/api/v1/referrals/{referral_id}/state", json={"to_state": "screening"}, headers=early_help
    )
    assert moved.status_code == 201
    assert moved.json()["message"] == "The referral is now: Being screened."
    # A number the database cannot hold is refused as input, not a server error.
    too_big = client.post(
        "/api/v1/referrals/906161883012669568/state",
        json={"to_state": "closed"},
        headers=early_help,
    )
    assert too_big.status_code == 422
    visitor = token_for(family, "health_visitor")
    assert client.get("/api/v1/referrals", headers=visitor).status_code == 403
    refused = client.post(
        f"/api/v1/referrals/{referral_id}/state", json={"to_state": "closed"}, headers=visitor
    )
    # Refused as someone who may not manage it, not told which steps it can take (its state).
    assert refused.status_code == 403
    assert "screening" not in refused.text
    assert (_last_event().action, _last_event().decision) == ("referral.change", "deny")
    with unit_of_work() as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        assert referral.state == "screening"

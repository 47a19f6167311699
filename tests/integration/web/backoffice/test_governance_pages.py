"""Information governance: an alert raised by break-glass, reviewed and closed; the log
verified and searched without personal data in the address; who viewed a record; rights
requests by deadline; the privacy notice from the configuration."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from familyhub.access.auth import find_user
from familyhub.audit.models import AuditAlert
from familyhub.db import unit_of_work
from familyhub.linkage.models import Person
from familyhub.rights.requests import register_request
from familyhub.singleview.service import break_glass
from tests.integration.web.backoffice import scenario
from tests.integration.web.support import csrf_of, make_user, sign_in


def _break_glass(person_id: str) -> None:
    """A health visitor's override for a person who exists (an override for an id that
    names no one is answered as not found, like any request for it)."""
    with unit_of_work() as session:
        session.add(
            Person(id=person_id, status="active", given_name="Tobi", family_name="Adeyemi",
                   record_count=1)
        )  # fmt: skip
    make_user("hv.jones", roles=("health_visitor",), organisation_code="northmoor-nhs",
              organisation_name="Northmoor NHS Trust", organisation_kind="nhs_trust")  # fmt: skip
    with unit_of_work() as session:
        health_visitor = find_user(session, username="hv.jones")
        assert health_visitor is not None
        break_glass(
            session,
            user=health_visitor,
            purpose="safeguarding",
            justification="Child seen with injuries, parent not answering",
            person_id=person_id,
        )


def test_ig_reviews_a_break_glass_alert_and_closes_it_with_a_note(
    client: TestClient, web_env: dict[str, str]
) -> None:
    person_id = scenario.new_id()
    _break_glass(person_id)
    ig, purpose = scenario.user("ig", "ig.morris")
    sign_in(client, ig, purpose=purpose)

    alerts = client.get("/governance/alerts")
    assert "hv.jones used break-glass: Child seen with injuries" in alerts.text
    with unit_of_work() as session:
        alert_id = session.query(AuditAlert).one().id
    page = client.get(f"/governance/alerts/{alert_id}")
    assert "Justification given" in page.text
    assert f"/governance/people/{person_id}/viewed" in page.text
    assert "To review" in client.get("/governance/break-glass").text

    empty = client.post(
        f"/governance/alerts/{alert_id}/close", data={"note": " ", "csrf_token": csrf_of(page.text)}
    )
    assert empty.status_code == 400
    assert "Enter a review note" in empty.text
    closed = client.post(
        f"/governance/alerts/{alert_id}/close",
        data={"note": "Manager confirmed the visit.", "csrf_token": csrf_of(page.text)},
    )
    assert closed.status_code == 303
    with unit_of_work() as session:
        alert = session.get(AuditAlert, alert_id)
        assert alert is not None
        assert (alert.status, alert.review_note) == ("closed", "Manager confirmed the visit.")
    assert "There are no open alerts" in client.get("/governance/alerts").text
    reviews = client.get("/governance/break-glass").text
    assert "Reviewed" in reviews
    assert "Manager confirmed the visit." in reviews
    assert scenario.events("alert.close")[-1].actor_username == "ig.morris"


def test_ig_verifies_the_log_and_searches_it_by_post(
    client: TestClient, web_env: dict[str, str]
) -> None:
    person_id = scenario.new_id()
    _break_glass(person_id)
    ig, purpose = scenario.user("ig")
    sign_in(client, ig, purpose=purpose)
    form = client.get("/governance/audit")
    verified = client.post("/governance/audit/verify", data={"csrf_token": csrf_of(form.text)})
    assert "The audit log is intact" in verified.text
    assert scenario.events("audit.verify")[-1].details["ok"] is True

    found = client.post(
        "/governance/audit", data={"person_id": person_id, "csrf_token": csrf_of(form.text)}
    )
    assert found.status_code == 200
    assert "access.break_glass" in found.text
    assert "1 event found" in found.text
    by_user = client.post(
        "/governance/audit",
        data={"username": "HV.JONES", "action": "access.break_glass",
              "start": date.today().isoformat(), "csrf_token": csrf_of(form.text)},
    )  # fmt: skip
    assert "1 event found" in by_user.text
    later = (date.today() + timedelta(days=1)).isoformat()
    nothing = client.post(
        "/governance/audit",
        data={"username": "hv.jones", "start": later, "csrf_token": csrf_of(form.text)},
    )
    assert "0 events found" in nothing.text
    wrong = client.post(
        "/governance/audit", data={"start": "31/02/2026", "csrf_token": csrf_of(form.text)}
    )
    assert wrong.status_code == 400
    assert "From must be a real date" in wrong.text
    # The search is audited; the person id is a record of the event, not in any address.
    assert scenario.events("audit.search")[0].records == [f"person:{person_id}"]

    lookup = client.post(
        "/governance/who-viewed", data={"person_id": person_id, "csrf_token": csrf_of(form.text)}
    )
    assert lookup.status_code == 303
    viewed = client.get(lookup.headers["location"])
    assert "used the safeguarding override (break-glass)" in viewed.text
    assert "hv.jones" in viewed.text


def test_ig_sees_rights_requests_by_deadline_and_the_notice(
    client: TestClient, web_env: dict[str, str]
) -> None:
    person_id = scenario.new_id()
    with unit_of_work() as session:
        for kind, received in (("access", date.today() - timedelta(days=60)),
                               ("erasure", date.today() - timedelta(days=2))):  # fmt: skip
            register_request(
                session, kind=kind, requester="A Parent", received_on=received,
                identity_checked_on=received, subject_details={"given_name": "Ava"},
                actor="test", person_id=person_id, requester_relationship="parent",
            )  # fmt: skip
    ig, purpose = scenario.user("ig")
    sign_in(client, ig, purpose=purpose)
    rights = client.get("/governance/rights")
    assert rights.status_code == 200
    overdue = rights.text.split('id="overdue"')[1].split('id="due-soon"')[0]
    assert "Subject access" in overdue
    assert "days late" in overdue
    still_open = rights.text.split('id="open"')[1].split('id="awaiting-identity"')[0]
    assert "Erasure" in still_open

    notice = client.get("/governance/notice")
    assert notice.status_code == 200
    assert "Data Protection Officer" in notice.text
    assert "Your rights and how to use them" in notice.text
    assert "Sharing agreements" in notice.text
    markdown = client.get("/governance/notice/privacy-notice.md")
    assert markdown.headers["content-disposition"] == 'attachment; filename="privacy-notice.md"'
    assert markdown.text.startswith("# Privacy notice")


def test_other_roles_cannot_reach_governance(client: TestClient, web_env: dict[str, str]) -> None:
    data, purpose = scenario.user("data")
    sign_in(client, data, purpose=purpose)
    for path in ("/governance/alerts", "/governance/audit", "/governance/rights",
                 "/governance/notice", "/governance/break-glass"):  # fmt: skip
        assert client.get(path).status_code == 403

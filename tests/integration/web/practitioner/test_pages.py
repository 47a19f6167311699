"""The practitioner's pages in process: search, the single view per role, and the actions.

What a practitioner would notice: who is working with the family comes first, what each role
may see and what is hidden and why, errors shown on the form, and an action's effect on the
very next page.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.audit.alerts import open_alerts
from familyhub.casework.models import Referral
from familyhub.db import unit_of_work
from familyhub.linkage.models import Person
from tests.integration.web.support import PASSWORD, TestUser, csrf_of, make_user, sign_in

from .conftest import Family

POLICE = "Domestic abuse incident at home"
HEALTH = "Health visitor home visit: weight checked"
SCHOOL = "Summer term: attendance 84%"


def text_of(html: str) -> str:
    main = html.split('id="main-content"', 1)[-1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split()).replace(" ,", ",")


def search(client: TestClient, **fields: str) -> tuple[int, str]:
    form = client.get("/search")
    assert form.status_code == 200
    response = client.post("/search", data={**fields, "csrf_token": csrf_of(form.text)})
    return response.status_code, response.text


def test_search_finds_by_nickname_and_shows_who_to_contact(
    client: TestClient, family: Family
) -> None:
    with unit_of_work() as session:
        mother = session.get(Person, family.mother)
        assert mother is not None
        mother.given_name = "Elizabeth"
    family.sign_in(client, "school_dsl")
    status, html = search(client, name=f"Liz {family.surname}")
    assert status == 200
    text = text_of(html)
    assert f"Elizabeth {family.surname}" in text
    assert "1994" in text
    assert "NS3 7" in text
    assert "03/08/1994" not in text
    assert "NS3 7QD" not in text
    lead = family.users["early_help_worker"].display_name
    assert f"Lead practitioner: {lead}, Northshire Early Help, 01632 960200" in text
    assert f'href="/people/{family.mother}"' in html


def test_search_says_what_is_wrong_on_the_form(client: TestClient, family: Family) -> None:
    family.sign_in(client, "health_visitor")
    status, html = search(client)
    assert status == 400
    assert "There is a problem" in html
    assert 'href="#name"' in html
    assert "Enter a name, date of birth, NHS number or postcode" in html
    status, html = search(client, nhs_number="123")
    assert status == 400
    assert "is not a valid NHS number" in text_of(html)
    assert 'value="123"' in html  # what was typed is kept


def test_family_view_puts_who_is_working_first_and_hides_by_role(
    client: TestClient, family: Family
) -> None:
    family.sign_in(client, "school_dsl")
    response = client.get(f"/families/{family.family_id}")
    assert response.status_code == 200
    text = text_of(response.text)
    lead = family.users["early_help_worker"].display_name
    who = text.index("Who is working with this family")
    assert who < text.index("What is hidden from you and why") < text.index("Chronology")
    assert text.index(f"Lead practitioner: {lead}") < text.index("Also working with")
    assert "Your access was recorded in the audit log" in text
    assert SCHOOL in text
    assert HEALTH not in text
    assert POLICE not in text
    assert "health records hidden: not shared with your role" in text
    assert "criminal offence records hidden: not shared with your role" in text
    assert "Lily" not in text  # the sealed sibling is not even counted
    assert "Getting a good education" in text or "education" in text.lower()

    client.post("/sign-out", data={"csrf_token": csrf_of(response.text)})
    family.sign_in(client, "mash_police_officer")
    text = text_of(client.get(f"/families/{family.family_id}").text)
    assert POLICE in text
    assert HEALTH in text
    assert "What is hidden from you" not in text


def test_chronology_filters_by_category(client: TestClient, family: Family) -> None:
    family.sign_in(client, "social_worker")
    text = text_of(client.get(f"/people/{family.child}", params={"category": "health"}).text)
    chronology = text[text.index("Chronology across agencies") : text.index("Needs")]
    assert HEALTH in chronology
    assert SCHOOL not in chronology


def test_a_stranger_sees_minimal_identity_and_why(client: TestClient, family: Family) -> None:
    make_user("ehw.stranger", roles=("early_help_worker",))
    sign_in(client, _user("ehw.stranger"), purpose="early_help_support")
    response = client.get(f"/people/{family.child}")
    assert response.status_code == 200
    text = text_of(response.text)
    assert f"Mason {family.surname}" in text
    assert "Full view hidden: needs a current involvement with the family" in text
    assert "Chronology" not in text
    assert SCHOOL not in text
    assert "Join the team around the family" in text


def _user(username: str) -> TestUser:
    """A user made with ``make_user`` (the default password), to sign in as."""
    return TestUser(id=0, username=username, password=PASSWORD, display_name="", roles=())


def test_an_unknown_id_is_not_found(client: TestClient, family: Family) -> None:
    family.sign_in(client, "social_worker")
    response = client.get("/people/P-no-such-person")
    assert response.status_code == 404
    assert "There is no person with this id" in response.text


def test_request_for_support_validates_then_lands_with_early_help(
    client: TestClient, family: Family
) -> None:
    family.sign_in(client, "school_dsl")
    path = f"/families/{family.family_id}/request-support"
    form = client.get(path)
    assert form.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_of(form.text)})
    assert response.status_code == 400
    assert 'href="#reason"' in response.text
    assert 'href="#consent_at_referral"' in response.text
    response = client.post(
        path,
        data={
            "csrf_token": csrf_of(form.text),
            "reason": "Attendance has fallen to 84% and mother asked for help with routines.",
            "consent_at_referral": "given",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == (f"/families/{family.family_id}?done=request_support")
    page = client.get(response.headers["location"])
    assert "sent to early help" in text_of(page.text)
    with unit_of_work() as session:
        referral = session.scalars(
            select(Referral).where(Referral.family_id == family.family_id)
        ).one()
        assert (referral.receiving_service, referral.state) == ("Early help", "received")


def test_an_action_without_the_forms_token_is_refused(client: TestClient, family: Family) -> None:
    family.sign_in(client, "school_dsl")
    response = client.post(
        f"/families/{family.family_id}/mash-referral",
        data={"reason": "concern", "consent_at_referral": "not_sought"},
    )
    assert response.status_code == 403
    with unit_of_work() as session:
        assert not session.scalars(select(Referral)).all()


def test_break_glass_needs_a_justification_then_opens_the_record_and_alerts_ig(
    client: TestClient, family: Family
) -> None:
    make_user("hv.urgent", roles=("health_visitor",))
    sign_in(client, _user("hv.urgent"), purpose="safeguarding")
    view = client.get(f"/families/{family.family_id}")
    assert "Use the safeguarding override" in view.text
    assert HEALTH not in text_of(view.text)
    path = f"/families/{family.family_id}/break-glass"
    form = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_of(form.text), "justification": "now"})
    assert response.status_code == 400
    assert "at least 3 words" in text_of(response.text)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_of(form.text),
            "justification": "Child disclosed injuries at clinic; history needed for strategy call",
        },
    )
    assert response.status_code == 303
    text = text_of(client.get(response.headers["location"]).text)
    assert "Safeguarding override in force for 60 minutes" in text
    assert HEALTH in text
    with unit_of_work() as session:
        alerts = open_alerts(session, kind="break_glass")
        assert len(alerts) == 1


def test_joining_the_team_opens_the_record_on_the_next_page(
    client: TestClient, family: Family
) -> None:
    make_user("ehw.joining", roles=("early_help_worker",))
    sign_in(client, _user("ehw.joining"), purpose="early_help_support")
    path = f"/people/{family.child}/join-team"
    form = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_of(form.text), "service": ""})
    assert response.status_code == 303
    text = text_of(client.get(response.headers["location"]).text)
    assert "You are now in the team around the family" in text
    assert SCHOOL in text


def test_a_view_is_audited_and_committed_before_its_page_is_rendered(
    client: TestClient, family: Family, monkeypatch
) -> None:
    """The audit chain's lock is held until commit: rendering a page while holding it made
    every other practitioner's view wait. When the page renders, its audit event is already
    committed (another connection sees it)."""
    from familyhub.audit.models import AuditEvent
    from familyhub.web.practitioner import pages

    seen_while_rendering: list[tuple[str, set[str]]] = []
    render = pages.render

    def checking_render(*args, **kwargs):
        with unit_of_work() as other:
            last = other.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
            seen_while_rendering.append((last.action, set(last.records)))
        return render(*args, **kwargs)

    family.sign_in(client, "mash_police_officer")
    monkeypatch.setattr(pages, "render", checking_render)
    assert client.get(f"/people/{family.child}").status_code == 200
    assert client.get(f"/families/{family.family_id}").status_code == 200
    [(person, person_refs), (family_view, family_refs)] = seen_while_rendering
    assert (person, family_view) == ("person.view", "family.view")
    assert f"person:{family.child}" in person_refs
    assert f"person:{family.mother}" in family_refs

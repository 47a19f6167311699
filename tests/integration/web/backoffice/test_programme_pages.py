"""The programme team's pages: eligible families as advice, needs decided with a reason,
episodes, and an outcome claim with its evidence pack."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.db import unit_of_work
from familyhub.outcomes.claims import PACK_COLUMNS
from familyhub.outcomes.models import NeedDecision, OutcomeClaim
from tests.integration.web.backoffice import scenario
from tests.integration.web.support import csrf_of, sign_in


def _decide(client: TestClient, family_id: str, need: str, decision: str, reason: str):
    page = client.get(f"/programme/families/{family_id}")
    return client.post(
        f"/programme/families/{family_id}/needs/{need}",
        data={"decision": decision, "reason": reason, "csrf_token": csrf_of(page.text)},
    )


def test_programme_team_reads_the_evidence_and_confirms_or_dismisses_each_need(
    client: TestClient, web_env: dict[str, str]
) -> None:
    family_id, _ = scenario.eligible_family()
    programme, purpose = scenario.user("programme", "sf.khan")
    sign_in(client, programme, purpose=purpose)

    listing = client.get("/programme/families")
    assert listing.status_code == 200
    assert "This is advice, not a decision" in listing.text
    assert f"/programme/families/{family_id}" in listing.text
    assert scenario.events("programme.families")[-1].records == [f"family:{family_id}"]

    page = client.get(f"/programme/families/{family_id}")
    assert "Attendance 84% in the autumn term, from the school census" in page.text
    assert "Rent arrears of 8 weeks" in page.text
    # Police evidence is criminal offence data: counted, never shown to the programme team.
    assert "Domestic abuse incident" not in page.text
    assert "1 more piece of evidence is not shown to you" in page.text
    assert "Child, " in page.text
    assert "Not yet decided" in page.text

    too_short = _decide(client, family_id, "housing", "confirmed", "yes")
    assert too_short.status_code == 400
    assert "Enter why, in a few words" in too_short.text

    assert (
        _decide(client, family_id, "housing", "confirmed", "Arrears confirmed").status_code == 303
    )
    dismissed = _decide(client, family_id, "education", "dismissed", "Authorised illness absence")
    assert dismissed.status_code == 303
    with unit_of_work() as session:
        decisions = {
            d.need: (d.decision, d.decided_by, d.reason)
            for d in session.scalars(select(NeedDecision))
        }
    assert decisions == {
        "housing": ("confirmed", "sf.khan", "Arrears confirmed"),
        "education": ("dismissed", "sf.khan", "Authorised illness absence"),
    }
    assert scenario.events("need.decide")[-1].records == [f"family:{family_id}"]
    shown = client.get(f"/programme/families/{family_id}").text
    assert "Confirmed by sf.khan" in shown
    assert "Dismissed by sf.khan" in shown


def test_a_sustained_outcome_is_claimed_once_with_its_evidence_pack(
    client: TestClient, web_env: dict[str, str]
) -> None:
    family_id, _ = scenario.eligible_family(evidence_on=date(2024, 1, 10))
    programme, purpose = scenario.user("programme")
    sign_in(client, programme, purpose=purpose)
    for need in ("education", "housing", "financial_stability", "domestic_abuse"):
        assert (
            _decide(client, family_id, need, "confirmed", "Checked with the family").status_code
            == 303
        )

    page = client.get(f"/programme/families/{family_id}")
    opened = client.post(
        f"/programme/families/{family_id}/episodes",
        data={"opened_on": "2024-02-01", "csrf_token": csrf_of(page.text)},
    )
    assert opened.status_code == 303
    page = client.get(f"/programme/families/{family_id}")
    assert "Close episode" in page.text
    episode_id = int(page.text.split("/programme/episodes/")[1].split("/close")[0])
    closed = client.post(
        f"/programme/episodes/{episode_id}/close",
        data={
            "closed_on": "2024-06-01",
            "close_reason": "Plan completed",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert closed.status_code == 303

    claims = client.get("/programme/claims")
    assert "Achieved" in claims.text
    made = client.post(
        f"/programme/episodes/{episode_id}/claim", data={"csrf_token": csrf_of(claims.text)}
    )
    assert made.status_code == 303
    with unit_of_work() as session:
        claim = session.scalars(select(OutcomeClaim)).one()
    assert made.headers["location"] == f"/programme/claims/{claim.id}"

    printable = client.get(made.headers["location"])
    assert printable.status_code == 200
    assert "Rent arrears of 8 weeks, from Northmoor Homes" in printable.text
    pack = client.get(f"/programme/claims/{claim.id}/evidence.csv")
    assert pack.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(pack.text)))
    assert tuple(rows[0]) == PACK_COLUMNS
    assert {r["need"] for r in rows} == {
        "education",
        "housing",
        "financial_stability",
        "domestic_abuse",
    }
    assert {r["decision_reason"] for r in rows} == {"Checked with the family"}

    again = client.post(
        f"/programme/episodes/{episode_id}/claim", data={"csrf_token": csrf_of(claims.text)}
    )
    assert again.status_code == 400
    assert "never claimed twice" in again.text


def test_a_planner_cannot_see_families(client: TestClient, web_env: dict[str, str]) -> None:
    family_id, _ = scenario.eligible_family()
    planner, purpose = scenario.user("planner")
    sign_in(client, planner, purpose=purpose)
    for path in ("/programme/families", f"/programme/families/{family_id}", "/programme/claims"):
        response = client.get(path)
        assert response.status_code == 403
        assert "Rent arrears" not in response.text

"""The data team's pages: the review queue, a pair side by side, decisions, sources."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.db import unit_of_work
from familyhub.linkage.models import ManualDecision, ReviewPair
from tests.integration.web.backoffice import scenario
from tests.integration.web.support import csrf_of, sign_in


def test_data_team_compares_a_pair_and_decides_with_a_reason(
    client: TestClient, web_env: dict[str, str]
) -> None:
    pair_id, record_a, record_b = scenario.review_pair()
    data, purpose = scenario.user("data", "data.lee")
    sign_in(client, data, purpose=purpose)

    queue = client.get("/data/review")
    assert queue.status_code == 200
    assert f"Compare pair {pair_id}" in queue.text
    assert "Amara Okonjo-Reid, born 2019-05-14" in queue.text

    page = client.get(f"/data/review/{pair_id}")
    assert page.status_code == 200
    assert "HV0000" in page.text
    assert "HV0001" in page.text
    assert "Okonjo-Reid" in page.text
    # Without a linkage run there is no model to explain the pair; the page says so.
    assert "There is no trained linkage model yet" in page.text
    seen = scenario.events("linkage.review_view")[-1]
    assert {f"source_record:{record_a}", f"source_record:{record_b}"} <= set(seen.records)

    refused = client.post(
        f"/data/review/{pair_id}", data={"decision": "link", "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 400
    assert "Enter why" in refused.text

    decided = client.post(
        f"/data/review/{pair_id}",
        data={
            "decision": "do_not_link",
            "reason": "Different surnames after a marriage? No: sisters, checked with HV.",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert decided.status_code == 303
    assert decided.headers["location"] == f"/data/review?decided={pair_id}"
    with unit_of_work() as session:
        made = session.scalars(select(ManualDecision)).one()
        assert (made.decision, made.decided_by) == ("do_not_link", "data.lee")
        assert made.reason.startswith("Different surnames")
        pair = session.get(ReviewPair, pair_id)
        assert pair is not None
        assert pair.status == "decided"
    assert scenario.events("linkage.review_decide")[-1].details["decision"] == "do_not_link"

    after = client.get(decided.headers["location"])
    assert "Decision recorded for possible match" in after.text
    assert "There are no open pairs to review" in after.text


def test_a_decision_needs_the_form_token(client: TestClient, web_env: dict[str, str]) -> None:
    pair_id, _, _ = scenario.review_pair()
    data, purpose = scenario.user("data")
    sign_in(client, data, purpose=purpose)
    forged = client.post(f"/data/review/{pair_id}", data={"decision": "link", "reason": "x y"})
    assert forged.status_code == 403
    with unit_of_work() as session:
        assert session.scalars(select(ManualDecision)).first() is None


def test_sources_show_the_last_load_and_its_quarantined_rows(
    client: TestClient, web_env: dict[str, str]
) -> None:
    extract_id = scenario.extract("school_census", quarantined=2)
    data, purpose = scenario.user("data")
    sign_in(client, data, purpose=purpose)
    sources = client.get("/data/sources")
    assert sources.status_code == 200
    assert "School census (pupils on roll, termly)" in sources.text
    assert f"/data/extracts/{extract_id}/quarantine" in sources.text
    quarantine = client.get(f"/data/extracts/{extract_id}/quarantine")
    assert quarantine.status_code == 200
    for shown in ("school_census_2026-09-30.csv", ">40<", "date_of_birth", "is not a date"):
        assert shown in quarantine.text


def test_other_roles_are_refused_and_the_refusal_is_audited(
    client: TestClient, web_env: dict[str, str]
) -> None:
    pair_id, _, _ = scenario.review_pair()
    planner, purpose = scenario.user("planner")
    sign_in(client, planner, purpose=purpose)
    for path in ("/data/review", f"/data/review/{pair_id}", "/data/sources"):
        assert client.get(path).status_code == 403
    refusals = scenario.events("service.manage_data")
    assert len(refusals) == 3
    assert {e.decision for e in refusals} == {"deny"}

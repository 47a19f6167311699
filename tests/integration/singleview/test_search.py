"""Search by name, date of birth, NHS number and postcode, with minimal identity and who to
contact; refused for those who may not search; one audit event per search."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.linkage.models import Person, PersonLink
from familyhub.singleview.service import SearchError, SearchQuery, search
from familyhub.sources.models import SourceRecord

from .scenario import NOW, Scenario


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _ids(results: object) -> set[str]:
    return {r.identity.person_id for r in results.results}  # type: ignore[attr-defined]


def test_a_name_finds_the_family_with_minimal_identity_and_the_lead_practitioner(
    session: Session, scenario: Scenario
) -> None:
    found = search(
        session, user=scenario.user("school_dsl"), purpose="early_help_support",
        query=f"mason {scenario.surname.lower()}", now=NOW,
    )  # fmt: skip
    assert _ids(found) == {scenario.child}
    result = found.results[0]
    assert result.identity.name == f"Mason {scenario.surname}"
    assert result.identity.year_of_birth == 2019
    assert result.identity.postcode_district == "NS3"
    assert "NS3 7QD" not in result.model_dump_json()  # never the full postcode
    lead = result.lead_practitioners[0]
    assert lead.name == scenario.user("early_help_worker").display_name
    assert lead.service == "Northshire Early Help"
    assert lead.phone


def test_a_nickname_date_of_birth_postcode_or_nhs_number_finds_them(
    session: Session, scenario: Scenario
) -> None:
    user, purpose = scenario.user("health_visitor"), "direct_care"
    session.get(Person, scenario.mother).given_name = "Elizabeth"  # type: ignore[union-attr]
    session.get(Person, scenario.child).nhs_number = "9434765919"  # type: ignore[union-attr]
    session.flush()
    assert scenario.mother in _ids(
        search(session, user=user, purpose=purpose, query=f"Liz {scenario.surname}", now=NOW)
    )
    assert _ids(search(session, user=user, purpose=purpose, query="12/04/2019", now=NOW)) >= {
        scenario.child
    }
    by_postcode = search(
        session, user=user, purpose=purpose, query=f"{scenario.surname} ns3 7qd", now=NOW
    )
    assert {scenario.child, scenario.mother} <= _ids(by_postcode)
    assert scenario.sealed_sibling not in _ids(by_postcode)
    by_district = search(
        session, user=user, purpose=purpose,
        query=SearchQuery(family_name=scenario.surname, postcode="NS3"),
    )  # fmt: skip
    assert {scenario.child, scenario.mother} <= _ids(by_district)
    assert _ids(search(session, user=user, purpose=purpose, query="943 476 5919", now=NOW)) == {
        scenario.child
    }


def test_each_search_writes_one_event_naming_the_persons_returned(
    session: Session, scenario: Scenario
) -> None:
    before = _count(session)
    found = search(
        session, user=scenario.user("data_team"), purpose="data_quality", query=scenario.surname,
        now=NOW,
    )  # fmt: skip
    assert _count(session) == before + 1
    event = session.get(AuditEvent, found.audit_seq)
    assert event is not None
    assert event.action == "person.search"
    assert sorted(event.records) == sorted(found.records)
    assert set(found.records) == {f"person:{scenario.child}", f"person:{scenario.mother}"}


def test_the_planner_may_not_search_and_the_refusal_is_audited(
    session: Session, scenario: Scenario
) -> None:
    before = _count(session)
    with pytest.raises(AccessRefusedError):
        search(session, user=scenario.user("planner"), purpose="statistics", query=scenario.surname)
    assert _count(session) == before + 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(nhs_number="1234567890"), "not a valid NHS number"),
        (SearchQuery(postcode="XYZ"), "not a UK postcode"),
        (SearchQuery(date_of_birth="31/02/2019"), "date of birth is not a date"),
        # The message never repeats what was typed: it may be someone's name.
        (SearchQuery(date_of_birth="Zed Hidden"), r"^The date of birth is not a date: write"),
        (SearchQuery(postcode="Zed Hidden"), r"^The postcode is not a UK postcode: write"),
        (SearchQuery(nhs_number="Zed Hidden"), r"^The NHS number is not a valid NHS number:"),
        (SearchQuery(), "Search by name"),
        # Only characters str.split counts as white space: no name at all (was a server error).
        (SearchQuery(name="\x1c\x1f"), "Search by name"),
    ],
)
def test_a_query_that_cannot_be_read_is_refused_with_a_clear_message(
    session: Session, scenario: Scenario, query: SearchQuery, message: str
) -> None:
    before = _count(session)
    with pytest.raises(SearchError, match=message):
        search(session, user=scenario.user("health_visitor"), purpose="direct_care", query=query)
    assert _count(session) == before + 1


def test_a_merged_id_is_never_returned_only_the_person_it_merged_into(
    session: Session, scenario: Scenario
) -> None:
    found = search(
        session, user=scenario.user("health_visitor"), purpose="direct_care",
        query=f"Mason {scenario.surname} 12/04/2019", now=NOW,
    )  # fmt: skip
    assert _ids(found) == {scenario.child}


def test_name_searches_share_one_model_set_up(
    session: Session, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matcher scores name searches with the saved model; its set-up (the model's scoring
    compiled, term frequencies read) happens once, not on every query."""
    from familyhub.linkage import match, pipeline, service
    from tests.integration.linkage.conftest import synthetic

    con = pipeline.connect(str(service.cache_path()))
    population = synthetic(150, seed=4).drop_columns(
        ["true_person", "name_origin", "household", "birth_group", "namesake_group"]
    )
    trained = pipeline.run(con, population, trained=None).trained
    con.close()
    service.save_model(session=session, trained=trained, summary={}, actor="test", run_id=None)
    record = session.scalars(
        select(SourceRecord)
        .join(PersonLink, PersonLink.source_record_id == SourceRecord.id)
        .where(PersonLink.person_id == scenario.child)
        .limit(1)
    ).one()
    record.given_name, record.family_name = "Mason", scenario.surname
    record.given_name_match, record.family_name_match = "mason", scenario.surname.lower()
    record.date_of_birth = date(2019, 4, 12)
    session.flush()
    compiled: list[str] = []
    real = match._compiled_scoring.__wrapped__

    def counting(version: str, settings_json: str) -> str:
        compiled.append(version)
        return real(version, settings_json)

    monkeypatch.setattr(match, "_compiled_scoring", counting)
    match._matchers.clear()
    user, purpose = scenario.user("health_visitor"), "direct_care"
    for typed in ("Masen", "Mason", "Mason"):
        found = search(
            session, user=user, purpose=purpose,
            query=f"{typed} {scenario.surname} 12/04/2019", now=NOW,
        )  # fmt: skip
        child = [r for r in found.results if r.identity.person_id == scenario.child]
        assert child
        assert child[0].match_probability is not None  # scored by the model, not looked up
    assert len(compiled) == 1

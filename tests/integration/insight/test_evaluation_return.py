"""The national evaluation return: eligible families only, named roles only, always audited."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import ACTIONS, Principal
from familyhub.access.models import Organisation, User
from familyhub.audit.models import AuditEvent
from familyhub.insight.aggregates import programme_statuses
from familyhub.insight.evaluation import (
    AUDIT_ACTION,
    EVALUATION_ACTION,
    IDENTIFIERS_SCHEMA,
    EvaluationRefusedError,
    build_return_rows,
    eligible_families,
    produce_evaluation_return,
)
from familyhub.insight.keys import create_purpose_key, current_purpose_key, init_master_key
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.service import InsightRefusedError

from .synthetic import population


def identifiers_for(data) -> pa.Table:
    people = data.people.to_pylist()
    return pa.Table.from_pylist(
        [
            {
                "person_id": p["person_id"],
                "given_name": f"Given{n}",
                "family_name": f"Family{n}",
                "date_of_birth": p["date_of_birth"],
                "sex": p["sex"],
                "address": f"{n} Larch Avenue, Northtown",
                "postcode": p["postcode"],
                "ni_number": "",
            }
            for n, p in enumerate(people)
        ],
        schema=IDENTIFIERS_SCHEMA,
    )


def principal(session: Session, roles: list[str]) -> Principal:
    org = Organisation(code=f"nc-{roles[0]}", name="Northshire Council", kind="council_service")
    session.add(org)
    session.flush()
    user = User(username=f"u-{roles[0]}", display_name="Test", organisation_id=org.id, roles=roles)
    session.add(user)
    session.flush()
    return Principal.of(user)


def test_only_eligible_families_are_returned(session: Session, tmp_path: Path) -> None:
    data = population(families=300)
    eligible = eligible_families(data)
    needs_of: dict[str, set[str]] = {}
    for row in data.needs.to_pylist():
        if row["status"] in programme_statuses():
            needs_of.setdefault(row["family_id"], set()).add(row["need"])
    assert eligible == {f for f, n in needs_of.items() if len(n) >= 3}
    assert 0 < len(eligible) < 300
    init_master_key(tmp_path)
    create_purpose_key(session=session, purpose="national_evaluation", actor="t", keys_dir=tmp_path)
    key = current_purpose_key(session=session, purpose="national_evaluation", keys_dir=tmp_path)
    rows, person_ids = build_return_rows(data, identifiers_for(data), eligible, Pseudonymiser(key))
    members = {p["person_id"] for p in data.people.to_pylist() if p["family_id"] in eligible}
    assert set(person_ids) == members
    assert len({r["family_reference"] for r in rows}) == len(eligible)
    assert all(r["given_name"] and r["date_of_birth"] and r["address"] for r in rows)
    assert not any(r["family_reference"].removeprefix("F").startswith("fam") for r in rows)


# The programme team may produce the return (service.evaluation_return); nobody else may.
@pytest.mark.parametrize("roles", [["planner"], ["data_team"], ["early_help_worker"]])
def test_refusals_are_audited_and_write_nothing(
    session: Session, tmp_path: Path, roles: list[str]
) -> None:
    data = population(families=50)
    out = tmp_path / "return.csv"
    who = principal(session, roles)
    with pytest.raises(EvaluationRefusedError):
        produce_evaluation_return(
            session=session,
            principal=who,
            data=data,
            identifiers=identifiers_for(data),
            recipient="Department for Work and Pensions",
            agreement="dwp-supporting-families-dsa-2025",
            out=out,
            keys_dir=tmp_path,
        )
    assert not out.exists()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == AUDIT_ACTION)).one()
    assert event.decision in ("deny", "refused")
    assert event.actor_username == who.username
    assert event.records == []


def test_the_access_policies_define_the_evaluation_action() -> None:
    assert EVALUATION_ACTION in ACTIONS


def test_programme_team_produces_the_return_under_a_named_agreement(
    session: Session, tmp_path: Path
) -> None:
    data = population(families=300)
    init_master_key(tmp_path)
    create_purpose_key(session=session, purpose="national_evaluation", actor="t", keys_dir=tmp_path)
    who = principal(session, ["programme_team"])
    common = {
        "session": session,
        "principal": who,
        "data": data,
        "identifiers": identifiers_for(data),
        "keys_dir": tmp_path,
    }
    with pytest.raises(EvaluationRefusedError, match="No data sharing agreement"):
        produce_evaluation_return(
            **common, recipient="DWP", agreement="no-such-dsa", out=tmp_path / "a.csv"
        )
    with pytest.raises(EvaluationRefusedError, match="not a party"):
        produce_evaluation_return(
            **common,
            recipient="Acme Analytics",
            agreement="dwp-supporting-families-dsa-2025",
            out=tmp_path / "b.csv",
        )
    outcome = produce_evaluation_return(
        **common,
        recipient="Department for Work and Pensions",
        agreement="dwp-supporting-families-dsa-2025",
        out=tmp_path / "c.csv",
    )
    assert outcome.families == len(eligible_families(data))
    allowed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == AUDIT_ACTION, AuditEvent.decision == "allow")
    ).one()
    assert len(allowed.records) == outcome.people


def test_without_linked_persons_the_return_is_refused_clearly(session: Session) -> None:
    from familyhub.insight.evaluation import load_identifiers

    with pytest.raises(InsightRefusedError, match="golden record"):
        load_identifiers(session=session)

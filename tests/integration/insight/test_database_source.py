"""Insight over the real tables: persons, family members, needs and assessments."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from familyhub.families.models import Family, FamilyMember
from familyhub.insight.aggregates import CountsSpec
from familyhub.insight.dataset import load_from_database
from familyhub.insight.evaluation import eligible_families, load_identifiers
from familyhub.insight.service import produce_counts
from familyhub.linkage.models import GoldenValue, Person
from familyhub.outcomes.models import FamilyAssessment, FamilyNeed

AS_OF = date(2026, 9, 30)
NEEDS = ["education", "health", "housing", "financial_stability"]


def populate(session: Session, families: int = 60) -> None:
    for f in range(families):
        family_id = f"F{f:04d}"
        session.add(Family(id=family_id))
        postcode = f"NS{1 + f % 3} {1 + f % 9}AB"
        members = [("parent", date(1990, 1, 1)), ("child", date(2015, 6, 1))]
        for m, (role, dob) in enumerate(members):
            person_id = f"P{f:04d}{m}"
            session.add(
                Person(
                    id=person_id, given_name=f"Given{m}", family_name=f"Fam{f}",
                    date_of_birth=dob, sex="F", postcode=postcode,
                )
            )  # fmt: skip
            session.add(FamilyMember(family_id=family_id, person_id=person_id, role=role))
            session.add(
                GoldenValue(
                    person_id=person_id, field="address", value=f"{f} Larch Avenue",
                    chosen=True,
                )
            )  # fmt: skip
        needs = NEEDS[: 1 + f % 4]
        for need in needs:
            session.add(
                FamilyNeed(
                    family_id=family_id, person_id=f"P{f:04d}0", need=need, status="open",
                    first_evidence_date=date(2025, 1 + f % 3, 5),
                    last_evidence_date=date(2025, 8, 1), evidence_count=1,
                    rules_version="test", assessed_on=AS_OF,
                )
            )  # fmt: skip
        session.add(
            FamilyAssessment(
                family_id=family_id, has_dependants=True, need_count=len(needs),
                needs=needs, eligible=len(needs) >= 3, rules_version="test", assessed_on=AS_OF,
            )
        )  # fmt: skip
    session.flush()


def test_counts_read_the_domain_tables(session: Session, tmp_path: Path) -> None:
    populate(session)
    data = load_from_database(session=session, as_of=AS_OF)
    assert data.people.num_rows == 120
    assert data.needs.num_rows == sum(1 + f % 4 for f in range(60))
    assert data.gaps == []
    outcome = produce_counts(
        session=session,
        data=data,
        spec=CountsSpec(by=("area",)),
        purpose="service_planning",
        out=tmp_path / "areas.csv",
        actor="t",
    )
    shown = {c.key: c.shown for c in outcome.table.cells}
    assert shown[("Total",)] == "60"
    assert shown[("NS1",)] == "20"


def test_eligibility_and_identifiers_come_from_outcomes_and_the_golden_record(
    session: Session,
) -> None:
    populate(session, families=12)
    data = load_from_database(session=session, as_of=AS_OF)
    assert eligible_families(data) == {f"F{f:04d}" for f in range(12) if 1 + f % 4 >= 3}
    identifiers = {row["person_id"]: row for row in load_identifiers(session=session).to_pylist()}
    assert identifiers["P00000"]["address"] == "0 Larch Avenue"
    assert identifiers["P00000"]["date_of_birth"] == date(1990, 1, 1)


def test_a_person_whose_processing_is_restricted_is_left_out(session: Session) -> None:
    from familyhub.rights.models import ProcessingRestriction

    populate(session, families=3)
    session.add(
        ProcessingRestriction(
            person_id="P00000", kind="restriction", grounds="accuracy contested",
            started_on=date(2026, 1, 1),
        )
    )  # fmt: skip
    session.add(
        ProcessingRestriction(
            person_id="P00011", kind="restriction", grounds="lifted later",
            started_on=date(2026, 1, 1), lifted_on=date(2026, 2, 1), lifted_reason="resolved",
        )
    )  # fmt: skip
    session.flush()
    data = load_from_database(session=session, as_of=AS_OF)
    people = set(data.people["person_id"].to_pylist())
    assert "P00000" not in people
    assert "P00011" in people  # a lifted restriction no longer holds anyone back
    assert "P00000" not in set(data.needs["person_id"].to_pylist())
    assert len(people & {"P00001", "P00010", "P00020", "P00021"}) == 4

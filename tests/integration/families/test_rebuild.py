"""Households and families rebuilt from loaded, linked records, with stable ids and history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from familyhub.cli import app
from familyhub.families.inputs import NoLinksError
from familyhub.families.models import Family, FamilyMember, HouseholdMember, PersonRelationship
from familyhub.families.service import family_history, rebuild_families
from tests.integration.families.scenario import load_scenario, write_links

AS_OF = date(2026, 9, 30)


def current_families(session: Session) -> dict[str, dict[str, str]]:
    rows = session.execute(
        select(FamilyMember.family_id, FamilyMember.person_id, FamilyMember.role)
        .join(Family, Family.id == FamilyMember.family_id)
        .where(FamilyMember.valid_to.is_(None), Family.status == "active")
    )
    families: dict[str, dict[str, str]] = {}
    for family_id, person_id, role in rows:
        families.setdefault(family_id, {})[person_id] = role
    return families


def by_members(families: dict[str, dict[str, str]]) -> dict[frozenset[str], str]:
    return {frozenset(m): f for f, m in families.items()}


def test_families_are_households_with_children_or_an_expectant_parent(
    session: Session, tmp_path: Path
) -> None:
    load_scenario(session)
    summary = rebuild_families(
        session, actor="test", as_of=AS_OF, links_file=write_links(tmp_path / "links.csv")
    )
    families = current_families(session)
    larch = next(m for m in families.values() if "cara" in m)
    assert larch == {
        "amy": "parent",
        "ben": "parent",
        "cara": "child",
        "dan": "child",
        "eve": "child",  # known only to the health visitor, placed with her mother
        "ian": "non_resident_parent",  # Cara's father by social care, living with Jo
    }
    assert {"hana": "expectant_parent"} in families.values()
    assert not any("gary" in m or "jo" in m for m in families.values())  # not families
    assert summary.families == 2
    assert summary.formed == 2


def test_an_address_written_without_its_uprn_is_the_same_household(
    session: Session, tmp_path: Path
) -> None:
    load_scenario(session)
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=write_links(tmp_path / "l.csv"))
    homes = dict(
        session.execute(
            select(HouseholdMember.person_id, HouseholdMember.household_id).where(
                HouseholdMember.valid_to.is_(None)
            )
        ).all()
    )
    assert homes["amy"] == homes["ben"] == homes["cara"] == homes["dan"]
    assert homes["ian"] == homes["jo"] != homes["amy"]


def test_stated_relationships_are_kept_between_persons(session: Session, tmp_path: Path) -> None:
    load_scenario(session)
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=write_links(tmp_path / "l.csv"))
    stated = set(
        session.execute(
            select(
                PersonRelationship.person_id,
                PersonRelationship.related_person_id,
                PersonRelationship.relationship,
            )
        ).all()
    )
    assert stated == {("eve", "amy", "mother"), ("cara", "ian", "father")}


def test_family_ids_are_stable_and_people_leaving_are_history(
    session: Session, tmp_path: Path
) -> None:
    load_scenario(session)
    links = write_links(tmp_path / "links.csv")
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=links)
    first = by_members(current_families(session))
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=links)
    assert by_members(current_families(session)) == first  # same families, same ids

    larch_id = next(f for m, f in first.items() if "cara" in m)
    # Ben's records now belong to someone else entirely: he has left the family.
    later = date(2026, 10, 31)
    summary = rebuild_families(
        session,
        actor="test",
        as_of=later,
        links_file=write_links(tmp_path / "l2.csv", without=frozenset({"ben"})),
    )
    assert summary.left == 1
    families = current_families(session)
    assert "ben" not in families[larch_id]
    assert "cara" in families[larch_id]  # the family kept its id
    ben = session.scalars(select(FamilyMember).where(FamilyMember.person_id == "ben")).one()
    assert ben.valid_to == later  # his membership is closed, not deleted
    changes = [(c.change, c.person_id) for c in family_history(session, larch_id)]
    assert changes[0] == ("formed", None)
    assert ("left", "ben") in changes


def test_a_family_that_no_longer_exists_is_ended_not_deleted(
    session: Session, tmp_path: Path
) -> None:
    load_scenario(session)
    rebuild_families(session, actor="test", as_of=AS_OF, links_file=write_links(tmp_path / "a.csv"))
    hana_family = next(f for m, f in by_members(current_families(session)).items() if "hana" in m)
    # After the due date passes with no birth recorded, Hana is no longer an expectant parent.
    rebuild_families(
        session, actor="test", as_of=date(2027, 3, 1), links_file=write_links(tmp_path / "a.csv")
    )
    family = session.get(Family, hana_family)
    assert family is not None
    assert family.status == "ended"
    assert [c.change for c in family_history(session, hana_family)] == ["formed", "ended"]


def test_without_links_the_rebuild_says_what_to_do(session: Session) -> None:
    load_scenario(session)
    with pytest.raises(NoLinksError, match="familyhub link"):
        rebuild_families(session, actor="test", as_of=AS_OF)


def test_the_families_command_rebuilds_and_reports(fh_env: dict[str, str], tmp_path: Path) -> None:
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        load_scenario(session)
    links = write_links(tmp_path / "links.csv")
    result = CliRunner().invoke(app, ["families", "--as-of", "2026-09-30", "--links", str(links)])
    assert result.exit_code == 0, result.output
    assert "2 families (7 members)" in result.output
    help_text = CliRunner().invoke(app, ["families", "--help"]).output
    assert "Examples" in help_text


def test_families_are_built_from_linkage_links_when_no_file_is_given(session: Session) -> None:
    from familyhub.linkage.models import Person, PersonLink
    from familyhub.runs import start_run
    from familyhub.sources.models import SourceRecord
    from tests.integration.families.scenario import RECORDS

    load_scenario(session)
    run = start_run(session, stage="link", actor="test", parameters={})
    for person in sorted({r["person"] for r in RECORDS}):
        session.add(Person(id=person))
    session.flush()
    ids = dict(session.execute(select(SourceRecord.record_id, SourceRecord.id)).all())
    for r in RECORDS:
        session.add(
            PersonLink(
                source_record_id=ids[r["record_id"]],
                source=r["source"],
                record_id=r["record_id"],
                person_id=r["person"],
                run_id=run.id,
            )
        )
    session.flush()
    summary = rebuild_families(session, actor="test", as_of=AS_OF)
    assert summary.families == 2
    assert {"hana": "expectant_parent"} in current_families(session).values()

"""Search over the real pipeline: synth -> ingest -> link -> families -> assess, then find
people by misspelt and nicknamed names through the linkage model, and open what was found."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from familyhub.access.models import Organisation, User
from familyhub.audit.models import AuditEvent
from familyhub.cli import app
from familyhub.db import unit_of_work
from familyhub.identity.nicknames import name_variants
from familyhub.linkage.models import PersonLink
from familyhub.singleview.service import SearchQuery, family_view, person_view, search

runner = CliRunner()
pytestmark = pytest.mark.slow


def _run(*args: str, codes: tuple[int, ...] = (0,)) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _typo(name: str) -> str:
    """Two inner letters swapped: 'George' -> 'Goerge'."""
    return name[0] + name[2] + name[1] + name[3:]


def _subjects(truth: Path) -> list[tuple[dict[str, str], str]]:
    """People whose every record was linked to one person (the linkage got them right)."""
    people = {p["person_id"]: p for p in _rows(truth / "people.csv")}
    records: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in _rows(truth / "records.csv"):
        records[r["person_id"]].append((r["source"], r["record_id"]))
    with unit_of_work() as session:
        owner = {(k.source, k.record_id): k.person_id for k in session.scalars(select(PersonLink))}
    out = []
    for truth_id, keys in sorted(records.items()):
        persons = Counter(owner.get(k) for k in keys)
        person = people[truth_id]
        if len(persons) == 1 and None not in persons and len(person["forename"]) >= 5:
            out.append((person, str(next(iter(persons)))))
    return out


def test_search_forgives_typos_and_nicknames_over_the_real_pipeline(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    _run("synth", "--people", "400", "--seed", "5", "--out", str(tmp_path / "synth"))
    _run("ingest", str(tmp_path / "synth" / "extracts"), codes=(0, 1))
    _run("link")
    _run("families")
    _run("assess")
    subjects = _subjects(tmp_path / "synth" / "truth")
    assert subjects
    with unit_of_work() as session:
        org = Organisation(code="csc-test", name="Children's Social Care", kind="council_service")
        session.add(org)
        session.flush()
        worker = User(
            username="sw.pipeline", display_name="Sam Pipeline", organisation_id=org.id,
            roles=["social_worker"],
        )  # fmt: skip
        session.add(worker)
    found_typos = 0
    for person, person_id in subjects[:10]:
        query = SearchQuery(
            given_name=_typo(person["forename"]),
            family_name=person["surname"],
            date_of_birth=person["dob"],
        )
        with unit_of_work() as session:
            user = session.scalars(select(User).where(User.username == "sw.pipeline")).one()
            results = search(session, user=user, purpose="safeguarding", query=query)
        found_typos += person_id in {r.identity.person_id for r in results.results}
    assert found_typos >= 8  # the model forgives a transposition for nearly everyone

    nicknamed = [
        (p, pid, sorted(v for v in name_variants(p["forename"]) if v != p["forename"].lower()))
        for p, pid in subjects
    ]
    nicknamed = [(p, pid, v) for p, pid, v in nicknamed if v]
    if nicknamed:
        person, person_id, variants = nicknamed[0]
        with unit_of_work() as session:
            user = session.scalars(select(User).where(User.username == "sw.pipeline")).one()
            results = search(
                session,
                user=user,
                purpose="safeguarding",
                query=SearchQuery(
                    given_name=variants[0], family_name=person["surname"],
                    date_of_birth=person["dob"],
                ),
            )  # fmt: skip
        assert person_id in {r.identity.person_id for r in results.results}

    # What was found opens, with one audit event each naming what was returned.
    _, person_id = subjects[0]
    with unit_of_work() as session:
        user = session.scalars(select(User).where(User.username == "sw.pipeline")).one()
        before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        view = person_view(session, user=user, purpose="safeguarding", person_id=person_id)
        assert view.level == "full"
        assert view.chronology is not None
        assert view.chronology.items
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        for family_id in view.family_ids:
            family = family_view(session, user=user, purpose="safeguarding", family_id=family_id)
            assert family.members

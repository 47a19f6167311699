"""The whole pipeline on a small synthetic population, then one family member's rights.

synth -> ingest -> link -> families -> assess, then: find her by her details with the
linkage matcher, export everything held (hers in full, nobody else's identifiers), erase
her, and search every table for her identifiers.
"""

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON
from typer.testing import CliRunner

from familyhub.cli import app
from familyhub.db import unit_of_work
from familyhub.linkage.models import PersonLink
from familyhub.models import load_all_models

runner = CliRunner()
pytestmark = pytest.mark.slow


def _run(*args: str, codes: tuple[int, ...] = (0,)) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code in codes, result.output
    return " ".join(result.output.split())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _choose_subject(truth: Path) -> tuple[dict[str, str], str]:
    """A person with several records, all linked to one person, none kept by law."""
    people = {p["person_id"]: p for p in _rows(truth / "people.csv")}
    records: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in _rows(truth / "records.csv"):
        records[r["person_id"]].append((r["source"], r["record_id"]))
    with unit_of_work() as session:
        owner = {
            (link.source, link.record_id): link.person_id
            for link in session.scalars(select(PersonLink))
        }
    for truth_id, keys in sorted(records.items(), key=lambda kv: -len(kv[1])):
        persons = Counter(owner.get(k) for k in keys)
        sources = {s for s, _ in keys}
        if (
            len(persons) == 1
            and None not in persons
            and people[truth_id]["nhs_number"]
            and not sources & {"childrens_social_care", "youth_justice"}
        ):
            person_id = next(iter(persons))
            assert person_id is not None
            return people[truth_id], person_id
    raise AssertionError("no suitable subject in the synthetic population")


def _text_hits(needles: set[str]) -> list[tuple[str, str]]:
    hits = []
    with unit_of_work() as session:
        for table in load_all_models().metadata.tables.values():
            cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not cols:
                continue
            for row in session.execute(select(*cols)):
                text = " ".join(str(v) for v in row if v is not None)
                hits += [(table.name, n) for n in needles if n in text]
    return hits


def test_rights_over_the_real_pipeline(fh_env: dict[str, str], tmp_path: Path) -> None:
    _run("synth", "--people", "300", "--seed", "11", "--out", str(tmp_path / "synth"))
    # a population this small leaves a source or two with an empty file, refused: exit 1
    _run("ingest", str(tmp_path / "synth" / "extracts"), codes=(0, 1))
    _run("link")
    _run("families")
    _run("assess")
    subject, person_id = _choose_subject(tmp_path / "synth" / "truth")
    identifiers = {subject["nhs_number"], subject["ni_number"], subject["upn"]} - {""}

    out = _run(
        "rights",
        "register",
        "--kind",
        "access",
        "--requester",
        "the subject",
        "--given-name",
        subject["forename"],
        "--family-name",
        subject["surname"],
        "--date-of-birth",
        subject["dob"],
        "--nhs-number",
        subject["nhs_number"],
        "--received",
        "2026-11-02",
        "--identity-checked",
        "2026-11-02",
    )
    assert f"matched person {person_id}" in out
    _run("rights", "export", "1", "--out", str(tmp_path / "sar"), "--formats", "json,pdf")
    text = (tmp_path / "sar" / "subject-access-1.json").read_text()
    assert subject["nhs_number"] in text
    others = {p["nhs_number"] for p in _rows(tmp_path / "synth" / "truth" / "people.csv")}
    others -= {subject["nhs_number"], ""}
    assert [n for n in others if n in text] == []  # nobody else's NHS number

    _run(
        "rights",
        "register",
        "--kind",
        "erasure",
        "--requester",
        "the subject",
        "--person",
        person_id,
        "--received",
        "2026-11-03",
        "--identity-checked",
        "2026-11-03",
    )
    assert "erased" in _run("rights", "erase", "2")
    _run("rights", "outbox", "--out", str(tmp_path / "outbox"))
    assert _text_hits(identifiers) == []
    report = json.loads((tmp_path / "sar" / "subject-access-1.json").read_text())
    assert report["person_id"] == person_id

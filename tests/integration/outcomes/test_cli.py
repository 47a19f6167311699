"""The outcomes commands a programme team runs, end to end on a database of their own."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from familyhub.cli import app
from tests.integration.families.scenario import load_scenario, write_links


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_assess_export_decide_and_claim_from_the_command_line(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        load_scenario(session)
    links = str(write_links(tmp_path / "links.csv"))
    code, out = run("families", "--as-of", "2026-09-30", "--links", links)
    assert code == 0, out
    code, out = run("assess", "--as-of", "2026-09-30", "--links", links)
    assert code == 0, out
    assert "2 families" in out
    assert "1 eligible" in out
    assert "not counted" in out  # the event dated after today
    needs_file = tmp_path / "needs.csv"
    code, out = run("export", "needs", "--out", str(needs_file))
    assert code == 0, out
    with needs_file.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    family = next(r["family_id"] for r in rows if r["person_id"] == "cara")

    code, out = run("needs", "show", family)
    assert "Attendance 84.5% in the 2025-26 AUT term, from the school census" in out
    code, out = run("needs", "confirm", family, "8", "--reason", "Disclosed at the visit")
    assert code == 0, out
    assert "domestic_abuse" in out
    code, out = run("needs", "dismiss", family, "crime", "--reason", "")
    assert code == 2
    assert "say why" in out
    code, out = run("needs", "list", "--eligible")
    assert family[:10] in out  # the table wraps long ids

    code, out = run("claims", "open", family, "--on", "2025-10-01")
    assert code == 0, out
    code, out = run("claims", "close", "1", "--on", "2026-07-15", "--reason", "Plan complete")
    assert code == 0, out
    code, out = run("claims", "make", "1", "--on", "2026-09-30", "--out", str(tmp_path))
    assert code == 2
    assert "sustain period runs until 2027-01-15" in out


def test_a_rules_file_with_a_mistake_is_refused_naming_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        'version: "1"\n'
        "rules:\n"
        "  - id: absence\n"
        "    need: education\n"
        "    event_type: school_trem\n"
        "    descriptor: Absence\n"
        '    evidence: "On {date}"\n',
        encoding="utf-8",
    )
    code, out = run("rules", "check", str(rules))
    assert code == 2
    # The console wraps long lines (a long temporary path moves the break): read it as one.
    said = " ".join(out.split())
    assert "line 5" in said
    assert "unknown event type 'school_trem'" in said
    code, out = run("rules", "check")
    assert code == 0, out
    assert "21 rules, fine" in out.replace("\n", " ")

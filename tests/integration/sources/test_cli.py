"""The commands a data team runs: ingest, sources list, sources check."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from familyhub.cli import app
from tests.unit.sources.extracts import police_file, police_row, write_police

runner = CliRunner()


def test_ingest_a_drop_folder_then_list(fh_env: dict[str, str], tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    police_file(drop, 12)
    (drop / "unknown_partner.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", str(drop), "--actor", "data.team"])
    assert result.exit_code == 1  # one file no contract claims
    assert "loaded 12 of 12 rows into police_incidents" in result.output
    assert "unknown_partner.csv: no contract claims this file name" in result.output

    again = runner.invoke(app, ["ingest", str(drop / "police_incidents_2026-09-30.csv")])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    assert "nothing changed" in again.output

    listing = runner.invoke(app, ["sources", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    assert "police_incidents" in listing.output
    assert "never loaded" in listing.output  # the other eleven


def test_ingest_reports_a_refused_file_and_fails(fh_env: dict[str, str], tmp_path: Path) -> None:
    rows = [police_row(i, dob="2020-01-01") for i in range(10)]
    path = write_police(tmp_path / "police_incidents_bad.csv", rows)
    result = runner.invoke(app, ["ingest", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "refused: 10 of 10 rows (100.0%) failed" in result.output
    assert "row 2, field dob" in result.output


def test_ingest_with_source_forces_the_contract(fh_env: dict[str, str], tmp_path: Path) -> None:
    path = police_file(tmp_path, 3, name="export.csv")
    result = runner.invoke(app, ["ingest", str(path), "--source", "police_incidents"])
    assert result.exit_code == 0, result.output
    assert "loaded 3 of 3 rows" in result.output


def test_check_shows_what_each_column_becomes(tmp_path: Path) -> None:
    path = write_police(tmp_path / "sample.csv", [police_row(1, nhs_number="9434765918")])
    result = runner.invoke(
        app, ["sources", "check", "police_incidents", str(path)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "nominal_id" in result.output
    assert "partner_person_id" in result.output
    assert "fails the modulus 11 check" in result.output


def test_check_names_a_wrong_contract(tmp_path: Path) -> None:
    bad = tmp_path / "new_partner.yaml"
    bad.write_text("name: new_partner\ntitle: x\n")
    result = runner.invoke(app, ["sources", "check", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "governance: this key is required" in result.output

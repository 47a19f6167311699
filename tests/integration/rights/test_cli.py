"""The rights and governance commands, end to end on a database of their own."""

import json
from pathlib import Path

from typer.testing import CliRunner

from familyhub.cli import app
from familyhub.db import unit_of_work
from tests.integration.rights.synthetic_subject import store_everywhere

runner = CliRunner()


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())  # as one line, whatever the terminal width


def test_a_request_from_registration_to_export_and_erasure(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    with unit_of_work() as session:
        stored = store_everywhere(session)
    out = _run(
        "rights",
        "register",
        "--kind",
        "access",
        "--requester",
        "Z Quillfeather",
        "--person",
        stored.person_id,
        "--received",
        "2026-09-03",
        "--identity-checked",
        "2026-09-03",
        "--actor",
        "ig",
    )
    assert "due 2026-10-05" in out
    # the same request again is recorded as a duplicate, and says so
    out = _run(
        "rights",
        "register",
        "--kind",
        "access",
        "--requester",
        "Z Quillfeather",
        "--person",
        stored.person_id,
        "--received",
        "2026-09-04",
        code=1,
    )
    assert "duplicate of open request 1" in out
    out = _run("rights", "extend", "1", "--reason", "complex", "--on", "2026-10-20", code=1)
    assert "too late" in out
    _run("rights", "export", "1", "--out", str(tmp_path / "sar"))
    document = json.loads((tmp_path / "sar" / "subject-access-1.json").read_text())
    assert document["person_id"] == stored.person_id
    assert (tmp_path / "sar" / "subject-access-1.pdf").read_bytes().startswith(b"%PDF")
    out = _run("rights", "list", "--today", "2026-10-01")
    assert "Due within 7 days (1)" in out
    # erasure, then the outbox tells the partners
    _run(
        "rights",
        "register",
        "--kind",
        "erasure",
        "--requester",
        "Z Quillfeather",
        "--person",
        stored.person_id,
        "--received",
        "2026-11-02",
        "--identity-checked",
        "2026-11-02",
    )
    out = _run("rights", "erase", "3")
    assert "kept under a legal obligation" in out
    _run("rights", "outbox", "--out", str(tmp_path / "outbox"))
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert any(name.startswith("northshire-police") for name in files)
    out = _run("rights", "show", "3")
    assert "completed" in out


def test_unfound_subject_is_a_clear_recorded_outcome(fh_env: dict[str, str]) -> None:
    out = _run(
        "rights",
        "register",
        "--kind",
        "access",
        "--requester",
        "Someone",
        "--person",
        "no-such-person",
        "--received",
        "2026-09-03",
    )
    assert "not_found" in out
    assert "awaiting_identity" in out or "due" in out


def test_notice_agreements_and_retention_commands(fh_env: dict[str, str], tmp_path: Path) -> None:
    _run("notice", "--format", "html", "--out", str(tmp_path / "notice.html"))
    html = (tmp_path / "notice.html").read_text()
    assert "Northshire Police" in html
    assert "Information Commissioner" in html
    assert "Right to erasure" in _run("notice", "--format", "md")
    out = _run("agreements", "check", "--today", "2026-11-22", code=1)
    assert "past its review date" in out
    _run("agreements", "check", "--today", "2026-01-01")
    assert "northshire-mash-isa-2025" in _run("agreements", "list")
    assert "childrens_social_care" in _run("retention", "schedule")
    with unit_of_work() as session:
        store_everywhere(session)
    out = _run(
        "retention",
        "run",
        "--dry-run",
        "--today",
        "2033-01-01",
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert "Would destroy (4)" in out  # three records and a quarantined row
    out = _run("retention", "run", "--today", "2033-01-01", "--report-dir", str(tmp_path / "r"))
    report = json.loads(sorted((tmp_path / "r").glob("retention-run-*.json"))[0].read_text())
    assert report["rows_removed"]["source_record"] == 3
    assert "Zephyrine" not in json.dumps(report)

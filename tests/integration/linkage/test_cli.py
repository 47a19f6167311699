"""The linkage commands end to end: link, report, explain, review, match, export, incremental."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from familyhub.cli import app
from familyhub.db import unit_of_work
from familyhub.linkage.models import PersonLink, ReviewPair
from tests.integration.linkage.conftest import load_records, synthetic, write_truth

runner = CliRunner()
pytestmark = pytest.mark.slow


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_link_review_match_report_export_and_incremental(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    records = synthetic(400, seed=21)
    first, later = records.slice(0, records.num_rows - 40), records.slice(records.num_rows - 40)
    with unit_of_work() as session:
        load_records(session, first)

    out = _run("link", "--actor", "tester")
    assert "records linked" in out
    # Wall and CPU seconds per stage, so a run on a shared machine can be read (the console
    # wraps long lines; words are compared).
    words = " ".join(out.split())
    assert "Time: read" in words
    assert "CPU: read" in words
    assert all(f"{stage} " in words for stage in ("prepare", "train", "score", "cluster", "write"))

    truth = write_truth(records, tmp_path / "truth")
    report = tmp_path / "report.html"
    out = _run("link", "report", "--out", str(report), "--truth", str(truth))
    assert "pairwise precision" in out
    html = report.read_text()
    assert "Quality against synthetic truth" in html
    assert "Twin/triplet pairs merged: 0" in html

    with unit_of_work() as session:
        item = session.scalars(select(ReviewPair).where(ReviewPair.status == "open")).first()
        some = session.scalars(select(PersonLink)).first()
        assert some is not None
        record_id = some.source_record_id
    out = _run("review")
    assert "Review queue" in out
    if item is not None:
        out = _run(
            "review", "decide", str(item.id), "--do-not-link", "--by", "tester",
            "--reason", "checked the school roll",
        )  # fmt: skip
        assert "Decided" in out
        out = _run("link", "explain", str(item.record_a), str(item.record_b),
                   "--chart", str(tmp_path / "w.json"))  # fmt: skip
        assert "match weight" in out
        assert json.loads((tmp_path / "w.json").read_text())["$schema"].startswith(
            "https://vega.github.io/schema/vega-lite"
        )

    row = next(r for r in first.to_pylist() if r["id"] == record_id)
    out = _run(
        "match", "--given", row["given_name"], "--family", row["family_name"],
        "--dob", str(row["date_of_birth"]) if row["date_of_birth"] else "", "--json",
    )  # fmt: skip
    candidates = json.loads(out)
    assert candidates
    assert candidates[0]["person_id"] == some.person_id

    export = tmp_path / "links.parquet"
    _run("export", "links", "--out", str(export))
    import pyarrow.parquet as pq

    assert pq.read_table(export).num_rows == first.num_rows

    with unit_of_work() as session:
        load_records(session, later)
    out = _run("link", "--incremental")
    assert "records linked" in out
    words = " ".join(out.split())
    for stage in ("CPU: read", "copy cache", "candidates", "update cache"):
        assert stage in words
    with unit_of_work() as session:
        linked = set(session.scalars(select(PersonLink.source_record_id)))
    assert set(later["id"].to_pylist()) <= linked
    assert len(linked) == records.num_rows


def test_link_with_no_records_says_so(fh_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["link"])
    assert result.exit_code == 2
    assert "nothing to link" in result.output

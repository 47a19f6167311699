"""Preparing records: name aliases, placeholders never linking anyone, clear warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa

from familyhub.linkage import features, pipeline
from tests.unit.linkage.population import population


def test_aliases_are_direct_relations_only() -> None:
    assert "william" in features.name_aliases("bill")
    assert "muhammad" in features.name_aliases("mohammed")
    # Robert and William share the nickname Bill; brothers may be called both.
    assert "william" not in features.name_aliases("robert")
    assert "robert" not in features.name_aliases("william")


def test_skeleton_folds_transliterations() -> None:
    assert features.skeleton("mohammed") == features.skeleton("muhammad")
    assert features.skeleton("aisha") == features.skeleton("ayesha")


def _with(records: pa.Table, column: str, values: Sequence[object]) -> pa.Table:
    index = records.column_names.index(column)
    return records.set_column(index, column, pa.array(values, records.schema.field(column).type))


def test_placeholder_dates_and_names_are_blanked_and_reported() -> None:
    records = population(300, seed=3)
    n = records.num_rows
    dobs = [
        date(1900, 1, 1) if i % 3 == 0 else d
        for i, d in enumerate(records["date_of_birth"].to_pylist())
    ]
    names = [
        "UNKNOWN" if i % 5 == 0 else g
        for i, g in enumerate(records["given_name_match"].to_pylist())
    ]
    names = [g.lower() if g else g for g in names]
    records = _with(_with(records, "date_of_birth", dobs), "given_name_match", names)
    con = pipeline.connect()
    report = features.prepare(con, records)
    fields = {p["field"]: p for p in report.placeholders}
    assert fields["date_of_birth"]["value"] == "1900-01-01"
    assert fields["date_of_birth"]["records"] == len([i for i in range(n) if i % 3 == 0])
    assert fields["given_name_match"]["value"] == "unknown"
    left = con.sql("select count(*) from fh_records where dob = DATE '1900-01-01'").fetchall()[0][0]
    assert left == 0


def test_every_record_lacking_a_date_of_birth_is_warned_about() -> None:
    records = population(50, seed=4)
    records = _with(records, "date_of_birth", [None] * records.num_rows)
    report = features.prepare(pipeline.connect(), records)
    assert any("every record lacks a date of birth" in w for w in report.warnings)


def test_withdrawn_records_link_to_nothing() -> None:
    records = population(50, seed=5)
    status = ["withdrawn" if i < 10 else "active" for i in range(records.num_rows)]
    records = _with(records, "status", status)
    con = pipeline.connect()
    report = features.prepare(con, records)
    assert report.withdrawn_skipped == 10
    assert report.records == records.num_rows - 10

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


def test_one_record_prepared_in_python_equals_the_bulk_preparation() -> None:
    """``match`` prepares its handful of candidates in Python; a difference from the run's
    SQL would score them differently from the pipeline."""
    records = population(400, seed=5)
    rows = records.to_pylist()
    # Awkward values the population rarely draws: middle names, stray spaces, empty
    # strings, placeholders, lower-case identifiers, formatted phone numbers.
    rows[0] |= {"given_name_match": "mary anne", "other_names": "Jo Beth"}
    rows[1] |= {"given_name_match": " lee", "family_name_match": "o'neil ", "sex": ""}
    rows[2] |= {"given_name_match": "unknown", "date_of_birth": date(1900, 1, 1)}
    rows[3] |= {"ni_number": "ab123456c", "upn": "", "phone": "(01632) 960 001"}
    rows[4] |= {"email": "Jo.Smith@Example.ORG", "postcode": "", "nhs_number": ""}
    rows[5] |= {"given_name_match": None, "family_name_match": None, "date_of_birth": None}
    rows[6] |= {"status": "withdrawn"}
    table = pa.Table.from_pylist(rows, schema=records.schema)
    con = pipeline.connect()
    features.prepare(con, table)
    bulk = {
        r["unique_id"]: r for r in con.sql("select * from fh_records").to_arrow_table().to_pylist()
    }
    members = dict(con.sql("select id, unit_id from fh_unit_members").fetchall())
    assert features.prepare_row(rows[6]) is None
    compared = 0
    for row in rows[:6] + rows[7:]:
        prepared = features.prepare_row(row)
        assert prepared is not None
        expected = dict(bulk[members[row["id"]]])
        expected["unique_id"] = row["id"]  # the unit is named by its first row
        assert prepared == expected, row["id"]
        compared += 1
    assert compared == len(rows) - 1

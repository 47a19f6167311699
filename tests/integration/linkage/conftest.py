"""Synthetic people loaded into ``source_record`` for the linkage tests."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from familyhub.linkage import store
from familyhub.sources.models import SourceExtract
from tests.unit.linkage.population import make_people, make_records

RECORD_COLUMNS = [
    "id",
    "source",
    "record_id",
    "partner_person_id",
    "status",
    "given_name",
    "family_name",
    "other_names",
    "given_name_match",
    "family_name_match",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "address",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "postcode_area",
    "uprn",
    "phone",
    "email",
    "updated_at",
]


def load_records(session: Session, records: pa.Table) -> None:
    """Insert ``records`` (population rows) into ``source_record``, one extract per source."""
    extracts: dict[str, int] = {}
    for source in sorted(set(records.column("source").to_pylist())):
        extract = SourceExtract(
            source=source,
            file_name=f"{source}.csv",
            file_sha256="0" * 64,
            kind="full",
            status="loaded",
            contract_sha256="0" * 64,
            loaded_by="test",
        )
        session.add(extract)
        session.flush()
        extracts[source] = extract.id
    rows = records.select(RECORD_COLUMNS).to_pylist()
    now = datetime.now(UTC)
    store.bulk_insert(
        session,
        "source_record",
        [*RECORD_COLUMNS, "extract_id", "row_sha256", "first_seen_at", "data_categories",
         "original"],
        (
            # Loaded now: an incremental run picks up what was loaded since the last run.
            [*(now if c == "updated_at" else r[c] for c in RECORD_COLUMNS),
             extracts[r["source"]], "0" * 64, now, [], {}]
            for r in rows
        ),
    )  # fmt: skip
    session.flush()


def synthetic(people: int, seed: int = 11) -> pa.Table:
    return make_records(make_people(people, seed), seed)


def write_truth(records: pa.Table, folder: Path) -> Path:
    """The population's truth in ``familyhub synth``'s layout (records.csv, people.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = records.to_pylist()
    with (folder / "records.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["source", "record_id", "person_id", "partner_person_id", "errors"])
        for r in rows:
            out.writerow([r["source"], r["record_id"], r["true_person"], "", ""])
    people: dict[str, dict[str, Any]] = {}
    for r in rows:
        people.setdefault(r["true_person"], r)
    with (folder / "people.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["person_id", "forename", "surname", "name_origin", "multiple_birth_id"])
        for pid, r in people.items():
            out.writerow([pid, "", "", r["name_origin"], r["birth_group"]])
    return folder

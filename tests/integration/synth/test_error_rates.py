"""Each source's realised error rates are near the rates documented in the doc and the code."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from familyhub.synth.errors import ERROR_RATES, MAIN_ID, SourceErrors
from familyhub.synth.generate import SOURCES
from familyhub.synth.names import name_variants

from .conftest import Generated

DOC = Path(__file__).resolve().parents[3] / "docs" / "synthetic-data.md"
ERRORS = [f.name for f in fields(SourceErrors)]
ID_COLUMN = {"nhs": "nhs_number", "nino": "ni_number", "upn": "upn"}


def documented_rates() -> dict[str, dict[str, float | None]]:
    text = DOC.read_text("utf-8")
    table = text.split("| source | typo |")[1].split("\n\n")[0]
    rates: dict[str, dict[str, float | None]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rates[cells[0]] = {
            name: None if value == "-" else float(value)
            for name, value in zip(ERRORS, cells[1:], strict=True)
        }
    return rates


def test_the_doc_table_is_the_code_table() -> None:
    documented = documented_rates()
    assert set(documented) == set(SOURCES)
    for source, rates in ERROR_RATES.items():
        for name in ERRORS:
            assert documented[source][name] == getattr(rates, name), (source, name)


def _partner_records(generated: Generated, source: str) -> list[dict[str, Any]]:
    by_record: dict[str, dict[str, Any]] = {}
    for row in generated.truth("records"):
        if row["source"] != source:
            continue
        rec = by_record.setdefault(
            row["partner_person_id"],
            {
                "person": row["person_id"],
                "errors": set(row["errors"].split(";")) - {""},
                "last": row["event_date"],
            },
        )
        rec["last"] = max(str(rec["last"]), row["event_date"])
    return list(by_record.values())


def _close(observed: int, total: int, rate: float) -> bool:
    if total == 0:
        return True
    sd = math.sqrt(rate * (1 - rate) / total)
    return abs(observed / total - rate) <= 4 * sd + 0.01


@pytest.mark.parametrize("source", SOURCES)
def test_realised_rates_are_near_the_documented_ones(generated: Generated, source: str) -> None:
    people = {p["person_id"]: p for p in generated.truth("people")}
    moved_on: dict[str, str] = {}
    for h in generated.truth("households"):
        if h["to_date"]:
            moved_on[h["person_id"]] = h["to_date"]
    records = _partner_records(generated, source)
    rates = ERROR_RATES[source]
    variants = name_variants()
    main = MAIN_ID[source]

    def day_month_ok(dob: str) -> bool:
        d = date.fromisoformat(dob)
        return d.day <= 12 and d.day != d.month

    real = [r for r in records if "placeholder" not in r["errors"]]
    eligible = {
        "typo": real,
        "name_swap": real,
        "nickname": [r for r in real if people[str(r["person"])]["forename"] in variants],
        "dob_day_month": [r for r in real if day_month_ok(people[str(r["person"])]["dob"])],
        "stale_address": [
            r for r in records if moved_on.get(str(r["person"]), "9999") <= str(r["last"])
        ],
        "placeholder": records,
    }
    if main:
        has_id = [r for r in real if people[str(r["person"])][ID_COLUMN[main]]]
        eligible["id_missing"] = has_id
        eligible["id_wrong"] = [r for r in has_id if "id_missing" not in r["errors"]]
    for name, pool in eligible.items():
        rate = getattr(rates, name) or 0.0
        hits = sum(1 for r in pool if name in r["errors"])
        assert _close(hits, len(pool), rate), (source, name, hits, len(pool), rate)
    originals = sum(1 for r in records if "duplicate" not in r["errors"])
    duplicates = len(records) - originals
    assert _close(duplicates, originals, rates.duplicate), (source, duplicates, originals)


def test_every_kind_of_error_occurs_somewhere(generated: Generated) -> None:
    seen: dict[str, int] = defaultdict(int)
    for row in generated.truth("records"):
        for name in filter(None, row["errors"].split(";")):
            seen[name] += 1
    for name in ERRORS:
        assert seen[name] > 0, name
    assert re.fullmatch(r"[a-z_;]*", ";".join(seen))

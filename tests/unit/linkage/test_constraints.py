"""The cannot-link rules on hand-made pairs: twins, namesakes, typos, nicknames, swaps."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from familyhub.linkage import features, pipeline
from familyhub.linkage.constraints import paired_records_sql, violated_rule_sql

BASE: dict[str, Any] = {
    "source": "health",
    "partner_person_id": None,
    "status": "active",
    "given_name": None,
    "family_name": None,
    "other_names": None,
    "sex": "F",
    "nhs_number": None,
    "ni_number": None,
    "upn": None,
    "address": "1 Mill Lane",
    "postcode": "NS1 1AA",
    "postcode_sector": "NS1 1",
    "postcode_district": "NS1",
    "uprn": None,
    "phone": None,
    "email": None,
    "updated_at": None,
}


def rule_for(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    rows = []
    for i, r in enumerate((a, b), start=1):
        rows.append(BASE | {"id": i, "record_id": f"R{i}"} | r)
    table = pa.Table.from_pylist(rows)
    con = pipeline.connect()
    features.prepare(con, table)
    con.execute("create table p as select 1::bigint as unique_id_l, 2::bigint as unique_id_r")
    paired = paired_records_sql("p", "fh_records")
    value = con.sql(f"select {violated_rule_sql()} from ({paired})").fetchall()[0][0]  # noqa: S608
    return str(value) if value else None


def person(given: str, family: str, dob: date | None, **extra: Any) -> dict[str, Any]:
    return {"given_name_match": given, "family_name_match": family, "date_of_birth": dob} | extra


TWIN_DAY = date(2016, 4, 3)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (person("olivia", "smith", TWIN_DAY), person("amelia", "smith", TWIN_DAY), "twin"),
        (person("ying", "zhu", TWIN_DAY), person("yang", "zhu", TWIN_DAY), "twin"),
        (
            person("liam", "reynolds", date(1965, 2, 4)),
            person("liam", "reynolds", date(2016, 4, 3)),
            "different_dob",
        ),
        (person("olivia", "smith", TWIN_DAY), person("olvia", "smith", TWIN_DAY), None),
        (person("bill", "jones", TWIN_DAY), person("william", "jones", TWIN_DAY), None),
        (person("mohammed", "khan", TWIN_DAY), person("muhammad", "khan", TWIN_DAY), None),
        (person("smith", "olivia", TWIN_DAY), person("olivia", "smith", TWIN_DAY), None),
        (person("olivia", "smith", date(2016, 3, 4)), person("olivia", "smith", TWIN_DAY), None),
        (person("olivia", "smith", date(2016, 4, 13)), person("olivia", "smith", TWIN_DAY), None),
        (person("olivia", "smith", None), person("harry", "smith", None), "different_given_name"),
        (
            person("olivia", "smith", TWIN_DAY, nhs_number="4857773456"),
            person("olvia", "smith", TWIN_DAY, nhs_number="9434765919"),
            "same_source_identifier",
        ),
        (
            person("olivia", "smith", TWIN_DAY, nhs_number="4857773456"),
            person("olivia", "smith", TWIN_DAY, nhs_number="9434765919"),
            "identifier_clash",
        ),
        (
            person("jack", "moore", date(2024, 11, 11), nhs_number="4857773456"),
            person("jacob", "moore", date(2024, 11, 10), nhs_number="9434765919", source="dwp"),
            "different_identifier",
        ),
    ],
)
def test_rules(a: dict[str, Any], b: dict[str, Any], expected: str | None) -> None:
    assert rule_for(a, b) == expected


def test_a_relatives_nhs_number_does_not_make_twins_one_person() -> None:
    a = person("olivia", "smith", TWIN_DAY, nhs_number="4857773456", source="health")
    b = person("amelia", "smith", TWIN_DAY, nhs_number="4857773456", source="police")
    assert rule_for(a, b) == "twin"

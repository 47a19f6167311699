"""Each partner file is laid out as docs/synthetic-data.md says."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from familyhub.synth.generate import SOURCES
from familyhub.synth.layouts import LAYOUTS

from .conftest import Generated

DOC = Path(__file__).resolve().parents[3] / "docs" / "synthetic-data.md"


def documented_columns() -> dict[str, list[str]]:
    """Per source, the backticked names in the first column of its table in the doc."""
    text = DOC.read_text("utf-8")
    sections = re.split(r"^### \d+\. `([a-z_]+)`.*$", text, flags=re.M)
    columns: dict[str, list[str]] = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        body = body.split("\n## ")[0]
        names: list[str] = []
        for line in body.splitlines():
            if line.startswith("| `"):
                first_cell = line.split("|")[1]
                names.extend(re.findall(r"`([^`]+)`", first_cell))
        columns[name] = names
    return columns


def test_the_doc_describes_every_source() -> None:
    assert set(documented_columns()) == set(SOURCES)
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("source", SOURCES)
def test_columns_match_the_doc(generated: Generated, source: str) -> None:
    rows = generated.extract(source)
    assert list(rows[0].keys()) == documented_columns()[source]
    assert LAYOUTS[source].file_name in DOC.read_text("utf-8")


def test_early_years_is_cp1252_quoted_with_crlf(generated: Generated) -> None:
    data = (generated.out / "extracts" / LAYOUTS["early_years"].file_name).read_bytes()
    assert b"\r\n" in data
    first = data.split(b"\r\n")[1]
    assert first.startswith(b'"EYR')
    assert first.endswith(b'"')
    data.decode("cp1252")
    rows = generated.extract("early_years")
    assert all(re.match(r"^\d{2}-[A-Z][a-z]{2}-\d{2}$", str(r["DOB"])) for r in rows)
    assert all(", " in str(r["Child Name"]) for r in rows)


def test_dwp_file_is_pipe_delimited(generated: Generated) -> None:
    text = (generated.out / "extracts" / LAYOUTS["dwp_benefits"].file_name).read_text("utf-8")
    header = text.splitlines()[0]
    assert header.startswith("RECORD_ID|CLAIM_ID|NINO|")
    assert all(re.match(r"^\d{8}$", str(r["DOB"])) for r in generated.extract("dwp_benefits"))


def test_neet_file_has_a_bom_and_semicolons(generated: Generated) -> None:
    data = (generated.out / "extracts" / LAYOUTS["neet_tracking"].file_name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b'";"' in data.splitlines()[0]


def test_substance_misuse_is_a_workbook_with_date_cells(generated: Generated) -> None:
    path = generated.out / "extracts" / LAYOUTS["substance_misuse"].file_name
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Episodes"]
    rows = generated.extract("substance_misuse")
    assert all(isinstance(r["Date of Birth"], dt.datetime) for r in rows)


def test_domestic_abuse_service_is_json_lines(generated: Generated) -> None:
    path = generated.out / "extracts" / LAYOUTS["domestic_abuse_service"].file_name
    for line in path.read_text("utf-8").splitlines():
        record = json.loads(line)
        assert record["role"] in ("VICTIM", "PERPETRATOR", "CHILD")
        assert isinstance(record["marac"], bool)


def test_health_visiting_children_name_their_mothers_record(generated: Generated) -> None:
    rows = generated.extract("health_visiting")
    clients = {r["client_id"] for r in rows}
    named = [r for r in rows if r["mother_client_id"]]
    assert named
    assert all(r["mother_client_id"] in clients for r in named)


def test_social_care_rows_share_family_groups_and_factor_codes(generated: Generated) -> None:
    rows = generated.extract("childrens_social_care")
    assert {r["role_in_family"] for r in rows} >= {"CHILD", "MOTHER"}
    factors = [r["cin_factors"] for r in rows if r["cin_factors"]]
    assert factors
    assert all(re.match(r"^\d+[A-F]?(,\d+[A-F]?)*$", str(f)) for f in factors)


def test_date_formats_differ_by_partner(generated: Generated) -> None:
    assert re.match(
        r"^\d{2}/\d{2}/\d{4}$", str(generated.extract("police_incidents")[0]["incident_date"])
    )
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", str(generated.extract("school_census")[0]["dob"]))
    assert re.match(
        r"^\d{8}$", str(generated.extract("mental_health_referrals")[0]["referral_date"])
    )
    assert re.match(
        r"^\d{2}-[A-Z][a-z]{2}-\d{4}$", str(generated.extract("youth_justice")[0]["dob"])
    )

"""Loading extracts end to end on the configured database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from familyhub.db import make_engine, session_factory
from familyhub.sources.contract import Contract, parse_contract
from familyhub.sources.models import (
    QuarantineRow,
    SourceEvent,
    SourceExtract,
    SourceRecord,
    SourceRelationship,
)
from familyhub.sources.registry import builtin_contracts_dir, find_contract
from familyhub.sources.service import ingest_file, plan_ingest
from tests.unit.sources.extracts import POLICE_HEADER, police_file, police_row, write_police

POLICE = find_contract("police_incidents").contract


@pytest.fixture
def db(fresh_db_url: str):
    engine = make_engine(fresh_db_url)
    yield session_factory(engine)
    engine.dispose()


def load(db, path: Path, contract: Contract = POLICE):
    with db() as session:
        outcome = ingest_file(path, contract, session=session, actor="test")
        session.commit()
    return outcome


def count(db, model, *where) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def police_variant(**changes) -> Contract:
    data = yaml.safe_load((builtin_contracts_dir() / "police_incidents.yaml").read_text())
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return parse_contract(data, origin=Path("test.yaml"))


def test_a_file_loads_with_normalised_identity_events_and_relationships(db, tmp_path) -> None:
    rows = [
        police_row(0, surname="O'BRIEN", forenames="Mary  Anne", dob="12/05/1990",
                   postcode="ns3 7qd", nhs_number="943 476 5919", role="VICTIM",
                   incident_type="DA", incident_date="03/04/2025", dash_risk="HIGH"),
        police_row(1, role="SUSPECT", incident_type="DA", incident_date="03/04/2025"),
        police_row(2, role="CHILD_PRESENT", incident_type="DA", incident_date="03/04/2025"),
    ]  # fmt: skip
    outcome = load(db, write_police(tmp_path / "police_incidents_2026-09-30.csv", rows))
    assert outcome.status == "loaded"
    assert outcome.rows_loaded == 3
    assert "loaded 3 of 3 rows into police_incidents (3 new" in outcome.message
    with db() as session:
        mary = session.scalars(
            select(SourceRecord).where(SourceRecord.record_id == "INV000000000")
        ).one()
        assert (mary.given_name, mary.other_names, mary.family_name) == ("Mary", "Anne", "O'Brien")
        assert (mary.given_name_match, mary.family_name_match) == ("mary", "obrien")
        assert mary.date_of_birth.isoformat() == "1990-05-12"
        assert mary.nhs_number == "9434765919"
        postcode = (mary.postcode, mary.postcode_sector, mary.postcode_district, mary.postcode_area)
        assert postcode == ("NS3 7QD", "NS3 7", "NS3", "NS")
        assert mary.original["surname"] == "O'BRIEN"
        assert mary.original["postcode"] == "ns3 7qd"
        assert mary.status == "active"
        assert mary.partner_person_id == "N00000000"
        assert set(mary.data_categories) == {"personal", "criminal_offence"}
        event = session.scalars(
            select(SourceEvent).where(SourceEvent.record_id == "INV000000000")
        ).one()
        assert event.event_type == "domestic_abuse_incident"
        assert event.event_date.isoformat() == "2025-04-03"
        assert event.data_category == "criminal_offence"
        assert event.description == "Domestic abuse incident (NP/2025/000000): victim"
        assert event.attributes["dash_risk"] == "HIGH"
        assert event.event_id == "INV000000000:incident"
        rels = {
            (r.record_id, r.related_record_id, r.relationship)
            for r in session.scalars(select(SourceRelationship))
        }
        assert ("INV000000002", "INV000000000", "incident_victim") in rels
        assert ("INV000000002", "INV000000001", "incident_suspect") in rels
        extract = session.scalars(select(SourceExtract)).one()
        assert (extract.status, extract.rows_read, extract.loaded_by) == ("loaded", 3, "test")
        assert extract.run_id is not None


def test_loading_the_same_file_again_changes_nothing_and_says_so(db, tmp_path) -> None:
    path = police_file(tmp_path, 30)
    first = load(db, path)
    again = load(db, path)
    assert again.status == "unchanged"
    assert "already loaded as extract" in again.message
    assert "nothing changed" in again.message
    assert count(db, SourceExtract) == 1
    assert count(db, SourceRecord) == 30
    assert again.extract_id == first.extract_id


def test_a_newer_full_extract_updates_adds_and_withdraws(db, tmp_path) -> None:
    old = tmp_path / "old"
    new = tmp_path / "new"
    old.mkdir()
    new.mkdir()
    write_police(old / "police_incidents_2026-08-31.csv", [police_row(i) for i in range(10)])
    rows = [police_row(i) for i in range(2, 12)]
    rows[0]["surname"] = "NEWNAME"  # record 2 changed
    write_police(new / "police_incidents_2026-09-30.csv", rows)
    load(db, old / "police_incidents_2026-08-31.csv")
    with db() as session:
        before = session.scalars(
            select(SourceRecord).where(SourceRecord.record_id == "INV000000002")
        ).one()
        first_id, first_seen = before.id, before.first_seen_at
    outcome = load(db, new / "police_incidents_2026-09-30.csv")
    assert (outcome.rows_new, outcome.rows_changed, outcome.rows_unchanged) == (2, 1, 7)
    assert outcome.rows_withdrawn == 2
    assert "2 withdrawn" in outcome.message
    assert count(db, SourceRecord, SourceRecord.status == "withdrawn") == 2
    assert count(db, SourceRecord, SourceRecord.status == "active") == 10
    with db() as session:
        changed = session.scalars(
            select(SourceRecord).where(SourceRecord.record_id == "INV000000002")
        ).one()
        assert changed.family_name == "Newname"
        assert changed.id == first_id  # ids are stable for linkage
        assert changed.first_seen_at == first_seen
        assert changed.extract_id == outcome.extract_id
    assert count(db, SourceEvent) == 12  # events of withdrawn records are kept
    assert count(db, SourceEvent, SourceEvent.record_id == "INV000000002") == 1


def test_a_delta_extract_never_withdraws(db, tmp_path) -> None:
    delta = police_variant(extract__kind="delta")
    load(db, police_file(tmp_path, 10, name="police_incidents_1.csv"), delta)
    outcome = load(db, police_file(tmp_path, 3, name="police_incidents_2.csv", start=20), delta)
    assert outcome.rows_withdrawn == 0
    assert count(db, SourceRecord, SourceRecord.status == "active") == 13


def test_bad_rows_are_quarantined_with_file_row_field_and_reason(db, tmp_path) -> None:
    rows = [police_row(i) for i in range(40)]
    rows[4]["dob"] = "31/02/2015"  # impossible date: row 6 of the file (header is row 1)
    rows[9]["nhs_number"] = "9434765918"  # bad check digit: the value is dropped, row loads
    rows[14]["involvement_id"] = rows[13]["involvement_id"]  # duplicate id
    outcome = load(db, write_police(tmp_path / "police_incidents_x.csv", rows),
                   police_variant(extract__max_quarantine_share=0.1))  # fmt: skip
    assert outcome.status == "loaded"
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (40, 38, 2)
    assert outcome.values_dropped == 1
    with db() as session:
        entries = {
            (q.row_number, q.field, q.action): q for q in session.scalars(select(QuarantineRow))
        }
    dob = entries[(6, "dob", "row_quarantined")]
    assert dob.file_name == "police_incidents_x.csv"
    assert "31/02/2015" in dob.reason
    assert dob.raw_row["involvement_id"] == rows[4]["involvement_id"]
    nhs = entries[(11, "nhs_number", "value_dropped")]
    assert "modulus 11" in nhs.reason
    dup = entries[(16, "involvement_id", "row_quarantined")]
    assert "row 15 has the same id" in dup.reason
    with db() as session:
        kept = session.scalars(
            select(SourceRecord).where(SourceRecord.record_id == rows[9]["involvement_id"])
        ).one()
        assert kept.nhs_number is None
        assert kept.original["nhs_number"] == "9434765918"


def test_too_many_bad_rows_refuse_the_whole_file(db, tmp_path) -> None:
    rows = [police_row(i) for i in range(20)]
    for row in rows[:5]:
        row["incident_date"] = "2025-04-03"  # wrong format for this contract
    outcome = load(db, write_police(tmp_path / "police_incidents_x.csv", rows))
    assert outcome.status == "refused"
    assert "5 of 20 rows (25.0%) failed, over the contract's limit of 5.0%" in outcome.message
    assert "row 2, field incident_date" in outcome.message
    assert count(db, SourceRecord) == 0
    assert count(db, SourceEvent) == 0
    with db() as session:
        extract = session.scalars(select(SourceExtract)).one()
        assert extract.status == "refused"
        assert count(db, QuarantineRow, QuarantineRow.extract_id == extract.id) >= 5


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (",".join(["involvement_id"] * 1).encode() + b"\n", "missing"),
        (b"involvement_id;incident_ref;incident_date\nINV1;NP;01/01/2025\n",
         "The header looks ';'-delimited"),
        (b"\x00\x01\x02binary\x00" * 100, "binary file"),
        ("id,name\n1,Zoë\n".encode("cp1252"), "not valid utf-8"),
    ],
)  # fmt: skip
def test_unusable_files_are_refused_with_a_reason(db, tmp_path, content, expected) -> None:
    path = tmp_path / "police_incidents_bad.csv"
    path.write_bytes(content)
    outcome = load(db, path)
    assert outcome.status == "refused"
    assert expected in outcome.message
    assert "police_incidents_bad.csv" in outcome.message
    assert count(db, SourceRecord) == 0


def test_header_only_full_extract_is_refused_rather_than_withdrawing_everything(
    db, tmp_path
) -> None:
    load(db, police_file(tmp_path, 5))
    empty = write_police(tmp_path / "police_incidents_empty.csv", [])
    outcome = load(db, empty)
    assert outcome.status == "refused"
    assert "header but no rows" in outcome.message
    assert "withdraw all 5 records" in outcome.message
    assert count(db, SourceRecord, SourceRecord.status == "active") == 5


def test_a_file_for_the_wrong_source_names_the_missing_columns(db, tmp_path) -> None:
    path = tmp_path / "school.csv"
    path.write_text("census_row_id,pupil_id,upn,surname\nSC1,PUP1,,Smith\n")
    outcome = load(db, path)
    assert outcome.status == "refused"
    assert (
        "columns the contract 'police_incidents' maps are missing: involvement_id"
        in outcome.message
    )
    assert "Is it a file for another source?" in outcome.message


def test_extra_columns_are_ignored(db, tmp_path) -> None:
    rows = [police_row(i) | {"officer_notes": "x"} for i in range(3)]
    path = tmp_path / "police_incidents_extra.csv"
    write_police(path, rows, header=[*POLICE_HEADER, "officer_notes"])
    assert load(db, path).rows_loaded == 3


def test_a_10_mb_field_and_a_5000_column_row_are_quarantined_not_lost(db, tmp_path) -> None:
    rows = [police_row(i) for i in range(60)]
    rows[3]["surname"] = "X" * (10 * 1024 * 1024)
    path = write_police(tmp_path / "police_incidents_x.csv", rows)
    with path.open("a") as handle:
        handle.write(",".join(["v"] * 5000) + "\n")
    outcome = load(db, path)
    assert outcome.status == "loaded"
    assert outcome.rows_quarantined == 2
    with db() as session:
        reasons = {q.row_number: q for q in session.scalars(select(QuarantineRow))}
    assert "10,485,760 characters" in reasons[5].reason
    assert len(reasons[5].raw_row["surname"]) == 10 * 1024 * 1024
    assert "5000 fields" in reasons[62].reason


def test_quoted_newlines_bom_and_crlf_load(db, tmp_path) -> None:
    rows = [police_row(i) for i in range(3)]
    rows[1]["address"] = "Flat 2\n9 Mill Lane"
    path = tmp_path / "police_incidents_bom.csv"
    write_police(path, rows)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    outcome = load(db, path)
    assert outcome.rows_loaded == 3, outcome.message


def test_plan_claims_files_by_pattern_and_reports_the_rest(tmp_path) -> None:
    police_file(tmp_path, 1)
    (tmp_path / "notes.txt").write_text("hello")
    planned = {p.path.name: p for p in plan_ingest(tmp_path)}
    police = planned["police_incidents_2026-09-30.csv"].entry
    assert police is not None
    assert police.contract.name == "police_incidents"
    assert planned["notes.txt"].entry is None
    assert "no contract claims this file name" in (planned["notes.txt"].problem or "")


def test_relationship_by_partner_id_points_at_the_relatives_record(db, tmp_path) -> None:
    contract = find_contract("health_visiting").contract
    header = ["contact_id", "client_id", "client_type", "mother_client_id", "nhs_number",
              "forename", "surname", "dob", "sex", "postcode", "gp_practice", "contact_date",
              "service", "contact_type", "concerns", "edd"]  # fmt: skip
    lines = [
        ",".join(header),
        "C000000001,HV00000001,MOTHER,,,Zofia,Nowak,1990-01-02,F,NS1 2AB,P81234,2025-01-05,"
        "HV,ANTENATAL,PMH,2025-04-01",
        "C000000002,HV00000002,CHILD,HV00000001,,Ola,Nowak,2025-03-30,F,NS1 2AB,P81234,2025-04-20,"
        "HV,NEW_BIRTH,DEV;GROW,",
    ]  # fmt: skip
    path = tmp_path / "0-19_service_contacts_20260930.csv"
    path.write_text("\n".join(lines) + "\n")
    outcome = load(db, path, contract)
    assert outcome.rows_loaded == 2, outcome.message
    with db() as session:
        rel = session.scalars(select(SourceRelationship)).one()
        assert (rel.record_id, rel.related_record_id, rel.relationship) == (
            "C000000002", "C000000001", "mother",
        )  # fmt: skip
        events = {e.event_type: e for e in session.scalars(select(SourceEvent))}
        assert events["antenatal_contact"].attributes["expected_delivery_date"] == "2025-04-01"
        assert events["health_visiting_contact"].attributes["concerns"] == ["DEV", "GROW"]
        assert events["health_visiting_contact"].data_category == "health"


def test_outcome_counts_match_the_extract_record(db, tmp_path) -> None:
    outcome = load(db, police_file(tmp_path, 25))
    with db() as session:
        extract = session.get(SourceExtract, outcome.extract_id)
        assert extract is not None
        assert (extract.rows_read, extract.rows_loaded, extract.events_loaded) == (25, 25, 25)
        assert json.loads(json.dumps(extract.message)) == outcome.message


def test_a_delta_names_a_relative_loaded_by_an_earlier_extract(db, tmp_path) -> None:
    data = yaml.safe_load((builtin_contracts_dir() / "health_visiting.yaml").read_text())
    data["extract"]["kind"] = "delta"
    contract = parse_contract(data, origin=Path("health_visiting.yaml"))
    header = (
        "contact_id,client_id,client_type,mother_client_id,nhs_number,forename,surname,dob,sex,"
        "postcode,gp_practice,contact_date,service,contact_type,concerns,edd"
    )
    first = tmp_path / "0-19_service_contacts_1.csv"
    first.write_text(
        header + "\nC1,HV1,MOTHER,,,Zofia,Nowak,1990-01-02,F,NS1 2AB,P81234,2025-01-05,"
        "HV,ANTENATAL,,2025-04-01\n"
    )
    second = tmp_path / "0-19_service_contacts_2.csv"
    second.write_text(
        header + "\nC2,HV2,CHILD,HV1,,Ola,Nowak,2025-03-30,F,NS1 2AB,P81234,2025-04-20,"
        "HV,NEW_BIRTH,,\n"
    )
    load(db, first, contract)
    load(db, second, contract)
    with db() as session:
        rel = session.scalars(select(SourceRelationship)).one()
        assert (rel.record_id, rel.related_record_id, rel.relationship) == ("C2", "C1", "mother")


def test_a_truncated_file_loads_all_but_its_broken_last_row(db, tmp_path) -> None:
    path = police_file(tmp_path, 40, name="police_incidents_cut.csv")
    data = path.read_bytes()
    path.write_bytes(data + b'INV999999999,"NP/2025/9')  # cut off inside a quoted field
    outcome = load(db, path)
    assert outcome.status == "loaded", outcome.message
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (41, 40, 1)
    with db() as session:
        entry = session.scalars(select(QuarantineRow)).one()
    assert entry.row_number == 42
    assert "truncated" in entry.reason

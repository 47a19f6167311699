"""An erased person's partner records do not come back with the partner's next extract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from familyhub.config import get_settings
from familyhub.db import make_engine, session_factory
from familyhub.rights import requests as rr
from familyhub.rights.erasure import carry_out_erasure
from familyhub.rights.models import ErasureSuppression
from familyhub.rights.outbox import export_outbox
from familyhub.rights.suppression import key_path
from familyhub.sources.models import QuarantineRow, SourceRecord, SourceRelationship
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file
from tests.integration.rights.synthetic_subject import NHS, _insert, find_identifiers, link

TODAY = date(2026, 11, 2)
HV = find_contract("health_visiting").contract
HEADER = (
    "contact_id,client_id,client_type,mother_client_id,nhs_number,forename,surname,dob,sex,"
    "postcode,gp_practice,contact_date,service,contact_type,concerns,edd"
)


def _zephyrine(dob: str = "1990-05-01", concerns: str = "PMH") -> str:
    return (
        f"C000000001,HV00000001,MOTHER,,{NHS},Zephyrine,Quillfeather,{dob},F,NS1 2AB,P81234,"
        f"2025-01-05,HV,ANTENATAL,{concerns},2025-04-01"
    )


def _baby(postcode: str = "NS1 2AB") -> str:
    return (
        f"C000000002,HV00000002,CHILD,HV00000001,,Ola,Ashdown,2025-03-30,F,{postcode},P81234,"
        "2025-04-20,HV,NEW_BIRTH,DEV,"
    )


def _neighbour(postcode: str = "NS2 4BD") -> str:
    return (
        f"C000000003,HV00000003,MOTHER,,,Marigold,Ashdown,1988-07-14,F,{postcode},P81234,"
        "2025-02-11,HV,ANTENATAL,,2025-06-01"
    )


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join((HEADER, *rows)) + "\n")
    return path


@pytest.fixture
def db(fresh_db_url: str):
    engine = make_engine(fresh_db_url)
    yield session_factory(engine)
    engine.dispose()


def _load(db, path: Path):
    with db() as session:
        outcome = ingest_file(path, HV, session=session, actor="test")
        session.commit()
    return outcome


def _erase_zephyrine(db) -> None:
    keys = get_settings().resolved_keys_dir
    with db() as session:
        record = session.scalars(
            select(SourceRecord).where(SourceRecord.record_id == "C000000001")
        ).one()
        _insert(session, "person", id="p-zephyrine", status="active", given_name="Zephyrine",
                family_name="Quillfeather", nhs_number=NHS)  # fmt: skip
        assert link(session, "p-zephyrine", record.id)
        request = rr.register_request(
            session,
            kind="erasure",
            requester="Zephyrine Quillfeather",
            received_on=TODAY,
            identity_checked_on=TODAY,
            subject_details={"name": "Zephyrine Quillfeather"},
            person_id="p-zephyrine",
            actor="ig",
        ).request
        outcome = carry_out_erasure(
            session, request_id=request.id, actor="ig", on=TODAY, keys_dir=keys, obligations={}
        )
        assert outcome.done, outcome.message
        export_outbox(session, out_dir=keys.parent / "outbox", actor="ig")
        session.commit()


@pytest.mark.parametrize("second_process", [False, True], ids=["in_process", "worker"])
def test_the_next_extract_does_not_bring_an_erased_person_back(
    db, tmp_path, monkeypatch: pytest.MonkeyPatch, second_process: bool
) -> None:
    if second_process:  # the rows of a big file are prepared in a second process
        monkeypatch.setattr("familyhub.sources.prepare.PARALLEL_FROM_BYTES", 0)
    first = _load(db, _write(tmp_path / "0-19_service_contacts_20260930.csv",
                             _zephyrine(), _baby(), _neighbour()))  # fmt: skip
    assert first.rows_loaded == 3, first.message
    _erase_zephyrine(db)
    with db() as session:
        assert find_identifiers(session) == []
        prints = session.scalars(select(ErasureSuppression)).all()
        # her record and her partner person id, as keyed fingerprints only
        assert sorted(p.kind for p in prints) == ["partner", "record"]
        assert all(len(p.fingerprint) == 64 and "C000000001" not in p.fingerprint for p in prints)
    assert key_path().exists()

    # The partner sends her again (her row changed, with a date that would be quarantined),
    # the baby naming her as mother, and a change for someone else.
    second = _load(db, _write(tmp_path / "0-19_service_contacts_20261031.csv",
                              _zephyrine(dob="1990-02-30", concerns="PMH;DV"),
                              _baby(), _neighbour(postcode="NS3 7QD")))  # fmt: skip
    assert second.status == "loaded", second.message
    assert second.rows_suppressed == 1
    assert second.rows_quarantined == 0
    assert (second.rows_new, second.rows_changed, second.rows_unchanged) == (0, 1, 1)
    assert second.rows_withdrawn == 0
    assert "1 rows skipped: erased at the data subject's request" in second.message
    with db() as session:
        assert find_identifiers(session) == []
        records = {r.record_id: r for r in session.scalars(select(SourceRecord))}
        assert sorted(records) == ["C000000002", "C000000003"]
        assert records["C000000003"].postcode == "NS3 7QD"
        assert {r.status for r in records.values()} == {"active"}
        quarantined = [
            (q.action, q.reason, q.raw_row) for q in session.scalars(select(QuarantineRow))
        ]
        assert quarantined == []
        # the baby's link to her erased mother is not made again, not even by partner id
        assert session.scalars(select(SourceRelationship)).all() == []

    # Reloading stays idempotent: the same bytes change nothing; a further full extract
    # without her withdraws nothing and brings nothing back.
    again = _load(db, tmp_path / "0-19_service_contacts_20261031.csv")
    assert again.status == "unchanged"
    third = _load(db, _write(tmp_path / "0-19_service_contacts_20261130.csv",
                             _baby(), _neighbour(postcode="NS3 7QD"), _zephyrine()))  # fmt: skip
    assert (third.rows_suppressed, third.rows_new, third.rows_changed) == (1, 0, 0)
    assert third.rows_withdrawn == 0
    with db() as session:
        assert find_identifiers(session) == []
        assert session.scalars(select(SourceRecord.record_id)).all() != []
        assert "C000000001" not in session.scalars(select(SourceRecord.record_id)).all()


def test_a_partner_with_nothing_erased_loads_without_the_key(db, tmp_path) -> None:
    outcome = _load(db, _write(tmp_path / "0-19_service_contacts_20260930.csv", _neighbour()))
    assert outcome.rows_loaded == 1
    assert outcome.rows_suppressed == 0
    assert "skipped" not in outcome.message
    assert not key_path().exists()

"""Rectification outranks the source until the source changes, and partners are told."""

import json
from datetime import date
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from familyhub.rights import requests as rr
from familyhub.rights.models import PartnerNotification, Rectification
from familyhub.rights.outbox import export_outbox, pending
from familyhub.rights.rectification import overlay, rectify
from tests.integration.rights.synthetic_subject import has_links, store_everywhere

TODAY = date(2026, 11, 2)


def _request(session: Session, person_id: str, kind: str = "rectification"):
    return rr.register_request(
        session,
        kind=kind,
        requester="Zephyrine's parent",
        received_on=TODAY,
        identity_checked_on=TODAY,
        subject_details={"name": "Zephyrine Quillfeather"},
        person_id=person_id,
        details={"field": "date_of_birth", "says": "born on the 19th, not the 9th"},
        actor="ig",
    ).request


def test_correction_outranks_the_source_across_reloads_until_the_source_changes(
    session: Session,
) -> None:
    stored = store_everywhere(session)
    request = _request(session, stored.person_id)
    outcome = rectify(
        session,
        request_id=request.id,
        field="date_of_birth",
        corrected_value="2014-03-19",
        reason="birth certificate seen",
        actor="ig",
        source_value=date(2014, 3, 9),
    )
    assert outcome.done, outcome.message
    from_sources = {"date_of_birth": date(2014, 3, 9), "given_name": "Zephyrine"}
    # the view, then a re-load bringing the same wrong value: the correction still wins
    for _ in range(2):
        shown = overlay(session, person_id=stored.person_id, values=from_sources)
        assert shown == {"date_of_birth": "2014-03-19", "given_name": "Zephyrine"}
    # the partner fixes its own record (to a value of its own): the source is the truth again
    fixed = {"date_of_birth": date(2014, 3, 19)}
    assert overlay(session, person_id=stored.person_id, values=fixed) == fixed
    rect = session.query(Rectification).one()
    assert rect.status == "superseded"
    # and the retired correction never comes back, even if old data is re-loaded
    assert overlay(session, person_id=stored.person_id, values=from_sources) == from_sources


def test_partners_holding_the_field_are_told_and_the_outbox_exports(
    session: Session, tmp_path: Path
) -> None:
    stored = store_everywhere(session)
    request = _request(session, stored.person_id)
    rectify(
        session,
        request_id=request.id,
        field="nhs_number",
        corrected_value="9434765870",
        reason="GP record checked",
        actor="ig",
    )
    notes = pending(session)
    if not has_links():
        assert notes == []  # without links no partner record is reached yet
        return
    # her current and merged police records, and her social care record
    assert len(notes) == 3
    assert {n.organisation for n in notes} == {
        "Northshire Police",
        "Northshire Council Children's Services",
    }
    files = export_outbox(session, out_dir=tmp_path, actor="ig")
    assert len(files) == 2
    document = json.loads(files[0].read_text())
    assert document["notifications"][0]["corrected_value"] == "9434765870"
    assert pending(session) == []
    assert all(n.payload == {} for n in session.query(PartnerNotification))


def test_rectification_needs_a_reason_and_a_rectification_request(session: Session) -> None:
    stored = store_everywhere(session)
    request = _request(session, stored.person_id)
    refused = rectify(
        session, request_id=request.id, field="sex", corrected_value="F", reason=" ", actor="ig"
    )
    assert not refused.done
    assert "reason" in refused.message
    access = _request(session, stored.person_id, kind="access")
    assert not rectify(
        session, request_id=access.id, field="sex", corrected_value="F", reason="x", actor="ig"
    ).done


def test_golden_record_shows_the_correction_until_the_source_is_fixed(session: Session) -> None:
    from familyhub.linkage.models import GoldenValue, Person
    from familyhub.rights.service import golden_with_corrections

    stored = store_everywhere(session)
    request = _request(session, stored.person_id)
    assert rectify(
        session,
        request_id=request.id,
        field="date_of_birth",
        corrected_value="2014-03-19",
        reason="birth certificate seen",
        actor="ig",
    ).done  # the sources all say 2014-03-09: that is the value corrected
    person = session.get(Person, stored.person_id)
    assert person is not None
    assert golden_with_corrections(session, person_id=stored.person_id)["date_of_birth"] == (
        "2014-03-19"
    )
    # linkage rebuilds the golden record from a re-load that still says the 9th
    person.date_of_birth = date(2014, 3, 9)
    session.flush()
    assert golden_with_corrections(session, person_id=stored.person_id)["date_of_birth"] == (
        "2014-03-19"
    )
    # the partner corrects its record; the next golden record says the 19th from source
    # (rebuilt by linkage: the sources' values only, the correction row gone)
    session.execute(
        delete(GoldenValue).where(
            GoldenValue.person_id == stored.person_id, GoldenValue.rule.like("corrected by%")
        )
    )
    person.date_of_birth = date(2014, 3, 19)
    session.flush()
    golden = golden_with_corrections(session, person_id=stored.person_id)
    assert golden["date_of_birth"] == date(2014, 3, 19)
    assert session.query(Rectification).one().status == "superseded"

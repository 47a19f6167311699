"""Subject access: everything about the subject, nothing about anyone else unredacted."""

import contextlib
import re
import zlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from familyhub.rights import requests as rr
from familyhub.rights.access import REDACTED, compile_export, review, to_html, to_json, to_pdf
from tests.integration.rights.synthetic_subject import (
    FAMILY_REFERRAL,
    has_links,
    store_everywhere,
)

TODAY = date(2026, 11, 2)


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed object streams inflated, to look inside."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream))
    return b"\n".join(parts)


def _access_request(session: Session, person_id: str):
    return rr.register_request(
        session,
        kind="access",
        requester="Zephyrine's parent",
        requester_relationship="parent",
        received_on=TODAY,
        identity_checked_on=TODAY,
        subject_details={"name": "Zephyrine Quillfeather"},
        person_id=person_id,
        actor="ig",
    ).request


def test_export_holds_everything_about_her_and_nothing_about_her_mother(
    session: Session, tmp_path: Path
) -> None:
    stored = store_everywhere(session)
    _health_visitor_opens_her_record(session, stored.person_id, tmp_path)
    request = _access_request(session, stored.person_id)
    export = compile_export(session, request=request)
    text = to_json(export)
    assert export.viewed_by == [
        {
            "when": export.viewed_by[0]["when"],
            "organisation": "Northshire Council",
            "role": "health_visitor",
            "purpose": "early_help",
            "what": "opened their record",
        }
    ]
    assert "hv1" not in text  # the organisation and role, not the member of staff
    # every path her data was stored through is in the export
    sections = {item.section for items in export.sections.values() for item in items}
    expected = {
        "person",
        "golden_value",
        "family_member",
        "family_change",
        "household_member",
        "household",
        "person_relationship",
        "family_need",
        "need_evidence",
        "rejected_event",
        "involvement",
        "referral",
        "referral_state_change",
        "consent_record",
    }
    if has_links():
        expected |= {
            "source_record",
            "source_event",
            "source_relationship",
            "quarantine_row",
            "person_link",
        }
    assert expected <= sections, expected - sections
    # and nothing about her mother is shown: not her name, her person id or her record id
    for theirs in ("Marigold", "Ashcombe", stored.other_person_id, "INV000000003"):
        assert theirs not in text, theirs
    for words in [FAMILY_REFERRAL, "Worried about Zephyrine", "seen at school", "lead_practitioner",
                  "Signed by Quillfeather", "family membership"]:  # fmt: skip
        assert words in text, words
    if has_links():
        assert "9434765919" in text  # her NHS number from the police record
        assert "present at a DA incident" in text
        assert "Child in need plan" in text
        assert REDACTED in text  # her mother's record naming her is not shown as whose
    html = to_html(export, controller_name="Northshire Council")
    assert "Worried about Zephyrine" in html
    if has_links():
        assert "from Northshire Police" in html  # each partner's record says who sent it
    pdf = to_pdf(html, tmp_path / "sar.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/StructTreeRoot" in _inflated(data)  # tagged for screen readers
    assert b"/Lang" in _inflated(data)


def _health_visitor_opens_her_record(session: Session, person_id: str, keys: Path) -> None:
    from sqlalchemy import select

    from familyhub.access.models import User
    from familyhub.audit.service import Actor, record

    staff = session.scalars(select(User).where(User.username == "hv1")).one()
    record(
        session,
        actor=Actor(staff.id, staff.username, staff.organisation_id, ("health_visitor",)),
        action="person.view",
        records=[f"person:{person_id}"],
        decision="allow",
        purpose="early_help",
        request_id=None,
        keys_dir=keys,
    )


def test_export_is_written_and_the_disclosure_audited(session: Session, tmp_path: Path) -> None:
    from familyhub.audit.queries import who_viewed
    from familyhub.rights.access import write_export

    stored = store_everywhere(session)
    request = _access_request(session, stored.person_id)
    files = write_export(
        session,
        request=request,
        out_dir=tmp_path,
        formats={"json", "html"},
        actor="ig.officer",
        controller_name="Northshire Council",
        keys_dir=tmp_path,
    )
    assert sorted(p.suffix for p in files) == [".html", ".json"]
    assert [v.action for v in who_viewed(session, person_id=stored.person_id)] == [
        "rights.subject_access"
    ]


def test_reviewer_can_withhold_an_item_with_the_reason_recorded(session: Session) -> None:
    from familyhub.rights.access import items_to_review

    stored = store_everywhere(session)
    request = _access_request(session, stored.person_id)
    to_read = items_to_review(compile_export(session, request=request))
    assert any(text == "Worried about Zephyrine Quillfeather" for _, _, text in to_read)
    referral_key = next(
        i.key for items in compile_export(session, request=request).sections.values()
        for i in items if i.key.startswith("referral:")
    )  # fmt: skip
    review(
        session,
        request_id=request.id,
        item_key=referral_key,
        decision="withhold",
        reason="serious harm: disclosure would reveal the referrer",
        actor="ig.reviewer",
    )
    text = to_json(compile_export(session, request=request))
    assert "Worried about Zephyrine" not in text
    assert "serious harm: disclosure would reveal the referrer" in text


def test_unresolved_subject_cannot_be_exported(session: Session) -> None:
    request = rr.register_request(
        session,
        kind="access",
        requester="X",
        received_on=TODAY,
        identity_checked_on=TODAY,
        subject_details={"name": "Unknown"},
        person_id="nobody",
        actor="ig",
    ).request
    with pytest.raises(ValueError, match="resolve it first"):
        compile_export(session, request=request)

"""A synthetic person stored through every path that exists, for the rights tests.

Everything written carries one of ``IDENTIFIERS`` so that a test can search the whole
database for them afterwards. All values are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, String, Text, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from familyhub.models import load_all_models
from familyhub.rights.personal_data import link_tables
from familyhub.runs import start_run

NAME = ("Zephyrine", "Quillfeather")
DOB = date(2014, 3, 9)
NHS = "9434765919"
ADDRESS = "71 Brambleweft Close, Northtown"
IDENTIFIERS = ("Zephyrine", "Quillfeather", NHS, "Brambleweft", "2014-03-09", "09/03/2014")
WHEN = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
FAMILY_REFERRAL = "Family struggling with rent arrears"


@dataclass
class Stored:
    person_id: str
    other_person_id: str
    record_pks: dict[str, int]
    extract_ids: tuple[int, ...]


def _tables() -> Any:
    return load_all_models().metadata.tables


def _insert(session: Session, table: str, **values: Any) -> Any:
    result: Any = session.execute(insert(_tables()[table]).values(**values))
    pk = result.inserted_primary_key
    return pk[0] if pk else None


def _extract(session: Session, source: str) -> int:
    return int(
        _insert(
            session,
            "source_extract",
            source=source,
            file_name=f"{source}.csv",
            file_sha256="0" * 64,
            kind="full",
            status="loaded",
            contract_sha256="0" * 64,
            loaded_by="test",
        )
    )


def _record(session: Session, source: str, record_id: str, extract: int, **who: Any) -> int:
    return int(
        _insert(
            session,
            "source_record",
            source=source,
            record_id=record_id,
            extract_id=extract,
            row_sha256="1" * 64,
            **who,
        )
    )


def link(session: Session, person_id: str, record_pk: int) -> bool:
    """Link a record to a person through the linkage's link table (``person_link``)."""
    tables = link_tables()
    if not tables:
        return False
    table, person_col, record_col = tables[0]
    records = _tables()["source_record"]
    record = session.execute(select(records).where(records.c.id == record_pk)).one()
    run = start_run(session, stage="link", actor="test", parameters={})
    values: dict[str, Any] = {
        person_col: person_id,
        record_col: record_pk,
        "source": record.source,
        "record_id": record.record_id,
        "run_id": run.id,
    }
    session.execute(insert(table).values(**values))
    return True


def store_everywhere(session: Session, *, person_id: str = "p-zephyrine") -> Stored:
    """The subject, her mother (another person) and data about them on every path."""
    other = "p-mother"
    _insert(
        session,
        "person",
        id=person_id,
        status="active",
        given_name=NAME[0],
        family_name=NAME[1],
        date_of_birth=DOB,
        nhs_number=NHS,
        postcode="NS3 7QD",
    )
    _insert(session, "person", id=other, status="active", given_name="Marigold")
    _insert(
        session,
        "golden_value",
        person_id=person_id,
        field="given_name",
        value=NAME[0],
        chosen=True,
        sources=[{"source": "police_incidents", "record_id": "INV000000001"}],
    )
    _insert(session, "person", id=f"{person_id}-old", status="merged", merged_into=person_id)
    org = _insert(session, "organisation", code="NSC", name="Northshire Council", kind="council")
    staff = _insert(
        session, "app_user", username="hv1", display_name="Health Visitor", organisation_id=org
    )
    ex_police, ex_csc = (
        _extract(session, "police_incidents"),
        _extract(session, "childrens_social_care"),
    )
    who = {
        "given_name": NAME[0],
        "family_name": NAME[1],
        "date_of_birth": DOB,
        "nhs_number": NHS,
        "address": ADDRESS,
        "postcode": "NS3 7QD",
        "original": {"forenames": NAME[0], "surname": NAME[1].upper(), "dob": "09/03/2014"},
    }
    police = _record(session, "police_incidents", "INV000000001", ex_police, **who)
    police_old = _record(session, "police_incidents", "INV000000002", ex_police, **who)
    csc = _record(session, "childrens_social_care", "CSC0001", ex_csc, **who)
    mother = _record(
        session,
        "police_incidents",
        "INV000000003",
        ex_police,
        given_name="Marigold",
        family_name="Ashcombe",
        original={"note": "mother"},
    )
    _insert(
        session,
        "source_event",
        source="police_incidents",
        record_id="INV000000001",
        event_id="INV000000001:da",
        event_type="domestic_abuse_incident",
        event_date=date(2026, 2, 1),
        data_category="criminal_offence",
        description=f"{NAME[0]} present at a DA incident",
        extract_id=ex_police,
    )
    _insert(
        session,
        "source_event",
        source="childrens_social_care",
        record_id="CSC0001",
        event_id="CSC0001:cin",
        event_type="child_in_need_plan",
        event_date=date(2025, 1, 1),
        data_category="social_care",
        description="Child in need plan",
        extract_id=ex_csc,
    )
    _insert(
        session,
        "source_relationship",
        source="police_incidents",
        record_id="INV000000003",
        related_record_id="INV000000001",
        relationship="child",
        extract_id=ex_police,
    )
    _insert(
        session,
        "quarantine_row",
        extract_id=ex_police,
        source="police_incidents",
        file_name="police.csv",
        row_number=7,
        field="dob",
        action="value_dropped",
        reason="impossible date",
        raw_row={"involvement_id": "INV000000001", "dob": "31/02/2014", "surname": NAME[1].upper()},
    )
    linked = [
        link(session, person_id, police),
        link(session, f"{person_id}-old", police_old),
        link(session, person_id, csc),
        link(session, other, mother),
    ]
    assert len(set(linked)) == 1
    _insert(session, "family", id="f-1", status="active")
    _insert(session, "family_member", family_id="f-1", person_id=person_id, role="child")
    _insert(session, "family_member", family_id="f-1", person_id=other, role="parent")
    _insert(
        session,
        "involvement",
        person_id=person_id,
        family_id="f-1",
        user_id=staff,
        organisation_id=org,
        kind="lead_practitioner",
        started_at=WHEN,
        recorded_by_user_id=staff,
    )
    referral = _insert(
        session,
        "referral",
        kind="early_help",
        person_id=person_id,
        referrer_user_id=staff,
        referrer_organisation_id=org,
        reason=f"Worried about {NAME[0]} {NAME[1]}",
        consent_at_referral="given",
    )
    _insert(
        session,
        "referral",
        kind="early_help",
        family_id="f-1",
        referrer_user_id=staff,
        referrer_organisation_id=org,
        reason=FAMILY_REFERRAL,
        consent_at_referral="given",
    )
    _insert(
        session,
        "referral_state_change",
        referral_id=referral,
        to_state="accepted",
        changed_by_user_id=staff,
        note=f"{NAME[0]} seen at school",
    )
    _insert(
        session,
        "consent_record",
        person_id=person_id,
        state="given",
        effective_at=WHEN,
        recorded_by_user_id=staff,
        evidence=f"Signed by {NAME[1]} family",
    )
    _insert(
        session,
        "household",
        id="h-1",
        address_key="71 brambleweft close ns3 7qd",
        address=ADDRESS,
        postcode="NS3 7QD",
    )
    _insert(session, "household_member", household_id="h-1", person_id=person_id)
    _insert(
        session,
        "person_relationship",
        person_id=person_id,
        related_person_id=other,
        relationship="mother",
        sources="police_incidents",
    )
    _insert(
        session,
        "family_change",
        family_id="f-1",
        change="joined",
        person_id=person_id,
        changed_on=date(2026, 1, 1),
    )
    _insert(
        session,
        "family_need",
        family_id="f-1",
        person_id=person_id,
        need="children_safe",
        status="identified",
        first_evidence_date=date(2026, 2, 1),
        last_evidence_date=date(2026, 2, 1),
        evidence_count=1,
        rules_version="2022.1",
        assessed_on=date(2026, 9, 30),
    )
    _insert(
        session,
        "need_evidence",
        family_id="f-1",
        person_id=person_id,
        need="children_safe",
        signal="indicator",
        rule_id="da_child_present",
        rules_version="2022.1",
        source="police_incidents",
        record_id="INV000000001",
        event_id="INV000000001:da",
        event_date=date(2026, 2, 1),
        text=f"{NAME[0]} was present at a domestic abuse incident",
    )
    _insert(
        session,
        "rejected_event",
        source="police_incidents",
        record_id="INV000000001",
        event_id="INV000000001:x",
        person_id=person_id,
        event_date=date(2030, 1, 1),
        reason="dated in the future",
    )
    records = {"police": police, "csc": csc, "mother": mother}
    return Stored(person_id, other, records, (ex_police, ex_csc))


def has_links() -> bool:
    return bool(link_tables())


def find_identifiers(session: Session) -> list[tuple[str, str, str]]:
    """Every (table, column, value) in the database that carries one of the identifiers."""
    hits = []
    for table in _tables().values():
        text_cols = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        date_cols = [c for c in table.columns if isinstance(c.type, Date)]
        if not text_cols and not date_cols:
            continue
        for row in session.execute(select(table)):
            values = row._mapping
            for col in text_cols:
                text = str(values[col.name])
                hits += [(table.name, col.name, text) for i in IDENTIFIERS if i in text]
            for col in date_cols:
                if values[col.name] == DOB:
                    hits.append((table.name, col.name, str(DOB)))
    return hits

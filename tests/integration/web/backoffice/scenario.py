"""Small synthetic scenarios for the back-office pages, written through the models.

Only made-up people. Each helper writes what a page needs and returns its ids; the pages
then read it through the domain services as they would in production.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.families.models import Family, FamilyMember
from familyhub.linkage.models import Person, ReviewPair
from familyhub.outcomes.models import FamilyAssessment, FamilyNeed, NeedEvidence
from familyhub.sources.models import QuarantineRow, SourceEvent, SourceExtract, SourceRecord
from tests.integration.web.support import TestUser, make_user

ROLES = {
    "data": ("data_team", "data_quality"),
    "programme": ("programme_team", "supporting_families"),
    "ig": ("information_governance_officer", "information_governance"),
    "planner": ("planner", "statistics"),
}


def user(kind: str, username: str | None = None) -> tuple[TestUser, str]:
    """A user of one back-office role, and the purpose they state."""
    role, purpose = ROLES[kind]
    made = make_user(
        username or f"{kind}.tester",
        roles=(role,),
        organisation_code="northmoor-council",
        organisation_name="Northmoor Council",
    )
    return made, purpose


def new_id() -> str:
    return uuid.uuid4().hex


def extract(source: str = "school_census", *, quarantined: int = 0) -> int:
    with unit_of_work() as session:
        made = SourceExtract(
            source=source,
            file_name=f"{source}_2026-09-30.csv",
            file_sha256="0" * 64,
            kind="full",
            status="loaded",
            rows_read=10 + quarantined,
            rows_loaded=10,
            rows_new=10,
            rows_quarantined=quarantined,
            contract_sha256="0" * 64,
            loaded_by="test",
        )
        session.add(made)
        session.flush()
        for n in range(quarantined):
            session.add(
                QuarantineRow(
                    extract_id=made.id,
                    source=source,
                    file_name=made.file_name,
                    row_number=40 + n,
                    field="date_of_birth",
                    action="row_quarantined",
                    reason="date of birth '31/02/2015' is not a date",
                    raw_row={"dob": "31/02/2015"},
                )
            )
        return made.id


def review_pair() -> tuple[int, int, int]:
    """Two records of (probably) one made-up girl, and the open review item between them."""
    extract_id = extract("health_visiting")
    with unit_of_work() as session:
        records = []
        for n, (family_name, postcode) in enumerate((("Okonjo", "NS1 4AB"), ("Okonjo-Reid", None))):
            record = SourceRecord(
                source="health_visiting",
                record_id=f"HV{n:04d}",
                extract_id=extract_id,
                row_sha256="0" * 64,
                given_name="Amara",
                family_name=family_name,
                date_of_birth=date(2019, 5, 14),
                sex="F",
                postcode=postcode,
            )
            session.add(record)
            records.append(record)
        session.flush()
        pair = ReviewPair(
            record_a=records[0].id,
            record_b=records[1].id,
            person_a=new_id(),
            person_b=new_id(),
            match_weight=2.1,
            match_probability=0.81,
            reason="uncertain score",
            status="open",
        )
        session.add(pair)
        session.flush()
        return pair.id, records[0].id, records[1].id


def eligible_family(*, evidence_on: date = date(2024, 1, 10)) -> tuple[str, str]:
    """A family of a parent and a child with four needs; returns (family id, child id).

    The domestic abuse evidence is a police record (criminal offence data), which the
    programme team is not shown.
    """
    family_id, parent, child = new_id(), new_id(), new_id()
    # need: (whose, the evidence sentence, its source, the event's data category)
    needs = {
        "education": (child, "Attendance 84% in the autumn term, from the school census",
                      "school_census", "education"),
        "housing": (parent, "Rent arrears of 8 weeks, from Northmoor Homes", "housing",
                    "housing"),
        "financial_stability": (parent, "Universal Credit claim, from the DWP data share",
                                "dwp_benefits", "financial"),
        "domestic_abuse": (parent, "Domestic abuse incident, from Northmoor Police",
                           "police_incidents", "criminal_offence"),
    }  # fmt: skip
    extracts = {source: extract(source) for _, _, source, _ in needs.values()}
    with unit_of_work() as session:
        session.add_all(
            [
                Person(id=parent, given_name="Jade", family_name="Okoro", sex="F"),
                Person(id=child, given_name="Tobi", family_name="Okoro", sex="M"),
            ]
        )
        session.add(Family(id=family_id, status="active"))
        session.add_all(
            [
                FamilyMember(
                    family_id=family_id, person_id=parent, role="parent",
                    date_of_birth=date(1990, 3, 2), valid_from=date(2020, 1, 1),
                ),
                FamilyMember(
                    family_id=family_id, person_id=child, role="child",
                    date_of_birth=date(2016, 7, 9), valid_from=date(2020, 1, 1),
                ),
            ]
        )  # fmt: skip
        for need, (person, text, source, category) in needs.items():
            session.add(
                SourceEvent(
                    source=source, record_id=f"R-{need}-{family_id[:6]}",
                    event_id=f"E-{need}-{family_id[:6]}", event_type="test_event",
                    event_date=evidence_on, data_category=category, description=text,
                    extract_id=extracts[source],
                )
            )  # fmt: skip
            session.add(
                FamilyNeed(
                    family_id=family_id, person_id=person, need=need, status="resolved",
                    first_evidence_date=evidence_on, last_evidence_date=evidence_on,
                    ongoing=False, evidence_count=1, rules_version="test-1",
                    assessed_on=date.today(),
                )
            )  # fmt: skip
            session.add(
                NeedEvidence(
                    family_id=family_id, person_id=person, need=need, signal="need",
                    rule_id=f"{need}_rule", rules_version="test-1", source=source,
                    record_id=f"R-{need}-{family_id[:6]}", event_id=f"E-{need}-{family_id[:6]}",
                    event_date=evidence_on,
                    text=text,
                )
            )  # fmt: skip
        session.add(
            FamilyAssessment(
                family_id=family_id, has_dependants=True, need_count=4, needs=list(needs),
                eligible=True, confirmed_count=0, rules_version="test-1",
                assessed_on=date.today(),
            )
        )  # fmt: skip
    return family_id, child


def events(action: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )

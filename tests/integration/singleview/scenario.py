"""A small built scenario: one family, the partners who know it, and one user per role.

Everything is synthetic. The Ashworth family: Kayla (mother) and Mason (child, 2019); a
sealed sibling (an adopted child) and an older id of Mason's that was merged into his.
Partners' organisations carry the names their source contracts give, so "who supplied
this" resolves as in production. Records (events) of Mason in five categories, one sealed
adoption record, and Kayla's police and housing events.
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from familyhub.access.models import Organisation, User
from familyhub.casework import service as casework
from familyhub.consent.service import record_consent
from familyhub.families.models import Family, FamilyMember
from familyhub.linkage.models import GoldenValue, Person, PersonLink
from familyhub.outcomes.models import FamilyNeed, NeedEvidence
from familyhub.runs import Run
from familyhub.sources.models import SourceEvent, SourceExtract, SourceRecord

NOW = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)

# Source -> (organisation name as its contract gives it, kind, data categories).
SOURCES = {
    "health_visiting": (
        "Northshire Community Health NHS Trust",
        "nhs_trust",
        ["personal", "health"],
    ),
    "school_census": (
        "Northshire Council, Education",
        "council_service",
        ["personal", "education", "health"],
    ),
    "police_incidents": ("Northshire Police", "police_force", ["personal", "criminal_offence"]),
    "childrens_social_care": (
        "Northshire Council Children's Services",
        "council_service",
        ["personal", "social_care", "health"],
    ),
    "housing": ("Northshire Homes", "housing", ["personal", "housing", "financial"]),
}

ROLES = {
    "health_visitor": ("health_visiting", "direct_care"),
    "school_dsl": ("school", "early_help_support"),
    "early_help_worker": ("early_help", "early_help_support"),
    "social_worker": ("childrens_social_care", "safeguarding"),
    "mash_police_officer": ("police_incidents", "safeguarding"),
    "data_team": ("council", "data_quality"),
    "programme_team": ("council", "supporting_families"),
    "information_governance_officer": ("council", "information_governance"),
    "planner": ("council", "statistics"),
    "adoption_worker": ("childrens_social_care", "safeguarding"),
}


@dataclass
class Scenario:
    surname: str
    family_id: str
    child: str
    mother: str
    sealed_sibling: str
    merged_id: str
    users: dict[str, User]
    purposes: dict[str, str]
    organisations: dict[str, Organisation]
    events: dict[str, int]  # name -> source_event.id

    def user(self, role: str) -> User:
        return self.users[role]

    def purpose(self, role: str) -> str:
        return self.purposes[role]


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def _organisation(session: Session, name: str, kind: str) -> Organisation:
    tag = _tag()
    org = Organisation(
        code=f"org-{tag}",
        name=name,
        kind=kind,
        phone="01632 960100",
        email=f"duty@{tag}.example.org",
    )
    session.add(org)
    session.flush()
    return org


def _user(session: Session, org: Organisation, role: str) -> User:
    name = f"{role}-{_tag()}"
    user = User(
        username=name,
        display_name=f"{role.replace('_', ' ').title()} {name[-4:]}",
        organisation_id=org.id,
        roles=[role],
        email=f"{name}@example.org",
        phone="01632 960200",
        job_title=role.replace("_", " "),
    )
    session.add(user)
    session.flush()
    session.refresh(user)
    return user


def _person(
    session: Session, given: str, family: str, dob: date, postcode: str, status: str = "active"
) -> str:
    pid = f"P{_tag()}{_tag()}"
    session.add(
        Person(
            id=pid, status=status, given_name=given, family_name=family, date_of_birth=dob,
            postcode=postcode, record_count=1,
        )
    )  # fmt: skip
    session.flush()
    return pid


class _Records:
    """Source records and events for persons, one extract per source."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.run = Run(stage="link", actor="test")
        session.add(self.run)
        session.flush()
        self.extracts: dict[str, int] = {}
        self.records: dict[tuple[str, str], SourceRecord] = {}

    def record(self, source: str, person_id: str) -> SourceRecord:
        key = (source, person_id)
        if key in self.records:
            return self.records[key]
        if source not in self.extracts:
            extract = SourceExtract(
                source=source, file_name=f"{source}.csv", file_sha256="0" * 64, kind="full",
                status="loaded", contract_sha256="0" * 64, loaded_by="test",
            )  # fmt: skip
            self.session.add(extract)
            self.session.flush()
            self.extracts[source] = extract.id
        categories = SOURCES[source][2] if source in SOURCES else ["personal", "adoption"]
        row = SourceRecord(
            source=source, record_id=f"{source}-{_tag()}", extract_id=self.extracts[source],
            row_sha256="0" * 64, data_categories=categories, status="active",
            postcode="NS3 7QD",
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        self.session.add(
            PersonLink(
                source_record_id=row.id, source=source, record_id=row.record_id,
                person_id=person_id, run_id=self.run.id,
            )
        )  # fmt: skip
        self.records[key] = row
        return row

    def event(
        self, source: str, person_id: str, event_type: str, on: date, category: str, text: str
    ) -> SourceEvent:
        record = self.record(source, person_id)
        event = SourceEvent(
            source=source, record_id=record.record_id, event_id=f"{event_type}-{_tag()}",
            event_type=event_type, event_date=on, data_category=category, description=text,
            extract_id=self.extracts[source],
        )  # fmt: skip
        self.session.add(event)
        self.session.flush()
        return event


def build(session: Session, *, consent: bool = True) -> Scenario:
    orgs = {
        source: _organisation(session, name, kind) for source, (name, kind, _) in SOURCES.items()
    }
    orgs["school"] = _organisation(session, "Ashgrove Primary School", "school")
    orgs["early_help"] = _organisation(session, "Northshire Early Help", "council_service")
    orgs["council"] = _organisation(session, "Northshire Council", "council_service")
    users = {role: _user(session, orgs[org], role) for role, (org, _) in ROLES.items()}
    purposes = {role: purpose for role, (_, purpose) in ROLES.items()}

    # A family name of the scenario's own: tests share one database (and SQLite keeps what a
    # refusal commits), so searches must not find another test's Ashworths.
    surname = "Ashworth" + "".join(random.choice(string.ascii_lowercase) for _ in range(5))
    child = _person(session, "Mason", surname, date(2019, 4, 12), "NS3 7QD")
    mother = _person(session, "Kayla", surname, date(1994, 8, 3), "NS3 7QD")
    sealed = _person(session, "Lily", surname, date(2021, 1, 5), "NS3 7QD", status="sealed")
    merged = _person(session, "Mason", surname, date(2019, 4, 12), "NS3 7QD", status="merged")
    session.get(Person, merged).merged_into = child  # type: ignore[union-attr]
    family_id = f"F{_tag()}{_tag()}"
    session.add(Family(id=family_id))
    session.flush()
    for pid, role, dob in (
        (mother, "parent", date(1994, 8, 3)),
        (child, "child", date(2019, 4, 12)),
        (sealed, "child", date(2021, 1, 5)),
    ):
        session.add(FamilyMember(family_id=family_id, person_id=pid, role=role, date_of_birth=dob))
    session.flush()

    records = _Records(session)
    # (name, source, person, event type, date, category, description)
    rows: list[tuple[str, str, str, str, date, str, str]] = [
        ("hv_contact", "health_visiting", child, "health_visiting_contact", date(2026, 9, 1),
         "health", "Health visitor home visit: weight checked"),
        ("hv_review", "health_visiting", child, "health_visiting_contact", date(2026, 6, 1),
         "health", "Health visitor contact: sleep advice"),
        ("school_term", "school_census", child, "school_term", date(2026, 7, 20),
         "education", "Summer term: attendance 84%"),
        ("police_child", "police_incidents", child, "domestic_abuse_incident", date(2026, 8, 15),
         "criminal_offence", "Child present at a domestic abuse incident"),
        ("social_care", "childrens_social_care", child, "social_care_referral", date(2026, 8, 20),
         "social_care", "Referral to children's social care"),
        ("adoption", "adoption_records", child, "adoption_order", date(2025, 1, 1),
         "adoption", "Adoption order made"),
        ("police_mother", "police_incidents", mother, "domestic_abuse_incident",
         date(2026, 8, 15), "criminal_offence", "Domestic abuse incident at home"),
        ("housing_mother", "housing", mother, "rent_arrears", date(2026, 5, 2),
         "housing", "Rent arrears over 8 weeks"),
    ]  # fmt: skip
    events = {
        name: records.event(source, pid, kind, on, category, text)
        for name, source, pid, kind, on, category, text in rows
    }
    hv_record = records.record("health_visiting", child)
    school_record = records.record("school_census", child)
    for field, value in (
        ("given_name", "Mason"),
        ("family_name", surname),
        ("postcode", "NS3 7QD"),
    ):
        session.add(
            GoldenValue(
                person_id=child, field=field, value=value, chosen=True, source_count=2,
                sources=[
                    {"source": "health_visiting", "record_id": hv_record.record_id},
                    {"source": "school_census", "record_id": school_record.record_id},
                ],
            )
        )  # fmt: skip
    for need, event_name in (("education", "school_term"), ("domestic_abuse", "police_child")):
        event = events[event_name]
        session.add(
            FamilyNeed(
                family_id=family_id, person_id=child, need=need, status="open",
                first_evidence_date=event.event_date, last_evidence_date=event.event_date,
                evidence_count=1, rules_version="test", assessed_on=NOW.date(),
            )
        )  # fmt: skip
        session.add(
            NeedEvidence(
                family_id=family_id, person_id=child, need=need, signal="need", rule_id=need,
                rules_version="test", source=event.source, record_id=event.record_id,
                event_id=event.event_id, event_date=event.event_date, text=event.description,
            )
        )  # fmt: skip
    session.flush()

    early_help = users["early_help_worker"]
    started = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    for role, kind in (
        ("early_help_worker", "lead_practitioner"),
        ("health_visitor", "team_member"),
        ("school_dsl", "team_member"),
    ):
        casework.add_involvement(
            session, user=early_help, practitioner=users[role], kind=kind,
            purpose="early_help_support", request_id="setup", family_id=family_id,
            service=orgs[ROLES[role][0]].name, started_at=started,
        )  # fmt: skip
    if consent:
        _consent(session, early_help, family_id, started)
    session.flush()
    return Scenario(
        surname=surname, family_id=family_id, child=child, mother=mother, sealed_sibling=sealed,
        merged_id=merged, users=users, purposes=purposes, organisations=orgs,
        events={name: e.id for name, e in events.items()},
    )  # fmt: skip


def _consent(session: Session, user: User, family_id: str, on: datetime) -> None:
    """The family's consent to share education, health and housing records."""
    record_consent(
        session, user=user, state="given", evidence="signed consent form EH-0001",
        purpose="early_help_support", request_id="setup", family_id=family_id,
        purposes=["early_help_support", "direct_care"], recipient_organisations=["*"],
        data_categories=["education", "health", "housing"], effective_at=on,
    )  # fmt: skip

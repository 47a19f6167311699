"""A small street of synthetic people loaded as partner records, for families and needs tests.

At 14 Larch Avenue (UPRN 100090000001): Amy Shaw (mother), Ben Shaw (father), their pupils
Cara (10) and Dan (7), and baby Eve, known only to the health visitor (no address), whose
mother the health visitor names. At 3 Mill Lane: Gary Lane lives alone and has a mental
health referral (not a family). At 8 Oak Road: Hana Patel is expecting (antenatal contact).
Ian Shaw, Cara's father by a children's social care episode, lives at 9 Elm Street with his
new partner Jo Bell.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from familyhub.sources.models import SourceEvent, SourceExtract, SourceRecord, SourceRelationship

LARCH = ("14 Larch Avenue", "NS3 7QD", "100090000001")
# The police and the DWP write the address their own way and know no UPRN.
LARCH_NO_UPRN = ("14 LARCH AVENUE, NORTHTOWN", "NS3 7QD", None)
MILL = ("3 Mill Lane", "NS1 2AB", None)
OAK = ("8 Oak Road", "NS2 4CD", "100090000003")
ELM = ("9 Elm Street", "NS4 5EF", "100090000004")

PEOPLE: dict[str, tuple[str, date]] = {
    "amy": ("SHAW", date(1988, 4, 2)),
    "ben": ("SHAW", date(1986, 1, 9)),
    "cara": ("SHAW", date(2016, 3, 1)),
    "dan": ("SHAW", date(2019, 6, 5)),
    "eve": ("SHAW", date(2026, 2, 14)),
    "gary": ("LANE", date(1979, 8, 8)),
    "hana": ("PATEL", date(1995, 2, 2)),
    "ian": ("SHAW", date(1984, 5, 5)),
    "jo": ("BELL", date(1987, 7, 7)),
}


def _record(source: str, person: str, place: tuple[str | None, str | None, str | None] | None):
    address, postcode, uprn = place if place else (None, None, None)
    name, dob = PEOPLE[person]
    return {
        "source": source,
        "record_id": f"{source[:3]}-{person}",
        "person": person,
        "family_name": name.lower(),
        "date_of_birth": dob,
        "address": address,
        "postcode": postcode,
        "uprn": uprn,
    }


RECORDS = [
    _record("police_incidents", "amy", LARCH_NO_UPRN),
    _record("dwp_benefits", "ben", LARCH_NO_UPRN),
    _record("school_census", "cara", LARCH),
    _record("school_census", "dan", LARCH),
    _record("health_visiting", "amy", (None, "NS3 7QD", None)),
    _record("health_visiting", "eve", (None, "NS3 7QD", None)),
    _record("mental_health_referrals", "gary", MILL),
    _record("police_incidents", "gary", MILL),
    _record("health_visiting", "hana", OAK),
    _record("housing", "hana", OAK),
    _record("childrens_social_care", "cara", (None, "NS3 7QD", None)),
    _record("childrens_social_care", "ian", (None, "NS4 5EF", None)),
    _record("police_incidents", "ian", ELM),
    _record("housing", "jo", ELM),
]


def _event(
    person: str, source: str, event_type: str, day: date, end: date | None = None, **attributes: Any
) -> dict[str, Any]:
    return {
        "record_id": f"{source[:3]}-{person}",
        "source": source,
        "event_type": event_type,
        "event_date": day,
        "end_date": end,
        "attributes": attributes,
    }


EVENTS = [
    _event("amy", "police_incidents", "domestic_abuse_incident", date(2026, 7, 1), role="VICTIM"),
    _event("amy", "police_incidents", "domestic_abuse_incident", date(2027, 1, 1), role="VICTIM"),
    _event("ben", "dwp_benefits", "out_of_work_benefit_claim", date(2025, 3, 1)),
    _event(
        "cara",
        "school_census",
        "school_term",
        date(2025, 9, 1),
        attendance_pct=84.5,
        term="2025-26 AUT",
    ),
    _event(
        "cara",
        "school_census",
        "school_term",
        date(2026, 1, 5),
        attendance_pct=86.0,
        term="2025-26 SPR",
    ),
    _event(
        "dan",
        "school_census",
        "school_term",
        date(2026, 1, 5),
        attendance_pct=97.0,
        term="2025-26 SPR",
    ),
    _event("eve", "health_visiting", "health_visiting_contact", date(2026, 3, 1), concerns=[]),
    _event("eve", "health_visiting", "health_visiting_contact", date(2020, 3, 1), concerns=["DEV"]),
    _event("gary", "mental_health_referrals", "mental_health_referral", date(2026, 5, 1)),
    _event("gary", "police_incidents", "anti_social_behaviour", date(2026, 4, 1), role="SUSPECT"),
    _event(
        "hana",
        "health_visiting",
        "antenatal_contact",
        date(2026, 8, 1),
        expected_delivery_date="2027-01-15",
        concerns=["PMH"],
    ),
    _event("hana", "housing", "rent_arrears", date(2026, 6, 1)),
    _event("cara", "childrens_social_care", "child_in_need_plan", date(2026, 2, 1)),
    _event("ian", "police_incidents", "violence_against_person", date(2026, 6, 6), role="SUSPECT"),
    _event("jo", "housing", "tenancy_start", date(2024, 1, 1)),
]

RELATIONSHIPS = [
    ("health_visiting", "hea-eve", "hea-amy", "mother"),
    ("childrens_social_care", "chi-cara", "chi-ian", "father"),
]


def load_scenario(session: Session) -> None:
    extracts: dict[str, int] = {}
    for source in sorted({r["source"] for r in RECORDS}):
        extract = SourceExtract(
            source=source,
            file_name=f"{source}.csv",
            file_sha256="0" * 64,
            kind="full",
            status="loaded",
            contract_sha256="0" * 64,
            loaded_by="test",
        )
        session.add(extract)
        session.flush()
        extracts[source] = extract.id
    for r in RECORDS:
        session.add(
            SourceRecord(
                source=r["source"],
                record_id=r["record_id"],
                extract_id=extracts[r["source"]],
                row_sha256="0" * 64,
                family_name=r["family_name"].title(),
                family_name_match=r["family_name"],
                date_of_birth=r["date_of_birth"],
                address=r["address"],
                postcode=r["postcode"],
                uprn=r["uprn"],
            )
        )
    for i, e in enumerate(EVENTS):
        session.add(
            SourceEvent(
                source=e["source"],
                record_id=e["record_id"],
                event_id=f"E{i:03d}",
                event_type=e["event_type"],
                event_date=e["event_date"],
                end_date=e["end_date"],
                data_category="personal",
                description=e["event_type"].replace("_", " "),
                attributes=e["attributes"],
                extract_id=extracts[e["source"]],
            )
        )
    for source, record_id, related, relationship in RELATIONSHIPS:
        session.add(
            SourceRelationship(
                source=source,
                record_id=record_id,
                related_record_id=related,
                relationship=relationship,
                extract_id=extracts[source],
            )
        )
    session.flush()


def write_links(
    path: Path, *, without: frozenset[str] = frozenset(), rename: dict[str, str] | None = None
) -> Path:
    """The links file: each record's person (``without`` drops people's records)."""
    rename = rename or {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "person_id"])
        for r in RECORDS:
            if r["person"] not in without:
                writer.writerow([r["source"], r["record_id"], rename.get(r["person"], r["person"])])
    return path

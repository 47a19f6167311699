"""The demo's organisations, sign-ins and casework: enough to tell a practitioner's story.

Organisations come from the source contracts (each partner that supplies data), plus the
services the demo's practitioners work in. One sign-in per role; passwords are generated
once per data directory and kept in ``DATA_DIR/demo-signins.json`` (readable only by its
owner) so that re-running the demo prints the same sign-ins.

The story: an early help worker is lead practitioner for a family that the assessment found
eligible for Supporting Families, with the family's recorded consent; the health visitor and
the school's safeguarding lead are in the team around that family. A social worker is the
allocated worker for a second family with a child protection plan.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.auth import hash_password
from familyhub.access.models import Organisation, User

# (keyword in the organisation's name, kind) - first match wins.
_KIND_BY_NAME = [
    ("police", "police_force"),
    ("nhs", "nhs_trust"),
    ("work and pensions", "dwp"),
    ("homes", "housing"),
    ("domestic violence", "voluntary"),
    ("recovery", "voluntary"),
    ("academy", "school"),
    ("school", "school"),
]

COUNCIL = "Northshire Council"
EARLY_HELP = "Northshire Council Early Help"
CHILDRENS_SERVICES = "Northshire Council Children's Services"
COMMUNITY_HEALTH = "Northshire Community Health NHS Trust"
SCHOOL = "Northshire Primary Academy"
POLICE = "Northshire Police"
# Where referrals land: requests for support with early help, MASH referrals with the MASH
# (hosted by children's services), so each shows in that service's inbox (/referrals).
RECEIVES = {EARLY_HELP: ("request_for_support",), CHILDRENS_SERVICES: ("mash_referral",)}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    organisation: str
    job_title: str
    phone: str

    @property
    def email(self) -> str:
        return f"{self.username}@northshire.example"


DEMO_USERS = [
    DemoUser(
        "hv.ahmed",
        "Ayesha Ahmed",
        "health_visitor",
        COMMUNITY_HEALTH,
        "Health visitor",
        "01632 960101",
    ),
    DemoUser(
        "dsl.murphy",
        "Ciaran Murphy",
        "school_dsl",
        SCHOOL,
        "Designated safeguarding lead",
        "01632 960102",
    ),
    DemoUser(
        "ehw.kowalska",
        "Zofia Kowalska",
        "early_help_worker",
        EARLY_HELP,
        "Family support worker",
        "01632 960103",
    ),
    DemoUser(
        "sw.okafor",
        "Chidi Okafor",
        "social_worker",
        CHILDRENS_SERVICES,
        "Social worker",
        "01632 960104",
    ),
    DemoUser(
        "mash.pc.evans",
        "Rhys Evans",
        "mash_police_officer",
        POLICE,
        "Detective constable, MASH",
        "01632 960105",
    ),
    DemoUser("data.chen", "Li Chen", "data_team", COUNCIL, "Data analyst", "01632 960106"),
    DemoUser(
        "sf.patel",
        "Priya Patel",
        "programme_team",
        COUNCIL,
        "Supporting Families coordinator",
        "01632 960107",
    ),
    DemoUser(
        "ig.walker",
        "Jo Walker",
        "information_governance_officer",
        COUNCIL,
        "Information governance lead (DPO)",
        "01632 960108",
    ),
    DemoUser("plan.osei", "Kwame Osei", "planner", COUNCIL, "Strategic planner", "01632 960109"),
]


def organisation_code(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def organisation_kind(name: str) -> str:
    lowered = name.lower()
    for keyword, kind in _KIND_BY_NAME:
        if keyword in lowered:
            return kind
    return "council_service"


def contract_organisations() -> list[str]:
    """Every organisation a source contract names as supplier."""
    from familyhub.access.suppliers import supplier_of_source
    from familyhub.sources.registry import load_contracts

    names = {supplier_of_source(name) for name in load_contracts()}
    return sorted(n for n in names if n)


def ensure_organisations(session: Session) -> dict[str, Organisation]:
    names = set(contract_organisations()) | {u.organisation for u in DEMO_USERS}
    by_name: dict[str, Organisation] = {}
    for name in sorted(names):
        code = organisation_code(name)
        org = session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            org = Organisation(
                code=code,
                name=name,
                kind=organisation_kind(name),
                phone="01632 960000",
                email=f"info@{code}.example",
            )
            session.add(org)
        if name in RECEIVES and not org.receives_referrals:
            org.receives_referrals = list(RECEIVES[name])
        by_name[name] = org
    session.flush()
    return by_name


def load_or_make_passwords(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if all(u.username in stored for u in DEMO_USERS):
            return stored
    passwords = {u.username: f"demo-{secrets.token_urlsafe(9)}" for u in DEMO_USERS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def ensure_users(
    session: Session, organisations: dict[str, Organisation], passwords: dict[str, str]
) -> dict[str, User]:
    users: dict[str, User] = {}
    for demo in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == demo.username))
        if user is None:
            user = User(
                username=demo.username,
                display_name=demo.display_name,
                organisation_id=organisations[demo.organisation].id,
                roles=[demo.role],
                job_title=demo.job_title,
                phone=demo.phone,
                email=demo.email,
                password_hash=hash_password(passwords[demo.username]),
            )
            session.add(user)
        users[demo.role] = user
    session.flush()
    return users


def _under(born: date | None, years: int, today: date) -> bool:
    return born is not None and born > today.replace(year=today.year - years)


def story_family(session: Session, today: date) -> tuple[str, list[tuple[str, date | None]]] | None:
    """An eligible family with a child under five (for the health visitor), if there is one.

    Prefers families that also have a school-age child (for the school's safeguarding lead)
    and, among those, the most needs; ties broken by id so the demo is the same every time.
    """
    from familyhub.families.models import Family, FamilyMember
    from familyhub.outcomes.models import FamilyAssessment

    rows = session.execute(
        select(FamilyAssessment.family_id, FamilyAssessment.need_count)
        .join(Family, Family.id == FamilyAssessment.family_id)
        .where(FamilyAssessment.eligible.is_(True), Family.status == "active")
        .order_by(FamilyAssessment.need_count.desc(), FamilyAssessment.family_id)
    ).all()
    best: tuple[int, str, list[tuple[str, date | None]]] | None = None
    for family_id, need_count in rows:
        members = [
            (m.person_id, m.date_of_birth)
            for m in session.scalars(
                select(FamilyMember).where(
                    FamilyMember.family_id == family_id, FamilyMember.valid_to.is_(None)
                )
            )
        ]
        under_five = any(_under(born, 5, today) for _, born in members)
        school_age = any(
            _under(born, 16, today) and not _under(born, 5, today) for _, born in members
        )
        if not under_five:
            continue
        score = need_count + (10 if school_age else 0)
        if best is None or score > best[0]:
            best = (score, family_id, members)
    return (best[1], best[2]) if best else None


def child_protection_family(session: Session, exclude: str | None) -> str | None:
    """A family one of whose members has a child protection plan on record."""
    from familyhub.families.models import FamilyMember
    from familyhub.linkage.models import PersonLink
    from familyhub.sources.models import SourceEvent, SourceRecord

    query = (
        select(FamilyMember.family_id)
        .join(PersonLink, PersonLink.person_id == FamilyMember.person_id)
        .join(SourceRecord, SourceRecord.id == PersonLink.source_record_id)
        .join(
            SourceEvent,
            (SourceEvent.source == SourceRecord.source)
            & (SourceEvent.record_id == SourceRecord.record_id),
        )
        .where(SourceEvent.event_type == "child_protection_plan", FamilyMember.valid_to.is_(None))
        .order_by(FamilyMember.family_id)
    )
    for family_id in session.scalars(query):
        if family_id != exclude:
            return str(family_id)
    return None


@dataclass
class Story:
    family_id: str | None = None
    child_person_id: str | None = None
    social_care_family_id: str | None = None


def _already_involved(session: Session, user: User, family_id: str) -> bool:
    from familyhub.casework.models import Involvement

    return (
        session.scalar(
            select(Involvement.id).where(
                Involvement.user_id == user.id,
                Involvement.family_id == family_id,
                Involvement.ended_at.is_(None),
            )
        )
        is not None
    )


def tell_story(session: Session, users: dict[str, User], today: date) -> Story:
    """Involvements and consent for the story's families, recorded through the services.

    Every step goes through the same decision point and audit as a practitioner's own
    actions would, so the audit log shows how the team came together.
    """
    from familyhub.casework.service import add_involvement
    from familyhub.consent.service import record_consent

    story = Story()
    found = story_family(session, today)
    started = datetime.now(UTC) - timedelta(days=42)
    ehw, hv, dsl, sw = (
        users["early_help_worker"],
        users["health_visitor"],
        users["school_dsl"],
        users["social_worker"],
    )
    if found is not None:
        family_id, members = found
        story.family_id = family_id
        story.child_person_id = next(
            (
                pid
                for pid, born in sorted(members, key=lambda m: m[1] or date.min, reverse=True)
                if _under(born, 5, today)
            ),
            None,
        )
        request = f"demo-{uuid.uuid4().hex[:8]}"
        if not _already_involved(session, ehw, family_id):
            add_involvement(
                session,
                user=ehw,
                practitioner=ehw,
                kind="lead_practitioner",
                purpose="early_help_support",
                request_id=request,
                family_id=family_id,
                service="Early Help",
                started_at=started,
            )
            record_consent(
                session,
                user=ehw,
                state="given",
                evidence="Signed early help consent form EH-DEMO-0001, seen at home visit",
                purpose="early_help_support",
                request_id=request,
                family_id=family_id,
                purposes=["early_help_support", "supporting_families"],
                recipient_organisations=[
                    organisation_code(EARLY_HELP),
                    organisation_code(COMMUNITY_HEALTH),
                    organisation_code(SCHOOL),
                ],
                data_categories=[
                    "personal",
                    "education",
                    "early_years",
                    "health",
                    "housing",
                    "financial",
                ],
                effective_at=started,
            )
        for member, service in ((hv, "Health visiting"), (dsl, "School")):
            if not _already_involved(session, member, family_id):
                add_involvement(
                    session,
                    user=ehw,
                    practitioner=member,
                    kind="team_member",
                    purpose="early_help_support",
                    request_id=request,
                    family_id=family_id,
                    service=service,
                    started_at=started + timedelta(days=7),
                )
    cp_family = child_protection_family(session, exclude=story.family_id)
    if cp_family is not None:
        story.social_care_family_id = cp_family
        if not _already_involved(session, sw, cp_family):
            add_involvement(
                session,
                user=sw,
                practitioner=sw,
                kind="allocated_worker",
                purpose="safeguarding",
                request_id=f"demo-{uuid.uuid4().hex[:8]}",
                family_id=cp_family,
                service="Children's social care",
                started_at=started,
            )
    return story

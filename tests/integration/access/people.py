"""Synthetic organisations and practitioners for the access, audit, consent and casework tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from familyhub.access.models import Organisation, User
from familyhub.families.models import Family, FamilyMember
from familyhub.linkage.models import Person

# Argon2 is slow on purpose; tests that never sign in use a fixed, never-valid hash.
NO_PASSWORD = None


def organisation(
    session: Session,
    kind: str = "council_service",
    name: str | None = None,
    code: str | None = None,
) -> Organisation:
    code = code or f"org-{uuid.uuid4().hex[:8]}"
    org = Organisation(
        code=code,
        name=name or f"Northshire {kind} {code}",
        kind=kind,
        phone="01632 960000",
        email=f"duty@{code}.example.org",
    )
    session.add(org)
    session.flush()
    return org


def user(
    session: Session, org: Organisation, *roles: str, username: str | None = None, **extra: object
) -> User:
    name = username or f"user-{uuid.uuid4().hex[:8]}"
    practitioner = User(
        username=name,
        display_name=name.replace(".", " ").title(),
        organisation_id=org.id,
        roles=list(roles),
        email=f"{name}@example.org",
        phone="01632 960001",
        job_title=roles[0].replace("_", " ") if roles else None,
        **extra,
    )
    session.add(practitioner)
    session.flush()
    session.refresh(practitioner)
    return practitioner


def person(session: Session, status: str = "active") -> str:
    pid = f"P{uuid.uuid4().hex[:12]}"
    session.add(Person(id=pid, status=status))
    session.flush()
    return pid


def family(session: Session, *person_ids: str) -> str:
    fid = f"F{uuid.uuid4().hex[:12]}"
    session.add(Family(id=fid))
    session.flush()
    for pid in person_ids:
        session.add(FamilyMember(family_id=fid, person_id=pid, role="child"))
    session.flush()
    return fid


def at(text: str) -> datetime:
    """A UTC moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)

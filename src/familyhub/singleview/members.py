"""Family members, each shown at the level the decision point allows for that member.

A member whose processing is restricted shows the restriction notice and minimal identity;
a sealed member (e.g. an adopted child, to anyone outside the named roles) is left out
without a trace, because even their membership is sealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from familyhub.access.facts import gather
from familyhub.access.models import User
from familyhub.families.models import FamilyMember
from familyhub.singleview.common import level_for
from familyhub.singleview.identity import (
    RESTRICTION_NOTICE,
    contact_details,
    headline,
    minimal_identity,
)
from familyhub.singleview.types import Member

ROLE_ORDER = {"parent": 0, "expectant_parent": 1, "adult": 2, "grandparent": 3, "child": 4}


@dataclass(frozen=True)
class Members:
    shown: list[Member]
    full: list[str]  # members whose records may be listed (full view of that member)
    names: dict[str, str]


def current_members(
    session: Session, family_ids: Sequence[str], now: datetime
) -> list[FamilyMember]:
    if not family_ids:
        return []
    on = now.date()
    return list(
        session.scalars(
            select(FamilyMember)
            .where(
                FamilyMember.family_id.in_(list(family_ids)),
                or_(FamilyMember.valid_from.is_(None), FamilyMember.valid_from <= on),
                or_(FamilyMember.valid_to.is_(None), FamilyMember.valid_to > on),
            )
            .order_by(FamilyMember.id)
        )
    )


def members(
    session: Session,
    *,
    user: User,
    purpose: str,
    family_ids: Sequence[str],
    now: datetime,
    leave_out: str | None = None,
) -> Members:
    """Each current member of the families, at their own level, parents first.

    ``leave_out``: a person not to list (the person whose own view this is)."""
    rows: dict[str, FamilyMember] = {}
    for row in current_members(session, family_ids, now):
        rows.setdefault(row.person_id, row)
    shown: list[Member] = []
    full: list[str] = []
    names: dict[str, str] = {}
    for person_id, row in rows.items():
        if person_id == leave_out:
            continue
        facts = gather(session, user=user, person_id=person_id, purpose=purpose, now=now)
        levelled = level_for(facts)
        if levelled is None:
            continue
        restricted = facts.resource.restricted
        values = headline(session, person_id)
        identity = minimal_identity(session, person_id, restricted=restricted, values=values)
        names[person_id] = identity.name
        if levelled.level == "full":
            full.append(person_id)
        shown.append(
            Member(
                identity=identity,
                role=row.role,
                date_of_birth=row.date_of_birth if levelled.level == "full" else None,
                restriction_notice=RESTRICTION_NOTICE if restricted else None,
                contact=(
                    contact_details(session, person_id, values=values) if levelled.contact else None
                ),
            )
        )
    shown.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.identity.year_of_birth or 0))
    return Members(shown=shown, full=full, names=names)

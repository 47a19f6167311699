"""Family members, each shown at the level the decision point allows for that member.

A member whose processing is restricted shows the restriction notice and minimal identity;
a sealed member (e.g. an adopted child, to anyone outside the named roles) is left out
without a trace, because even their membership is sealed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from familyhub.access.facts import Facts
from familyhub.access.models import User
from familyhub.families.models import FamilyMember
from familyhub.linkage.models import Person
from familyhub.singleview.common import Levelled, levels_for
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.identity import (
    RESTRICTION_NOTICE,
    contact_details,
    golden_values,
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
    facts: dict[str, Facts]  # each member's facts on this request (for deciding their records)


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
    rows: Sequence[FamilyMember] | None = None,
    known: Mapping[str, Facts] | None = None,
    known_levels: Mapping[str, Levelled | None] | None = None,
) -> Members:
    """Each current member of the families, at their own level, parents first.

    ``leave_out``: a person not to list (the person whose own view this is). ``rows``: the
    families' current members, ``known``: facts, and ``known_levels``: levels decided on
    those facts, when the caller has them already.
    Each member is still decided on their own facts; the facts are read for all members
    together and the decisions asked in one batch per action.
    """
    by_person: dict[str, FamilyMember] = {}
    for row in current_members(session, family_ids, now) if rows is None else rows:
        by_person.setdefault(row.person_id, row)
    by_person.pop(leave_out or "", None)
    ids = list(by_person)
    facts = {p: f for p, f in (known or {}).items() if p in by_person}
    missing = [p for p in ids if p not in facts]
    if missing:
        facts.update(
            gather_persons(session, user=user, person_ids=missing, purpose=purpose, now=now)
        )
    levels = {p: v for p, v in (known_levels or {}).items() if p in by_person}
    undecided = [p for p in ids if p not in levels]
    levels.update(zip(undecided, levels_for([facts[p] for p in undecided]), strict=True))
    shown_ids = [p for p in ids if levels[p] is not None]
    persons = load_persons(session, shown_ids)  # held: the session keeps them only weakly
    golden = golden_values(
        session, [p for p in shown_ids if (level := levels[p]) is not None and level.contact]
    )
    shown: list[Member] = []
    full: list[str] = []
    names: dict[str, str] = {}
    for person_id in shown_ids:
        levelled = levels[person_id]
        assert levelled is not None
        row = by_person[person_id]
        restricted = facts[person_id].resource.restricted
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
                    contact_details(session, person_id, values=values, rows=golden[person_id])
                    if levelled.contact
                    else None
                ),
            )
        )
    del persons
    shown.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.identity.year_of_birth or 0))
    return Members(shown=shown, full=full, names=names, facts=facts)


def load_persons(session: Session, person_ids: Sequence[str]) -> list[Person]:
    """Read the persons into the session in one query, so that reading each one's headline
    finds it there instead of asking the database once per person. The caller holds the
    list while it reads them: the session's identity map keeps objects only weakly."""
    if not person_ids:
        return []
    return list(session.scalars(select(Person).where(Person.id.in_(list(person_ids)))))

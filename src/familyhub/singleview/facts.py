"""The access facts of several persons at once, for a view that shows a family.

A person view decides the person and then each family member on their own facts; gathering
them one person at a time (``access.facts.gather``) costs eight queries per member, and the
page paid it again inside the list filter. Here the same facts come from eight queries for
everyone together. The result for each person must be exactly what ``gather`` returns for
them on its own (``tests/integration/singleview/test_batched_facts.py`` checks it in every
state the scenario can reach): the rules stay in ``access.facts`` (which rows count:
``membership_current``, ``involvement_current``, ``consent_effective``, ``override_current``,
``referral_with_service``; and ``consent_allows``, ``context_of``, ``restricted_person_ids``,
``sealed_person_ids``, ``families_on_programme``), only the reading is batched. Nothing is
kept between requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from familyhub.access.decision import Principal, Resource
from familyhub.access.facts import (
    Facts,
    consent_allows,
    consent_effective,
    context_of,
    families_on_programme,
    involvement_current,
    membership_current,
    override_current,
    referral_with_service,
    restricted_person_ids,
    sealed_person_ids,
    utc,
)
from familyhub.access.models import BreakGlass, User
from familyhub.casework.models import Involvement, Referral
from familyhub.consent.models import ConsentRecord
from familyhub.families.models import FamilyMember


def families_of(session: Session, person_ids: Iterable[str], now: datetime) -> dict[str, list[str]]:
    """Each person's current families, sorted (as ``access.facts.current_families``)."""
    ids = list(dict.fromkeys(person_ids))
    out: dict[str, set[str]] = {p: set() for p in ids}
    if not ids:
        return {}
    rows = session.execute(
        select(FamilyMember.person_id, FamilyMember.family_id).where(
            FamilyMember.person_id.in_(ids), *membership_current(now.date())
        )
    )
    for person_id, family_id in rows:
        out[person_id].add(family_id)
    return {p: sorted(f) for p, f in out.items()}


def _naming(
    person_column: object, family_column: object, person_ids: Sequence[str], family_ids: set[str]
) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if person_ids:
        clauses.append(person_column.in_(list(person_ids)))  # type: ignore[attr-defined]
    if family_ids:
        clauses.append(family_column.in_(sorted(family_ids)))  # type: ignore[attr-defined]
    return or_(*clauses) if clauses else false()


def _names(
    person_id: str, families: Sequence[str], row_person: str | None, row_family: str | None
) -> bool:
    """Does a row naming (person, family) apply to this person (as ``_subject_filter``)?"""
    return row_person == person_id or (row_family is not None and row_family in families)


def gather_persons(
    session: Session,
    *,
    user: User,
    person_ids: Sequence[str],
    purpose: str,
    now: datetime | None = None,
    families: dict[str, list[str]] | None = None,
) -> dict[str, Facts]:
    """``{person_id: Facts}``, each equal to ``access.facts.gather(person_id=...)``.

    ``families``: each person's current families when the caller has read them already.
    """
    moment = utc(now)
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    principal = Principal.of(user)
    fams = families if families is not None else families_of(session, ids, moment)
    fams = {p: fams.get(p, []) for p in ids}
    all_families = {f for fs in fams.values() for f in fs}
    on = moment.date()
    restricted = restricted_person_ids(session, ids, on)
    sealed = sealed_person_ids(session, ids)

    involvements = list(
        session.execute(
            select(Involvement.person_id, Involvement.family_id, Involvement.kind).where(
                *involvement_current(user.id, moment),
                _naming(Involvement.person_id, Involvement.family_id, ids, all_families),
            )
        )
    )
    consents = list(
        session.scalars(
            select(ConsentRecord).where(
                *consent_effective(moment),
                _naming(ConsentRecord.person_id, ConsentRecord.family_id, ids, all_families),
            )
        )
    )
    overrides = list(
        session.execute(
            select(BreakGlass.person_id, BreakGlass.family_id).where(
                *override_current(user.id, moment),
                _naming(BreakGlass.person_id, BreakGlass.family_id, ids, all_families),
            )
        )
    )
    referrals = list(
        session.execute(
            select(Referral.person_id, Referral.family_id).where(
                *referral_with_service(user.organisation_id),
                _naming(Referral.person_id, Referral.family_id, ids, all_families),
            )
        )
    )
    programme = families_on_programme(session, all_families)

    out: dict[str, Facts] = {}
    for pid in ids:
        families_now = fams[pid]
        kinds = {k for p, f, k in involvements if _names(pid, families_now, p, f)}
        applying = [c for c in consents if _names(pid, families_now, c.person_id, c.family_id)]
        latest = max(applying, key=lambda c: (utc(c.effective_at), c.id), default=None)
        context = context_of(
            purpose=purpose,
            involvement_kinds=kinds,
            consent=consent_allows(
                latest, organisation_code=principal.organisation_code, purpose=purpose
            ),
            override=any(_names(pid, families_now, p, f) for p, f in overrides),
            referred_to_my_service=any(_names(pid, families_now, p, f) for p, f in referrals),
            on_programme=any(f in programme for f in families_now),
        )
        resource = Resource.person(pid, restricted=pid in restricted, sealed=pid in sealed)
        out[pid] = Facts(principal, resource, context, tuple(families_now))
    return out

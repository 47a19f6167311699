"""The facts a decision rests on, gathered from the database for every request.

Nothing here is cached between requests, so a new involvement, an ended one, a consent
given or withdrawn, an override that has expired, or a restriction placed takes effect on
the very next request. Each fact has one function that computes it from what exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from familyhub.access.decision import Context, Principal, Resource
from familyhub.access.models import BreakGlass, Organisation, User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.casework.models import Involvement, Referral
from familyhub.consent.models import ALL_ORGANISATIONS, ConsentRecord
from familyhub.families.models import FamilyMember
from familyhub.linkage.models import Person


@dataclass(frozen=True)
class Facts:
    """Everything ``decide()`` needs about one user and one person or family."""

    principal: Principal
    resource: Resource
    context: Context
    family_ids: tuple[str, ...] = ()


def utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Each fact's rule, once: the conditions a row must meet to count, shared by the per-person
# queries here and the batched ones of ``singleview.facts``, so the two cannot drift.


def membership_current(on: date) -> tuple[ColumnElement[bool], ...]:
    """A ``family_member`` row in force on ``on``."""
    return (
        or_(FamilyMember.valid_from.is_(None), FamilyMember.valid_from <= on),
        or_(FamilyMember.valid_to.is_(None), FamilyMember.valid_to > on),
    )


def involvement_current(user_id: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """An involvement of this user that has started and not ended."""
    return (
        Involvement.user_id == user_id,
        Involvement.started_at <= now,
        or_(Involvement.ended_at.is_(None), Involvement.ended_at > now),
    )


def consent_effective(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A consent record that has taken effect (the latest of them is in force)."""
    return (ConsentRecord.effective_at <= now,)


def override_current(user_id: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A break-glass override by this user that has started and not expired."""
    return (
        BreakGlass.user_id == user_id,
        BreakGlass.started_at <= now,
        BreakGlass.expires_at > now,
    )


def referral_with_service(organisation_id: int) -> tuple[ColumnElement[bool], ...]:
    """An open MASH referral passed to this organisation (early help)."""
    return (
        Referral.kind == "mash_referral",
        Referral.state == "passed_to_early_help",
        Referral.receiving_organisation_id == organisation_id,
    )


def context_of(
    *,
    purpose: str,
    involvement_kinds: set[str],
    consent: tuple[str, frozenset[str]],
    override: bool,
    referred_to_my_service: bool,
    on_programme: bool,
) -> Context:
    """The decision context from the facts read (one person's, or one of a batch)."""
    consent_state, categories = consent
    return Context(
        purpose=purpose,
        involved=bool(involvement_kinds),
        lead_practitioner="lead_practitioner" in involvement_kinds,
        consent=consent_state,
        consent_categories=categories,
        override=override,
        referred_to_my_service=referred_to_my_service,
        on_programme=on_programme,
    )


def current_families(session: Session, person_id: str, on: date) -> list[str]:
    """The families the person belongs to on ``on`` (from ``family_member``)."""
    rows = session.scalars(
        select(FamilyMember.family_id).where(
            FamilyMember.person_id == person_id, *membership_current(on)
        )
    )
    return sorted(set(rows))


def _subject_filter(
    column_person: Any, column_family: Any, person_id: str | None, family_ids: Sequence[str]
) -> ColumnElement[bool]:
    """Rows naming the person, or one of the families (involvements may name either)."""
    clauses: list[ColumnElement[bool]] = []
    if person_id is not None:
        clauses.append(column_person == person_id)
    if family_ids:
        clauses.append(column_family.in_(family_ids))
    return or_(*clauses) if clauses else false()


def involvement_kinds(
    session: Session,
    *,
    user_id: int,
    person_id: str | None,
    family_ids: Sequence[str],
    now: datetime,
) -> set[str]:
    """How the user is currently involved: team_member, lead_practitioner, allocated_worker."""
    rows = session.scalars(
        select(Involvement.kind).where(
            *involvement_current(user_id, now),
            _subject_filter(Involvement.person_id, Involvement.family_id, person_id, family_ids),
        )
    )
    return set(rows)


def latest_consent(
    session: Session, *, person_id: str | None, family_ids: Sequence[str], now: datetime
) -> ConsentRecord | None:
    """The consent record in force: the latest naming the person or one of their families."""
    return session.scalars(
        select(ConsentRecord)
        .where(
            *consent_effective(now),
            _subject_filter(
                ConsentRecord.person_id,
                ConsentRecord.family_id,
                person_id,
                family_ids,
            ),
        )
        .order_by(ConsentRecord.effective_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    ).first()


def consent_allows(
    record: ConsentRecord | None, *, organisation_code: str, purpose: str
) -> tuple[str, frozenset[str]]:
    """(state, data categories the consent lets this organisation see for this purpose)."""
    if record is None:
        return "none", frozenset()
    if record.state != "given":
        return record.state, frozenset()
    recipients = set(record.recipient_organisations or ())
    if purpose not in (record.purposes or ()) or not (
        organisation_code in recipients or ALL_ORGANISATIONS in recipients
    ):
        return "given", frozenset()
    return "given", frozenset(record.data_categories or ())


def override_active(
    session: Session,
    *,
    user_id: int,
    person_id: str | None,
    family_ids: Sequence[str],
    now: datetime,
) -> bool:
    """A break-glass override by this user for this person or family that has not expired."""
    found = session.scalar(
        select(BreakGlass.id)
        .where(
            *override_current(user_id, now),
            _subject_filter(BreakGlass.person_id, BreakGlass.family_id, person_id, family_ids),
        )
        .limit(1)
    )
    return found is not None


def referred_to_service(
    session: Session,
    *,
    organisation_id: int,
    person_id: str | None,
    family_ids: Sequence[str],
) -> bool:
    """An open MASH referral passed to the user's organisation (early help) for them."""
    found = session.scalar(
        select(Referral.id)
        .where(
            *referral_with_service(organisation_id),
            _subject_filter(Referral.person_id, Referral.family_id, person_id, family_ids),
        )
        .limit(1)
    )
    return found is not None


def families_on_programme(session: Session, family_ids: Iterable[str]) -> set[str]:
    """Those of the families on the Supporting Families programme: eligible at their latest
    assessment, or with a programme episode (open, or closed and awaiting its outcome)."""
    ids = sorted(set(family_ids))
    if not ids:
        return set()
    from familyhub.outcomes.models import FamilyAssessment, FamilyEpisode

    eligible = select(FamilyAssessment.family_id).where(
        FamilyAssessment.family_id.in_(ids), FamilyAssessment.eligible
    )
    episode = select(FamilyEpisode.family_id).where(FamilyEpisode.family_id.in_(ids))
    return set(session.scalars(eligible.union(episode)))


def on_programme(session: Session, family_ids: Sequence[str]) -> bool:
    """One of the families is on the Supporting Families programme (one query)."""
    return bool(families_on_programme(session, family_ids))


def need_evidence_refs(
    session: Session, refs: Iterable[str], family_ids: Sequence[str]
) -> set[str]:
    """The ``source_event:<id>`` refs among ``refs`` cited as evidence of a need of one of
    ``family_ids`` (the outcomes engine's ``need_evidence``)."""
    ids = {int(r.split(":", 1)[1]) for r in refs if r.startswith("source_event:")}
    if not ids or not family_ids:
        return set()
    from familyhub.outcomes.models import NeedEvidence
    from familyhub.sources.models import SourceEvent

    rows = session.scalars(
        select(SourceEvent.id)
        .join(
            NeedEvidence,
            (NeedEvidence.source == SourceEvent.source)
            & (NeedEvidence.record_id == SourceEvent.record_id)
            & (NeedEvidence.event_id == SourceEvent.event_id),
        )
        .where(SourceEvent.id.in_(ids), NeedEvidence.family_id.in_(list(family_ids)))
    )
    return {f"source_event:{i}" for i in rows}


def restricted_person_ids(session: Session, person_ids: Iterable[str], on: date) -> set[str]:
    """Persons among ``person_ids`` whose processing is restricted on ``on`` (the rights
    domain's ``restricted_person_ids``, the one rule for it)."""
    ids = set(person_ids)
    if not ids:
        return set()
    try:
        from familyhub.rights.facts import restricted_person_ids as in_force
    except ImportError:  # rights not installed: nobody can be restricted yet
        return set()
    return in_force(session, on=on, person_ids=ids)


def sealed_person_ids(session: Session, person_ids: Iterable[str]) -> set[str]:
    """Persons whose whole record is sealed (``person.status == 'sealed'``, e.g. adoption)."""
    ids = set(person_ids)
    if not ids:
        return set()
    return set(
        session.scalars(select(Person.id).where(Person.id.in_(ids), Person.status == "sealed"))
    )


def gather(
    session: Session,
    *,
    user: User,
    person_id: str | None = None,
    family_id: str | None = None,
    purpose: str,
    now: datetime | None = None,
) -> Facts:
    """The principal, resource and context for ``user`` asking about a person or a family.

    With neither ``person_id`` nor ``family_id`` the resource is the service itself.
    """
    moment = utc(now)
    principal = Principal.of(user)
    if person_id is None and family_id is None:
        return Facts(principal, Resource.service(), Context(purpose=purpose))
    if person_id is not None:
        family_ids = current_families(session, person_id, moment.date())
        resource = Resource.person(
            person_id,
            restricted=bool(restricted_person_ids(session, [person_id], moment.date())),
            sealed=bool(sealed_person_ids(session, [person_id])),
        )
    else:
        assert family_id is not None
        family_ids = [family_id]
        resource = Resource.family(family_id)
    kinds = involvement_kinds(
        session, user_id=user.id, person_id=person_id, family_ids=family_ids, now=moment
    )
    context = context_of(
        purpose=purpose,
        involvement_kinds=kinds,
        consent=consent_allows(
            latest_consent(session, person_id=person_id, family_ids=family_ids, now=moment),
            organisation_code=principal.organisation_code,
            purpose=purpose,
        ),
        override=override_active(
            session, user_id=user.id, person_id=person_id, family_ids=family_ids, now=moment
        ),
        referred_to_my_service=referred_to_service(
            session,
            organisation_id=user.organisation_id,
            person_id=person_id,
            family_ids=family_ids,
        ),
        on_programme=on_programme(session, family_ids),
    )
    return Facts(principal, resource, context, tuple(family_ids))


def record_resource(
    *, ref: str, category: str, supplier: str, person: Resource, need_evidence: bool = False
) -> Resource:
    """A record of ``person`` as a decision resource: sealed by category, restricted by person."""
    sealed = category in load_vocabulary().sealed_categories or person.sealed
    return Resource.record(
        ref,
        category=category,
        supplier=supplier,
        restricted=person.restricted,
        sealed=sealed,
        need_evidence=need_evidence,
    )


def organisation_code_for_source(session: Session, source: str) -> str:
    """The code of the organisation that supplied ``source``, from the source's contract.

    The contract names its organisation (``governance.organisation``); it is matched to an
    organisation by name or code. A source whose name is itself an organisation code is
    that organisation's. Anything else is supplied by no one we know, so "a partner sees
    what it supplied" never over-shares.
    """
    from familyhub.access.suppliers import supplier_of_source

    names = [n for n in (supplier_of_source(source), source) if n]
    for name in names:
        code = session.scalar(
            select(Organisation.code).where(
                or_(Organisation.code == name, func.lower(Organisation.name) == name.lower())
            )
        )
        if code:
            return code
    return f"unknown-supplier:{source}"


def person_identity_hints(
    session: Session, person_ids: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    """(surname, postcode) pairs known for each person, for the own-household alert."""
    from familyhub.access.suppliers import identity_hints

    return identity_hints(session, person_ids)

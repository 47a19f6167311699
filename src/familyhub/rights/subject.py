"""Finding the subject of a rights request among the persons we hold.

Matching itself is the linkage domain's (``familyhub match``); this module turns its answer
into one of the outcomes a request records: ``matched`` (one person), ``not_found``,
``ambiguous`` (several candidates, listed for a person to choose from) or ``chosen`` (the
person id was given, e.g. by IG from the record's page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from familyhub.linkage.models import Person


@dataclass(frozen=True)
class SubjectMatch:
    outcome: str  # matched, not_found, ambiguous, chosen
    person_id: str | None
    candidates: tuple[str, ...]
    explanation: str


def surviving_person_id(session: Session, person_id: str) -> str | None:
    """Follow merges to the person id in use today; None when there is no such person."""
    seen: set[str] = set()
    current: str | None = person_id
    while current is not None and current not in seen:
        seen.add(current)
        person = session.get(Person, current)
        if person is None:
            return None
        if person.merged_into is None:
            return person.id
        current = person.merged_into
    return None


def person_exists(session: Session, person_id: str) -> bool:
    return surviving_person_id(session, person_id) is not None


def decide(candidates: Sequence[str]) -> SubjectMatch:
    """The outcome for a list of candidate person ids (best first, already thresholded)."""
    unique = tuple(dict.fromkeys(candidates))
    if not unique:
        return SubjectMatch(
            "not_found",
            None,
            (),
            "no person matches these details: recorded; reply that nothing is held, or pick "
            "the person by hand with `familyhub rights resolve`",
        )
    if len(unique) > 1:
        return SubjectMatch(
            "ambiguous",
            None,
            unique,
            f"{len(unique)} persons match these details: recorded with the candidates; ask "
            "the requester for more detail, then pick with `familyhub rights resolve`",
        )
    return SubjectMatch("matched", unique[0], unique, f"matched person {unique[0]}")


class MatchingUnavailableError(RuntimeError):
    """Matching by details is not possible yet (no linkage run): give the person id."""


MATCH_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "postcode",
    "address",
    "phone",
    "email",
)


def linkage_candidates(session: Session, details: dict[str, Any]) -> SubjectMatch:
    """Ask the linkage domain's matcher (``familyhub match``) and decide.

    A candidate at or above the linkage's own link probability is a match; one in its review
    band is only possible, so it makes the outcome ambiguous for a person to settle; a
    candidate a cannot-link rule rules out (a twin) never counts.
    """
    from familyhub.linkage import service
    from familyhub.linkage.match import matcher
    from familyhub.linkage.pipeline import LINK_PROBABILITY, REVIEW_PROBABILITY

    model = service.active_model(session=session)
    if model is None:
        raise MatchingUnavailableError(
            "no linkage model yet (run `familyhub link`): give the person id (--person) instead"
        )
    fields = {k: v for k, v in details.items() if k in MATCH_FIELDS and v}
    if not fields:
        return decide([])
    try:
        found = matcher(service.cache_path(), model).match(fields, session=session, limit=10)
    except FileNotFoundError as exc:
        raise MatchingUnavailableError(f"{exc}; or give the person id (--person)") from exc
    usable = [c for c in found if c.cannot_link_rule is None]
    sure = _survivors(
        session, [c.person_id for c in usable if c.match_probability >= LINK_PROBABILITY]
    )
    possible = _survivors(
        session, [c.person_id for c in usable if c.match_probability >= REVIEW_PROBABILITY]
    )
    if len(sure) == 1 and len(possible) == 1:
        return decide(sure)
    if sure or possible:
        return _ambiguous(possible or sure)
    return decide([])


def _survivors(session: Session, person_ids: list[str]) -> list[str]:
    alive = (surviving_person_id(session, p) for p in person_ids)
    return list(dict.fromkeys(p for p in alive if p is not None))


def _ambiguous(candidates: list[str]) -> SubjectMatch:
    if len(candidates) == 1:
        return SubjectMatch(
            "ambiguous",
            None,
            tuple(candidates),
            "one person may match, but not surely enough: recorded with the candidate; "
            "check with the requester, then pick with `familyhub rights resolve`",
        )
    return decide(candidates)


def match_subject(
    *, session: Session, details: dict[str, Any], person_id: str | None = None
) -> SubjectMatch:
    if person_id is not None:
        surviving = surviving_person_id(session, person_id)
        if surviving is None:
            return SubjectMatch("not_found", None, (), f"there is no person {person_id}")
        return SubjectMatch("chosen", surviving, (surviving,), f"person {surviving} given")
    return linkage_candidates(session, details)

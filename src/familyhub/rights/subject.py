"""Finding the subject of a rights request among the persons we hold.

Matching itself is the linkage domain's (``familyhub match``); this module turns its answer
into one of the outcomes a request records: ``matched`` (one person), ``not_found``,
``ambiguous`` (several candidates, listed for a person to choose from) or ``chosen`` (the
person id was given, e.g. by IG from the record's page).
"""

from __future__ import annotations

import importlib
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
    """The linkage domain's matcher is not installed: give the person id instead."""


def linkage_candidates(session: Session, details: dict[str, Any]) -> list[str]:
    """Candidate person ids from the linkage domain's matcher (``familyhub match``)."""
    try:
        module = importlib.import_module("familyhub.linkage.match")
    except ModuleNotFoundError as exc:
        raise MatchingUnavailableError(
            "finding a person by their details needs the linkage matcher (familyhub match), "
            "which is not available; give the person id (--person) instead"
        ) from exc
    return [str(p) for p in module.candidate_person_ids(session=session, details=details)]


def match_subject(
    *, session: Session, details: dict[str, Any], person_id: str | None = None
) -> SubjectMatch:
    if person_id is not None:
        surviving = surviving_person_id(session, person_id)
        if surviving is None:
            return SubjectMatch("not_found", None, (), f"there is no person {person_id}")
        return SubjectMatch("chosen", surviving, (surviving,), f"person {surviving} given")
    return decide(linkage_candidates(session, details))

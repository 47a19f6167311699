"""Facts that come from other domains' data: who supplied a source, who a person is.

Kept apart so the rest of ``access`` does not depend on how sources and linkage store
things. Each function reads what exists and answers "unknown" rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session


@lru_cache(maxsize=1)
def _organisation_by_source() -> dict[str, str]:
    """Source name -> the organisation its contract names (``governance.organisation``)."""
    from familyhub.sources.contract import ContractError
    from familyhub.sources.registry import load_contracts

    try:
        entries = load_contracts()
    except (ContractError, OSError):
        return {}  # the sources commands report broken contracts; no supplier is assumed
    return {name: entry.contract.governance.organisation for name, entry in entries.items()}


def supplier_of_source(source: str) -> str | None:
    """The name of the organisation a source's contract says supplies it, if any."""
    return _organisation_by_source().get(source)


def forget_contracts() -> None:
    """Re-read contracts on next use (after a council adds or edits one)."""
    _organisation_by_source.cache_clear()


def identity_hints(session: Session, person_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(family name, postcode) pairs from the source records linked to each person."""
    from familyhub.linkage.models import PersonLink
    from familyhub.sources.models import SourceRecord

    if not person_ids:
        return {}
    query = (
        select(PersonLink.person_id, SourceRecord.family_name, SourceRecord.postcode)
        .join(SourceRecord, SourceRecord.id == PersonLink.source_record_id)
        .where(PersonLink.person_id.in_(list(person_ids)))
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for person_id, surname, postcode in session.execute(query):
        if surname and postcode:
            out.setdefault(person_id, []).append((str(surname), str(postcode)))
    return out

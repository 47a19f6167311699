"""Facts that come from other domains' data: who supplied a source, who a person is.

Kept apart so the rest of ``access`` does not depend on how sources and linkage store
things. Each function reads what exists and answers "unknown" rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.config import get_settings

PACKAGED_CONTRACTS = Path(__file__).parent.parent / "sources" / "contracts"
_SOURCE_KEYS = ("source", "name", "id")
_SUPPLIER_KEYS = ("organisation", "organisation_code", "supplier", "supplier_code")


def _contract_dirs() -> list[Path]:
    dirs = [PACKAGED_CONTRACTS]
    own = get_settings().contracts_dir
    if own is not None:
        dirs.append(own)
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=1)
def _suppliers_by_source(dirs: tuple[Path, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for directory in dirs:
        for path in sorted(directory.glob("*.y*ml")):
            try:
                data = yaml.safe_load(path.read_text("utf-8"))
            except yaml.YAMLError:
                continue  # the sources loader reports broken contracts; we just skip them
            if not isinstance(data, dict):
                continue
            source = next((data[k] for k in _SOURCE_KEYS if isinstance(data.get(k), str)), None)
            nested = data.get("supplier")
            supplier: dict[str, object] = nested if isinstance(nested, dict) else data
            code = next(
                (str(supplier[k]) for k in _SUPPLIER_KEYS if isinstance(supplier.get(k), str)),
                None,
            )
            if source and code:
                found[str(source)] = code
    return found


def supplier_of_source(source: str) -> str | None:
    """The organisation code a source's contract names as its supplier, if any."""
    return _suppliers_by_source(tuple(_contract_dirs())).get(source)


def identity_hints(session: Session, person_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(surname, postcode) pairs from the source records linked to each person.

    Reads the sources' ``source_record`` table through linkage's link table when both exist
    (found by their columns, so a renamed column is noticed as "no hints", not an error).
    """
    from familyhub.models import load_all_models

    tables = load_all_models().metadata.tables
    record = tables.get("source_record")
    if record is None or not person_ids:
        return {}
    surname_col = next((c for c in ("surname", "last_name", "family_name") if c in record.c), None)
    postcode_col = next((c for c in ("postcode", "post_code") if c in record.c), None)
    if surname_col is None or postcode_col is None:
        return {}
    if "person_id" in record.c:
        query = select(record.c.person_id, record.c[surname_col], record.c[postcode_col]).where(
            record.c.person_id.in_(person_ids)
        )
    else:
        link = next(
            (
                t
                for t in tables.values()
                if "person_id" in t.c and "source_record_id" in t.c and t.name != "source_record"
            ),
            None,
        )
        if link is None:
            return {}
        query = (
            select(link.c.person_id, record.c[surname_col], record.c[postcode_col])
            .join(record, record.c.id == link.c.source_record_id)
            .where(link.c.person_id.in_(person_ids))
        )
    out: dict[str, list[tuple[str, str]]] = {}
    for person_id, surname, postcode in session.execute(query):
        if surname and postcode:
            out.setdefault(person_id, []).append((str(surname), str(postcode)))
    return out

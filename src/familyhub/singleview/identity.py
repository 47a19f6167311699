"""Who a person is, at the level the user may see: minimal identity, contact, golden record.

Headline values come from the rights engineer's ``golden_with_corrections`` (the linkage
golden record with any rectification that still outranks the sources); the provenance of
every value comes from linkage's ``golden_value`` rows, naming only the source records the
user may open and counting the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.identity.errors import InvalidValueError
from familyhub.identity.postcodes import parse_postcode
from familyhub.linkage.models import GoldenValue
from familyhub.rights.rectification import golden_with_corrections, golden_with_corrections_of
from familyhub.singleview.types import GoldenField, GoldenRecord, MinimalIdentity, SourceMention

CONTACT_FIELDS = ("address", "postcode", "phone", "email")
CONFLICT_FIELDS = ("date_of_birth", "nhs_number", "sex", "ni_number", "upn")
RESTRICTION_NOTICE = (
    "This person has asked for the processing of their information to be restricted. "
    "Only their name, year of birth and partial postcode are shown. To protect a child or "
    "adult at risk, use the safeguarding override; information governance can explain more."
)


def headline(session: Session, person_id: str) -> dict[str, Any]:
    return golden_with_corrections(session, person_id=person_id)


def headlines(session: Session, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``headline`` of each person, read for all of them together (search results)."""
    return golden_with_corrections_of(session, person_ids)


def _partial_postcode(raw: Any) -> tuple[str | None, str | None]:
    try:
        postcode = parse_postcode(str(raw), allow_partial=True) if raw else None
    except InvalidValueError:
        return None, None
    return (postcode.district, postcode.sector) if postcode else (None, None)


def _year(raw: Any) -> int | None:
    if isinstance(raw, date):
        return raw.year
    if isinstance(raw, str) and len(raw) >= 4 and raw[:4].isdigit():
        return int(raw[:4])
    return None


def display_name(values: dict[str, Any]) -> str:
    parts = [values.get("given_name"), values.get("family_name")]
    return " ".join(str(p) for p in parts if p) or "Name not known"


def minimal_identity(
    session: Session,
    person_id: str,
    *,
    restricted: bool = False,
    values: dict[str, Any] | None = None,
) -> MinimalIdentity:
    """Name, year of birth and partial postcode (``values``: the headline, if already read)."""
    values = headline(session, person_id) if values is None else values
    district, sector = _partial_postcode(values.get("postcode"))
    return MinimalIdentity(
        person_id=person_id,
        name=display_name(values),
        year_of_birth=_year(values.get("date_of_birth")),
        postcode_district=district,
        postcode_sector=sector,
        restricted=restricted,
    )


def golden_values(session: Session, person_ids: Sequence[str]) -> dict[str, list[GoldenValue]]:
    """Each person's golden values, by field, the chosen one first (one query for all)."""
    out: dict[str, list[GoldenValue]] = {p: [] for p in person_ids}
    if not person_ids:
        return out
    for row in session.scalars(
        select(GoldenValue)
        .where(GoldenValue.person_id.in_(list(person_ids)))
        .order_by(
            GoldenValue.person_id, GoldenValue.field, GoldenValue.chosen.desc(), GoldenValue.id
        )
    ):
        out[row.person_id].append(row)
    return out


def _golden_values(session: Session, person_id: str) -> list[GoldenValue]:
    return golden_values(session, [person_id])[person_id]


def contact_details(
    session: Session,
    person_id: str,
    *,
    values: dict[str, Any] | None = None,
    rows: Sequence[GoldenValue] | None = None,
) -> dict[str, str | None]:
    """Where to find the person: the chosen address, postcode, phone and email
    (``rows``: the person's golden values, if already read)."""
    rows = _golden_values(session, person_id) if rows is None else rows
    chosen = {v.field: v.value for v in rows if v.chosen and v.field in CONTACT_FIELDS}
    corrected = headline(session, person_id) if values is None else values
    if corrected.get("postcode"):
        chosen["postcode"] = str(corrected["postcode"])
    return {name: chosen.get(name) for name in CONTACT_FIELDS}


def golden_record(
    session: Session,
    person_id: str,
    *,
    visible_sources: set[tuple[str, str]],
    values: dict[str, Any] | None = None,
    rows: Sequence[GoldenValue] | None = None,
) -> GoldenRecord:
    """The golden record with provenance; ``visible_sources`` are (source, record_id) pairs
    the user may open: only those are named as a value's sources. Conflicting values of an
    identity field (two dates of birth) are all kept, and flagged."""
    fields: list[GoldenField] = []
    for row in _golden_values(session, person_id) if rows is None else rows:
        mentions = [
            SourceMention(
                source=str(s.get("source")),
                record_id=str(s.get("record_id")),
                updated_at=str(s["updated_at"]) if s.get("updated_at") else None,
            )
            for s in row.sources or []
        ]
        shown = [m for m in mentions if (m.source, m.record_id) in visible_sources]
        fields.append(
            GoldenField(
                field=row.field,
                value=row.value,
                chosen=row.chosen,
                sources=shown,
                hidden_sources=len(mentions) - len(shown),
                rule=row.rule,
            )
        )
    per_field = Counter(f.field for f in fields)
    corrected = headline(session, person_id) if values is None else values
    return GoldenRecord(
        headline={k: (str(v) if v is not None else None) for k, v in corrected.items()},
        values=fields,
        has_conflicts=any(per_field[f] > 1 for f in CONFLICT_FIELDS),
    )

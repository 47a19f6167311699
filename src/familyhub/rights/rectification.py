"""Rectification: a corrected value outranks the source until the source itself changes.

A correction is stored beside the data, never written over it: a re-load from the partner
overwrites source records, and the correction must survive that. Whoever derives a value
(the golden record, the view, the subject access export) passes what the sources say through
:func:`overlay`, which returns the corrected value while the source still says what it said
when the correction was made, and retires the correction (``superseded``) once the source
says something else: the partner has fixed it at source, and the source is the truth again.

Every correction puts a notification in the outbox for each partner whose records hold the
field (UK GDPR Art 19).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.rights import requests as rr
from familyhub.rights.models import Rectification
from familyhub.rights.outbox import notify, source_organisations
from familyhub.rights.personal_data import find_personal_data


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def active_rectifications(session: Session, *, person_id: str) -> list[Rectification]:
    return list(
        session.scalars(
            select(Rectification)
            .where(Rectification.person_id == person_id, Rectification.status == "active")
            .order_by(Rectification.id)
        )
    )


def overlay(session: Session, *, person_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (what the sources say now) with the person's corrections applied.

    A correction whose field now carries a different value from the one it corrected steps
    aside for good: the source itself has changed.
    """
    result = _overlaid(active_rectifications(session, person_id=person_id), values)
    session.flush()
    return result


def _overlaid(active: Sequence[Rectification], values: Mapping[str, Any]) -> dict[str, Any]:
    """``overlay``'s rule for one person's active corrections (the caller flushes)."""
    result = dict(values)
    for rect in active:
        if rect.field not in values:
            continue
        now = _text(values[rect.field])
        if now == rect.source_value:
            result[rect.field] = rect.corrected_value
        else:
            rect.status = "superseded"
            rect.superseded_at = datetime.now(UTC)
    return result


def rectify(
    session: Session,
    *,
    request_id: int,
    field: str,
    corrected_value: str,
    reason: str,
    actor: str,
    source_value: Any = None,
) -> rr.StepOutcome:
    """Record a correction for the subject of a rectification request and tell the partners.

    ``source_value`` is what the sources say now (default: the value in the person's source
    records, when they all agree).
    """
    request = rr.get_request(session, request_id)
    refusal = None
    if request.kind != "rectification":
        refusal = f"request {request.id} is a {request.kind} request, not rectification"
    elif request.status not in ("open", "extended"):
        refusal = f"request {request.id} is {request.status}"
    elif request.person_id is None:
        refusal = f"request {request.id} has no subject ({request.match_outcome}): resolve it first"
    elif not reason.strip():
        refusal = "a correction needs its reason"
    if refusal is not None:
        rr.log(
            session, request, actor=actor, action="rectification_refused", detail={"why": refusal}
        )
        return rr.StepOutcome(False, refusal, request)
    assert request.person_id is not None
    found = find_personal_data(session, person_id=request.person_id)
    holders = [r for r in found.rows.get("source_record", []) if r.get(field) is not None]
    if source_value is None and holders:
        held = {_text(r[field]) for r in holders}
        source_value = held.pop() if len(held) == 1 else None
    if source_value is None and field in GOLDEN_FIELDS:
        # no single source value: what the golden record shows is what is being corrected
        source_value = _golden_values(session, request.person_id).get(field)
    rect = Rectification(
        request_id=request.id,
        person_id=request.person_id,
        field=field,
        source_value=_text(source_value),
        corrected_value=corrected_value,
        reason=reason,
        created_by=actor,
        status="active",
    )
    session.add(rect)
    session.flush()
    # The golden record shows the correction at once, not only after the next linkage run.
    from familyhub.linkage.corrections import apply_now

    apply_now(session, rect)
    organisations = source_organisations()
    for record in holders:
        notify(
            session,
            organisation=organisations.get(record["source"], record["source"]),
            kind="rectification",
            request_id=request.id,
            person_id=request.person_id,
            payload={
                "source": record["source"],
                "record_id": record["record_id"],
                "field": field,
                "your_value": _text(record[field]),
                "corrected_value": corrected_value,
                "reason": reason,
            },
        )
    rr.log(
        session,
        request,
        actor=actor,
        action="rectified",
        detail={"field": field, "rectification": rect.id, "partners_told": len(holders)},
    )
    return rr.StepOutcome(
        True, f"{field} corrected; {len(holders)} partner record(s) to be told", request
    )


GOLDEN_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "nhs_number", "postcode")


def golden_with_corrections(session: Session, *, person_id: str) -> dict[str, Any]:
    """The person's golden record headline values (as linkage last built them from the
    sources) with the corrections that still outrank the sources.

    Linkage writes a correction into the golden record itself (``linkage.corrections``),
    having checked the sources when it built the record: a field it shows as corrected is
    taken as it is, not compared with the sources again (it no longer holds their value).
    """
    values = _golden_values(session, person_id)
    if not values:
        return {}
    applied = _applied(values, _corrected_in_golden(session, person_id))
    pending = {k: v for k, v in values.items() if k not in applied}
    return values | applied | overlay(session, person_id=person_id, values=pending)


def _applied(values: Mapping[str, Any], corrected: Mapping[str, str]) -> dict[str, str]:
    """The corrections linkage wrote that the golden record still shows (taken as they are)."""
    return {field: value for field, value in corrected.items() if _text(values.get(field)) == value}


def golden_with_corrections_of(
    session: Session, person_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """``golden_with_corrections`` for each of ``person_ids`` in three queries for all of
    them, not three a person (a search shows the minimal identity of every result); the
    same rules (``_applied``, ``_overlaid``), only the reading is batched."""
    from familyhub.linkage.corrections import RULE_PREFIX
    from familyhub.linkage.models import GoldenValue, Person

    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return {}
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    corrected: dict[str, dict[str, str]] = {p: {} for p in ids}
    for pid, field, value in session.execute(
        select(GoldenValue.person_id, GoldenValue.field, GoldenValue.value).where(
            GoldenValue.person_id.in_(ids),
            GoldenValue.chosen.is_(True),
            GoldenValue.rule.like(f"{RULE_PREFIX}%"),
        )
    ):
        corrected[str(pid)][str(field)] = str(value)
    active: dict[str, list[Rectification]] = {p: [] for p in ids}
    for rect in session.scalars(
        select(Rectification)
        .where(Rectification.person_id.in_(ids), Rectification.status == "active")
        .order_by(Rectification.id)
    ):
        active[rect.person_id].append(rect)
    out: dict[str, dict[str, Any]] = {}
    for pid in ids:
        person = persons.get(pid)
        if person is None:
            out[pid] = {}
            continue
        values = {name: getattr(person, name, None) for name in GOLDEN_FIELDS}
        applied = _applied(values, corrected[pid])
        pending = {k: v for k, v in values.items() if k not in applied}
        out[pid] = values | applied | _overlaid(active[pid], pending)
    session.flush()
    return out


def _corrected_in_golden(session: Session, person_id: str) -> dict[str, str]:
    """Fields whose chosen golden value is a correction linkage wrote, with that value."""
    from familyhub.linkage.corrections import RULE_PREFIX
    from familyhub.linkage.models import GoldenValue

    rows = session.execute(
        select(GoldenValue.field, GoldenValue.value).where(
            GoldenValue.person_id == person_id,
            GoldenValue.chosen.is_(True),
            GoldenValue.rule.like(f"{RULE_PREFIX}%"),
        )
    )
    return {str(field): str(value) for field, value in rows}


def _golden_values(session: Session, person_id: str) -> dict[str, Any]:
    from familyhub.linkage.models import Person

    person = session.get(Person, person_id)
    if person is None:
        return {}
    return {name: getattr(person, name, None) for name in GOLDEN_FIELDS}

"""Erasure: remove a person's data from every table in the registry, except what the law
makes us keep, and leave a tombstone with no personal data.

The whole erasure runs in the caller's transaction: it happens completely or not at all.
Items kept under a legal obligation are listed in the tombstone (table, row id, reason) and
in the request's outcome; a legal hold refuses the whole erasure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from familyhub.governance.models import LegalHold
from familyhub.governance.settings import PACKAGE_DIR, GovernanceSettings
from familyhub.models import load_all_models
from familyhub.rights import requests as rr
from familyhub.rights.models import ErasureTombstone, PartnerNotification
from familyhub.rights.outbox import source_organisations
from familyhub.rights.personal_data import Found, find_personal_data
from familyhub.rights.registry import LINK_TABLES, Location
from familyhub.rights.suppression import suppress

# Link table -> its source record column: a link to a record kept by law is kept with it.
LINKS = {table: record_col for table, _, record_col in LINK_TABLES}

ERASED_TEXT = "[erased]"


def legal_obligations(settings: GovernanceSettings | None = None) -> dict[str, str]:
    """Source name -> why its records must be kept (shipped, plus the council's own)."""
    settings = settings or GovernanceSettings()
    paths = [PACKAGE_DIR / "legal_obligations.yaml"]
    if settings.governance_dir is not None:
        paths.append(settings.governance_dir / "legal_obligations.yaml")
    rules: dict[str, str] = {}
    for path in paths:
        if path.exists():
            rules.update(
                {str(k): str(v) for k, v in (yaml.safe_load(path.read_text()) or {}).items()}
            )
    return rules


def active_holds(session: Session, person_ids: set[str], *, on: date) -> list[LegalHold]:
    return list(
        session.scalars(
            select(LegalHold).where(
                LegalHold.person_id.in_(sorted(person_ids)),
                LegalHold.placed_on <= on,
                or_(LegalHold.released_on.is_(None), LegalHold.released_on > on),
            )
        )
    )


@dataclass(frozen=True)
class ErasurePlan:
    person_id: str
    found: Found
    delete: dict[str, list[dict[str, Any]]]
    kept: list[dict[str, Any]]


def _pk(table: str, row: dict[str, Any]) -> Any:
    cols = [c.name for c in load_all_models().metadata.tables[table].primary_key.columns]
    return row[cols[0]] if len(cols) == 1 else tuple(row[c] for c in cols)


def plan_erasure(
    session: Session, *, person_id: str, obligations: dict[str, str] | None = None
) -> ErasurePlan:
    """What erasing ``person_id`` would remove and what it would keep, and why."""
    obligations = legal_obligations() if obligations is None else obligations
    found = find_personal_data(session, person_id=person_id)
    kept_keys = {(s, r) for (s, r) in found.record_keys if s in obligations}
    kept_pks = {
        r["id"]
        for r in found.rows.get("source_record", [])
        if (r["source"], r["record_id"]) in kept_keys
    }
    # A row may be found several ways (a relationship by either end); keeping wins.
    kept_rows: dict[tuple[str, Any], str] = {}
    candidates: dict[tuple[str, Any], dict[str, Any]] = {}
    for loc, rows in found.by_location:
        if loc.action != "delete":
            continue
        for row in rows:
            key = (loc.table, _pk(loc.table, row))
            reason = _keep_reason(loc, row, kept_keys, obligations)
            if reason is None and loc.table in LINKS and row[LINKS[loc.table]] in kept_pks:
                reason = "links a record kept by law to its person"
            if reason is not None:
                kept_rows.setdefault(key, reason)
            candidates[key] = row
    if kept_keys:
        # The statutory records stay linked to their person, so the person stays too.
        for key in [k for k in candidates if k[0] == "person"]:
            kept_rows.setdefault(key, "holds records kept by law")
    to_delete: dict[str, list[dict[str, Any]]] = {}
    for key, row in candidates.items():
        if key not in kept_rows:
            to_delete.setdefault(key[0], []).append(row)
    kept = [{"table": t, "id": pk, "reason": why} for (t, pk), why in kept_rows.items()]
    return ErasurePlan(person_id=person_id, found=found, delete=to_delete, kept=kept)


def _keep_reason(
    loc: Location, row: dict[str, Any], kept_keys: set[tuple[str, str]], obligations: dict[str, str]
) -> str | None:
    source = row.get("source")
    if loc.find in ("source_record", "source_record_key", "quarantine") and source in obligations:
        key = (source, row.get(loc.column if loc.find == "source_record_key" else "record_id"))
        if loc.find == "quarantine" or key in kept_keys:
            return obligations[source]
    return None


def _delete_order(table: str) -> int:
    # Children before parents: links and events before records, records and memberships
    # before persons; the person table last.
    order = {
        "referral_state_change": 0,
        "manual_decision": 1,
        "person_link": 2,
        "source_record": 8,
        "person": 9,
    }
    return order.get(table, 5)


def apply_plan(session: Session, plan: ErasurePlan) -> dict[str, int]:
    tables = load_all_models().metadata.tables
    removed: Counter[str] = Counter()
    ids = sorted(plan.found.person_ids)
    for loc, rows in plan.found.by_location:
        table = tables[loc.table]
        if loc.action == "clear" and rows:
            session.execute(
                update(table).where(table.c[loc.column].in_(ids)).values({loc.column: None})
            )
            removed[f"{loc.table} (link cleared)"] += len(rows)
        elif loc.action == "scrub" and rows:
            values = {c: _empty(table.c[c].type.python_type) for c in loc.scrub}
            pks = [r["id"] for r in rows]
            session.execute(update(table).where(table.c.id.in_(pks)).values(values))
            removed[f"{loc.table} (details removed)"] += len(rows)
    for name in sorted(plan.delete, key=_delete_order):
        table = tables[name]
        rows = plan.delete[name]
        pk = next(iter(table.primary_key.columns))
        pks = [_pk(name, r) for r in rows]
        if name == "person":
            # Earlier ids point at the ids they merged into: unhook them, then delete.
            session.execute(update(table).where(pk.in_(pks)).values(merged_into=None))
        session.execute(delete(table).where(pk.in_(pks)))
        removed[name] += len(rows)
    session.flush()
    _rebuild_kept_golden_record(session, plan)
    for loc, rows in plan.found.by_location:
        if loc.action == "delete_if_orphaned" and rows:
            removed[loc.table] += _delete_orphans(session, loc, rows)
    session.flush()
    return dict(removed)


HEADLINE_FIELDS = ("given_name", "family_name", "date_of_birth", "sex", "nhs_number", "postcode")


def _rebuild_kept_golden_record(session: Session, plan: ErasurePlan) -> None:
    """A person kept for their statutory records shows only what those records say: the
    golden record's headline values are taken again from the kept records alone (linkage
    rebuilds the full golden record on its next run)."""
    kept_persons = [k["id"] for k in plan.kept if k["table"] == "person"]
    if not kept_persons:
        return
    tables = load_all_models().metadata.tables
    person, records = tables["person"], tables["source_record"]
    kept_records = [k["id"] for k in plan.kept if k["table"] == "source_record"]
    rows = session.execute(select(records).where(records.c.id.in_(kept_records))).all()
    values: dict[str, Any] = {}
    for field in HEADLINE_FIELDS:
        if field not in person.c:
            continue
        said = {getattr(r, field) for r in rows if getattr(r, field) is not None}
        values[field] = said.pop() if len(said) == 1 else None
    if values:
        session.execute(update(person).where(person.c.id.in_(kept_persons)).values(values))


def _delete_orphans(session: Session, loc: Location, rows: list[dict[str, Any]]) -> int:
    """Delete the rows (e.g. households) that nothing points at any more."""
    tables = load_all_models().metadata.tables
    table, child = tables[loc.table], tables[loc.parent or ""]
    pk = next(iter(table.primary_key.columns))
    count = 0
    for row in rows:
        still_used = session.execute(
            select(child.c[loc.column]).where(child.c[loc.column] == row[pk.name]).limit(1)
        ).first()
        if still_used is None:
            session.execute(delete(table).where(pk == row[pk.name]))
            count += 1
    return count


def _empty(python_type: type) -> Any:
    if python_type is dict:
        return {}
    if python_type is list:
        return []
    return ERASED_TEXT


def _notify_partners(
    session: Session, plan: ErasurePlan, *, request_id: int | None, organisations: dict[str, str]
) -> None:
    by_source: dict[str, list[str]] = {}
    for row in plan.delete.get("source_record", []):
        by_source.setdefault(row["source"], []).append(row["record_id"])
    for source, record_ids in sorted(by_source.items()):
        session.add(
            PartnerNotification(
                organisation=organisations.get(source, source),
                kind="erasure",
                request_id=request_id,
                person_id=None,
                payload={"source": source, "record_ids": sorted(record_ids)},
            )
        )


def carry_out_erasure(
    session: Session,
    *,
    request_id: int,
    actor: str,
    on: date,
    keys_dir: Path | None = None,
    obligations: dict[str, str] | None = None,
) -> rr.StepOutcome:
    """Erase the subject of an erasure request, or refuse with the reason; always recorded.

    ``obligations`` (source -> why kept) defaults to :func:`legal_obligations`.
    """
    request = rr.get_request(session, request_id)
    refusal = None
    if request.kind != "erasure":
        refusal = f"request {request.id} is a {request.kind} request, not erasure"
    elif request.status not in ("open", "extended"):
        refusal = f"request {request.id} is {request.status}"
    elif request.person_id is None:
        refusal = f"request {request.id} has no subject ({request.match_outcome}): resolve it first"
    if refusal is not None:
        rr.log(session, request, actor=actor, action="erasure_refused", detail={"why": refusal})
        return rr.StepOutcome(False, refusal, request)
    assert request.person_id is not None
    person_id = request.person_id
    plan = plan_erasure(session, person_id=person_id, obligations=obligations)
    holds = active_holds(session, plan.found.person_ids, on=on)
    if holds:
        reasons = "; ".join(h.reason for h in holds)
        outcome = f"erasure refused: the person is under a legal hold ({reasons})"
        rr.close(
            session, request_id=request.id, status="refused", outcome=outcome, on=on, actor=actor
        )
        return rr.StepOutcome(False, outcome, request)
    removed = apply_plan(session, plan)
    # Until the partner erases at source, its next extract must not bring them back.
    suppress(
        session,
        [
            (r["source"], r["record_id"], r.get("partner_person_id"))
            for r in plan.delete.get("source_record", [])
        ],
        request_id=request.id,
        keys_dir=keys_dir,
    )
    _notify_partners(session, plan, request_id=request.id, organisations=source_organisations())
    session.add(
        ErasureTombstone(
            request_id=request.id,
            person_ref=person_id,
            cause="erasure",
            actor=actor,
            removed=removed,
            kept=plan.kept,
        )
    )
    _audit(session, actor=actor, person_id=person_id, request_id=request.id, removed=removed,
           kept=len(plan.kept), keys_dir=keys_dir)  # fmt: skip
    kept_note = (
        f"; {len(plan.kept)} item(s) kept under a legal obligation: "
        + "; ".join(sorted({k["reason"] for k in plan.kept}))
        if plan.kept
        else ""
    )
    outcome = f"erased {sum(removed.values())} row(s){kept_note}"
    closed = rr.close(
        session,
        request_id=request.id,
        status="completed",
        outcome=outcome,
        on=on,
        actor=actor,
        detail={"removed": removed, "kept": len(plan.kept)},
    )
    return rr.StepOutcome(closed.done, outcome if closed.done else closed.message, request)


def _audit(
    session: Session,
    *,
    actor: str,
    person_id: str,
    request_id: int,
    removed: dict[str, int],
    kept: int,
    keys_dir: Path | None,
) -> None:
    from familyhub.audit.service import record

    record(
        session,
        actor=actor,
        action="rights.erasure",
        records=[f"person:{person_id}"],
        decision="allow",
        purpose="rights_request",
        request_id=f"rights:{request_id}",
        details={"removed": removed, "kept": kept},
        keys_dir=keys_dir,
    )

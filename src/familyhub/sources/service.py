"""The sources service: which contract claims which file, load files, list sources, check.

``ingest_file`` loads one file in the caller's session (the caller commits); the CLI gives
each file its own unit of work so that one refused file does not stop the rest.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.sources.contract import IDENTITY_FIELDS, Contract, column_name
from familyhub.sources.load import load_extract
from familyhub.sources.models import QuarantineRow, SourceExtract, SourceRecord
from familyhub.sources.normalise import RECORD_FIELDS, ColumnMissingError, RowNormaliser
from familyhub.sources.outcome import ExtractRefusedError, LoadOutcome, record_refusal
from familyhub.sources.readers import FileRefusedError, open_extract
from familyhub.sources.registry import ContractEntry, claimants, find_contract, load_contracts


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class PlannedFile:
    path: Path
    entry: ContractEntry | None
    problem: str | None = None


def plan_ingest(
    path: Path, *, source: str | None = None, contracts_dir: Path | None = None
) -> list[PlannedFile]:
    """Each file under ``path`` (a file or a drop folder) with the contract that claims it.

    With ``source`` every file is loaded under that contract. A file no contract claims, or
    that two claim, is reported with a problem, never guessed at.
    """
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    elif path.is_file():
        files = [path]
    else:
        raise FileNotFoundError(f"{path}: no such file or folder")
    if source is not None:
        entry = find_contract(source, contracts_dir)
        return [PlannedFile(p, entry) for p in files]
    entries = load_contracts(contracts_dir)
    planned = []
    for p in files:
        matches = claimants(p.name, entries)
        if len(matches) == 1:
            planned.append(PlannedFile(p, matches[0]))
        elif not matches:
            planned.append(
                PlannedFile(
                    p,
                    None,
                    f"{p.name}: no contract claims this file name; not loaded "
                    "(use --source NAME to load it under a contract)",
                )
            )
        else:
            names = ", ".join(m.contract.name for m in matches)
            planned.append(PlannedFile(p, None, f"{p.name}: claimed by {names}; use --source"))
    return planned


def ingest_file(
    path: Path,
    contract: Contract,
    *,
    session: Session,
    actor: str,
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LoadOutcome:
    """Load one file in ``session``'s transaction; the caller commits.

    On refusal the session's transaction is rolled back (nothing of the file stays) and the
    refusal itself is recorded in its place, so the caller still commits.
    """
    try:
        return load_extract(
            path, contract, session=session, actor=actor, today=today, on_progress=on_progress
        )
    except ExtractRefusedError as exc:
        session.rollback()
        record_refusal(exc.outcome, contract, session=session, actor=actor)
        return exc.outcome


@dataclass
class SourceSummary:
    name: str
    title: str
    organisation: str
    kind: str
    origin: str
    records_active: int
    records_withdrawn: int
    last_extract: SourceExtract | None
    quarantined_last: int


def list_sources(*, session: Session, contracts_dir: Path | None = None) -> list[SourceSummary]:
    """Each known source with its last extract, record counts and last quarantine count."""
    entries = load_contracts(contracts_dir)
    counts: dict[tuple[str, str], int] = {
        (src, status): n
        for src, status, n in session.execute(
            select(SourceRecord.source, SourceRecord.status, func.count()).group_by(
                SourceRecord.source, SourceRecord.status
            )
        ).all()
    }
    names = sorted(set(entries) | {src for src, _ in counts})
    out = []
    for name in names:
        last = session.scalars(
            select(SourceExtract)
            .where(SourceExtract.source == name)
            .order_by(SourceExtract.id.desc())
            .limit(1)
        ).first()
        entry = entries.get(name)
        out.append(
            SourceSummary(
                name=name,
                title=entry.contract.title if entry else "(no contract)",
                organisation=entry.contract.governance.organisation if entry else "",
                kind=entry.contract.extract.kind if entry else "",
                origin=entry.origin if entry else "",
                records_active=counts.get((name, "active"), 0),
                records_withdrawn=counts.get((name, "withdrawn"), 0),
                last_extract=last,
                quarantined_last=last.rows_quarantined if last else 0,
            )
        )
    return out


def quarantine_for(extract_id: int, *, session: Session, limit: int = 20) -> list[QuarantineRow]:
    return list(
        session.scalars(
            select(QuarantineRow)
            .where(QuarantineRow.extract_id == extract_id)
            .order_by(QuarantineRow.id)
            .limit(limit)
        )
    )


@dataclass
class CheckReport:
    """What ``sources check`` found: the column mapping and the first rows, normalised."""

    contract: Contract
    columns: list[tuple[str, str, bool]]  # (file column, what it becomes, in the file?)
    extra_columns: list[str]
    rows: list[dict[str, Any]]
    problems: list[str]


def check_contract(entry: ContractEntry, sample: Path, *, rows: int = 5) -> CheckReport:
    """Validate ``entry``'s contract against a sample file without touching the database."""
    contract = entry.contract
    mapping = _column_meanings(contract)
    problems: list[str] = []
    try:
        opened = open_extract(sample, contract.format)
    except FileRefusedError as exc:
        return CheckReport(contract, [(c, m, False) for c, m in mapping], [], [], [str(exc)])
    header = set(opened.header)
    columns = [(c, m, c in header) for c, m in mapping]
    mapped = {c for c, _ in mapping}
    extra = [h for h in opened.header if h not in mapped]
    try:
        normaliser = RowNormaliser(contract, opened.header, today=date.today())
    except ColumnMissingError as exc:
        problems.append(f"{sample.name}: missing columns: {', '.join(exc.missing)}")
        return CheckReport(contract, columns, extra, [], problems)
    shown: list[dict[str, Any]] = []
    for raw in opened.rows:
        if raw.error:
            problems.append(f"{sample.name}: row {raw.number}: {raw.error}")
            continue
        result = normaliser.normalise(raw.values)
        record: dict[str, Any] = {"row": raw.number, "record_id": result.record_id}
        record |= {k: v for k, v in zip(RECORD_FIELDS, result.fields, strict=True) if v}
        record["events"] = [f"{e[3]} {e[2]}: {e[6]}" for e in result.events]
        shown.append(record)
        problems += [
            f"{sample.name}: row {raw.number}, field {i.field}: {i.reason} ({i.action})"
            for i in result.issues
        ]
        if len(shown) >= rows:
            break
    return CheckReport(contract, columns, extra, shown, problems)


def _column_meanings(contract: Contract) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [(contract.record_id, "record_id")]
    if contract.partner_person_id:
        out.append((contract.partner_person_id, "partner_person_id"))
    ident = contract.identity
    if ident.full_name:
        out.append((ident.full_name.column, f"given_name + family_name ({ident.full_name.style})"))
    for name in IDENTITY_FIELDS:
        ref = getattr(ident, name)
        for r in ref if isinstance(ref, list) else [ref] if ref is not None else []:
            out.append((column_name(r), name))
    for rule in contract.events:
        what = rule.type or f"event type by {rule.type_from.column}"  # type: ignore[union-attr]
        out.append((column_name(rule.date), f"event {rule.name}: date ({what})"))
        for attr, spec in rule.attributes.items():
            out.append(
                (spec if isinstance(spec, str) else spec.column, f"event {rule.name}: {attr}")
            )
    for rel in contract.relationships:
        col = rel.partner_id_column or rel.group_column or ""
        out.append((col, f"relationship {rel.relationship or 'by role'}"))
    seen: dict[str, str] = {}
    for col, meaning in out:
        seen[col] = f"{seen[col]}; {meaning}" if col in seen else meaning
    return list(seen.items())


def describe_when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"

"""What a load produced: its outcome, its quarantine entries, and refused files' records.

Also the column lists of the bulk-written tables, shared by the loader and the refusal path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from familyhub.sources.contract import Contract, contract_sha256
from familyhub.sources.events import encode_json
from familyhub.sources.models import SourceExtract
from familyhub.sources.normalise import RECORD_FIELDS
from familyhub.sources.store import BulkWriter


def now() -> datetime:
    return datetime.now(UTC)


def db_timestamp(value: datetime, dialect: str) -> str:
    """A timestamp as text the way SQLAlchemy stores it on SQLite; ISO with offset otherwise."""
    if dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


RECORD_COLUMNS = (
    *_words("source record_id partner_person_id extract_id status row_sha256"),
    *_words("first_seen_at updated_at data_categories"),
    *RECORD_FIELDS,
    "original",
)
UPDATE_COLUMNS = (
    *_words("partner_person_id extract_id row_sha256 updated_at data_categories"),
    *RECORD_FIELDS,
    "original",
)
EVENT_COLUMNS = _words(
    "source record_id event_id event_type event_date end_date data_category description "
    "attributes extract_id"
)
RELATIONSHIP_COLUMNS = _words(
    "source record_id related_record_id related_partner_person_id relationship group_key extract_id"
)
QUARANTINE_COLUMNS = _words(
    "extract_id source file_name row_number field action reason raw_row created_at"
)
_SET_CLAUSE = ", ".join(f"{c} = ?" for c in UPDATE_COLUMNS)
# Column names are ours, values are parameters.
UPDATE_SQL = f"UPDATE source_record SET status = 'active', {_SET_CLAUSE} WHERE id = ?"  # noqa: S608


@dataclass
class QuarantineEntry:
    row_number: int | None
    field: str | None
    action: str
    reason: str
    raw_row: dict[str, Any] | None


@dataclass
class LoadOutcome:
    """What happened to one file; ``message`` says it in a sentence naming the file."""

    path: Path
    source: str | None
    status: str  # loaded | unchanged | refused | unclaimed
    message: str
    extract_id: int | None = None
    kind: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    rows_quarantined: int = 0
    rows_withdrawn: int = 0
    values_dropped: int = 0
    events_loaded: int = 0
    relationships: int = 0
    # rows skipped: records erased at the data subject's request (familyhub.rights.suppression)
    rows_suppressed: int = 0
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    file_sha256: str | None = None
    file_size: int = 0


class ExtractRefusedError(Exception):
    """The file must not load; roll back, then record the refusal with :func:`record_refusal`."""

    def __init__(self, outcome: LoadOutcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def json_list(values: list[str]) -> str:
    return encode_json(values)


def json_obj(value: dict[str, Any] | None) -> str | None:
    return None if value is None else encode_json(value)


def record_refusal(
    outcome: LoadOutcome, contract: Contract, *, session: Session, actor: str
) -> int:
    """Record a refused file (after the failed load was rolled back): the extract and why."""
    extract = SourceExtract(
        source=contract.name,
        file_name=outcome.path.name,
        file_sha256=outcome.file_sha256 or "",
        file_size=outcome.file_size,
        kind=contract.extract.kind,
        status="refused",
        message=outcome.message,
        rows_read=outcome.rows_read,
        rows_quarantined=outcome.rows_quarantined,
        loaded_by=actor,
        contract_sha256=contract_sha256(contract),
        started_at=now(),
        finished_at=now(),
    )
    session.add(extract)
    session.flush()
    entries = outcome.quarantine[:1000] or [
        QuarantineEntry(None, None, "file_refused", outcome.message, None)
    ]
    writer = BulkWriter(session.connection())
    stamp = db_timestamp(now(), writer.dialect)
    writer.insert(
        "quarantine_row",
        QUARANTINE_COLUMNS,
        [
            (
                extract.id,
                contract.name,
                outcome.path.name,
                q.row_number,
                q.field,
                q.action,
                q.reason,
                json_obj(q.raw_row),
                stamp,
            )
            for q in entries
        ],
    )
    outcome.extract_id = extract.id
    return extract.id

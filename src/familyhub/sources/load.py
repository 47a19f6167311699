"""Load one extract file under its contract, inside the caller's transaction.

The caller commits (or, on any error, rolls back): a load is all of the file's rows plus the
extract's record, or nothing. Loading the same bytes again is recognised by the file's SHA-256
and changes nothing. A later extract updates changed records (by a hash of the raw row), adds
new ones, and for a *full* extract marks the records it no longer holds as withdrawn.
"""

from __future__ import annotations

import gc
import hashlib
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.rights.suppression import SKIPPED_REASON, Suppressed, suppressed_for
from familyhub.runs import finish_run, start_run
from familyhub.sources.contract import Contract, contract_sha256
from familyhub.sources.models import SourceExtract
from familyhub.sources.normalise import (
    ROW_QUARANTINED,
    ColumnMissingError,
    RowNormaliser,
)
from familyhub.sources.outcome import (
    EVENT_COLUMNS,
    QUARANTINE_COLUMNS,
    RECORD_COLUMNS,
    RELATIONSHIP_COLUMNS,
    UPDATE_SQL,
    ExtractRefusedError,
    LoadOutcome,
    db_timestamp,
    json_list,
    json_obj,
    now,
)
from familyhub.sources.prepare import (
    Message,
    PrepareSummary,
    in_process,
    in_workers,
    use_workers,
)
from familyhub.sources.readers import FileRefusedError, OpenExtract, open_extract
from familyhub.sources.relationships import Pair
from familyhub.sources.store import BulkWriter

# A first load of a source bigger than this, into tables not many times its size, is written
# with the tables' secondary indexes dropped and built again afterwards, in the same
# transaction: sorting once is far cheaper than millions of scattered B-tree inserts (on
# PostgreSQL it more than halved the server's work per row). On PostgreSQL the dropped
# indexes lock the two tables against readers and other loads until the load commits.
REINDEX_FROM_BYTES = 32 * 1024 * 1024
# A lower guess of the bytes one row takes in a partner's file (the synthetic ones: 140-210).
BYTES_PER_ROW_GUESS = 250
REINDEXED_TABLES = ("source_record", "source_event")
INDEX_BUILD_MEMORY = "256MB"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse(outcome: LoadOutcome, message: str) -> ExtractRefusedError:
    outcome.status = "refused"
    outcome.message = message
    return ExtractRefusedError(outcome)


def _missing_columns_message(
    path: Path, contract: Contract, opened: OpenExtract, missing: list[str]
) -> str:
    message = (
        f"{path.name}: refused: columns the contract {contract.name!r} maps are missing: "
        f"{', '.join(missing)}"
    )
    if len(opened.header) == 1 and contract.format.type == "csv":
        cell = opened.header[0]
        for sep, words in ((";", "';'"), ("|", "'|'"), ("\t", "tab"), (",", "','")):
            if sep != contract.format.delimiter and sep in cell:
                message += (
                    f". The header looks {words}-delimited but the contract says "
                    f"delimiter {contract.format.delimiter!r}"
                )
                break
    else:
        message += f". The file's columns are: {', '.join(opened.header[:30])}"
        if len(opened.header) > 30:
            message += f" ... ({len(opened.header)} in all)"
        message += ". Is it a file for another source?"
    return message


def load_extract(
    path: Path,
    contract: Contract,
    *,
    session: Session,
    actor: str,
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LoadOutcome:
    """Load ``path`` under ``contract`` in ``session``'s transaction (the caller commits).

    Returns the outcome (``loaded`` or ``unchanged``); raises ExtractRefusedError when the file
    must not load at all (the caller rolls back and records the refusal).
    """
    source = contract.name
    outcome = LoadOutcome(path=path, source=source, status="refused", message="")
    outcome.kind = contract.extract.kind
    outcome.file_size = path.stat().st_size
    outcome.file_sha256 = sha = file_sha256(path)
    previous = session.scalars(
        select(SourceExtract)
        .where(SourceExtract.source == source, SourceExtract.file_sha256 == sha)
        .where(SourceExtract.status == "loaded")
        .order_by(SourceExtract.id.desc())
    ).first()
    if previous is not None:
        outcome.status = "unchanged"
        outcome.extract_id = previous.id
        outcome.message = (
            f"{path.name}: already loaded as extract {previous.id} on "
            f"{previous.started_at:%Y-%m-%d %H:%M}; nothing changed"
        )
        return outcome

    try:
        opened = open_extract(path, contract.format)
    except FileRefusedError as exc:
        raise _refuse(outcome, f"refused: {exc}") from None
    try:
        normaliser = RowNormaliser(contract, opened.header, today=today or date.today())
    except ColumnMissingError as exc:
        raise _refuse(
            outcome, _missing_columns_message(path, contract, opened, exc.missing)
        ) from None

    run = start_run(
        session, stage="ingest", actor=actor, parameters={"file": path.name, "source": source}
    )
    extract = SourceExtract(
        source=source,
        file_name=path.name,
        file_sha256=sha,
        file_size=outcome.file_size,
        kind=contract.extract.kind,
        status="loaded",
        loaded_by=actor,
        run_id=run.id,
        contract_sha256=contract_sha256(contract),
        started_at=now(),
    )
    session.add(extract)
    session.flush()
    outcome.extract_id = extract.id
    suppressed = suppressed_for(session, source)
    writer = BulkWriter(session.connection())
    _Loader(
        contract,
        normaliser,
        writer,
        outcome,
        extract.id,
        path,
        opened,
        on_progress,
        today or date.today(),
        suppressed,
    ).run()

    extract.rows_read = outcome.rows_read
    extract.rows_loaded = outcome.rows_loaded
    extract.rows_new = outcome.rows_new
    extract.rows_changed = outcome.rows_changed
    extract.rows_unchanged = outcome.rows_unchanged
    extract.rows_quarantined = outcome.rows_quarantined
    extract.rows_withdrawn = outcome.rows_withdrawn
    extract.values_dropped = outcome.values_dropped
    extract.events_loaded = outcome.events_loaded
    extract.finished_at = now()
    extract.message = outcome.message
    finish_run(run, summary=_summary(outcome))
    session.flush()
    return outcome


def _summary(outcome: LoadOutcome) -> dict[str, Any]:
    keys = (
        "rows_read",
        "rows_loaded",
        "rows_new",
        "rows_changed",
        "rows_unchanged",
        "rows_quarantined",
        "rows_withdrawn",
        "values_dropped",
        "events_loaded",
        "rows_suppressed",
    )
    return {k: getattr(outcome, k) for k in keys} | {"extract_id": outcome.extract_id}


class _Loader:
    """Writes what the row preparer produces, then the set-based steps after the rows."""

    def __init__(
        self,
        contract: Contract,
        normaliser: RowNormaliser,
        writer: BulkWriter,
        outcome: LoadOutcome,
        extract_id: int,
        path: Path,
        opened: OpenExtract,
        on_progress: Callable[[int], None] | None,
        today: date,
        suppressed: Suppressed | None = None,
    ) -> None:
        self.contract = contract
        self.source = contract.name
        self.normaliser = normaliser
        self.writer = writer
        self.outcome = outcome
        self.extract_id = extract_id
        self.path = path
        self.opened = opened
        self.on_progress = on_progress
        self.today = today
        self.suppressed = suppressed
        self.now = db_timestamp(now(), writer.dialect)
        self.categories = json_list(contract.governance.data_categories)
        self.pairs: list[Pair] = []
        # Record ids of the rows that load (the reducer's, given with the summary).
        self.loaded: dict[str, int] = {}

    def _messages(self) -> Iterator[Message]:
        if use_workers(self.path):
            self.opened.close()
            return in_workers(
                self.path, self.contract, self.opened.header, self.today, self.suppressed
            )
        return in_process(self.contract, self.opened, self.normaliser, self.suppressed)

    def run(self) -> None:
        existing = {
            record_id: (rid, sha, status)
            for rid, record_id, sha, status in self.writer.query(
                "SELECT id, record_id, row_sha256, status FROM source_record WHERE source = ?",
                (self.source,),
            )
        }
        rebuild = self._drop_indexes_for_a_big_first_load(existing)
        # The loop makes millions of short-lived tuples and no reference cycles; the cyclic
        # collector's passes over them (and over ``existing``) cost more than the rows' work.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load_rows(existing)
        finally:
            if collecting:
                gc.enable()
        self._check_refusal(existing)
        self._build_indexes(rebuild)
        if self.contract.extract.kind == "full":
            self._withdraw(existing)
        self._write_relationships()
        self._write_quarantine()
        self._describe()

    def _drop_indexes_for_a_big_first_load(
        self, existing: dict[str, tuple[int, str, str]]
    ) -> list[str]:
        """Drop the record and event tables' secondary indexes when this is the source's first
        load, the file is big, and the tables are not many times its size; return the
        statements that build them again. Constraints' indexes stay (they guard the rows).

        On SQLite a writer blocks no reader. On PostgreSQL ``DROP INDEX`` takes the tables'
        exclusive lock until the load commits: searches and other loads wait for this one
        (minutes for a big source), the price of loading it twice as fast. Only a source's
        first load pays it, and a rollback (a refused or killed load) restores the indexes.
        """
        w = self.writer
        size = self.outcome.file_size
        if existing or size < REINDEX_FROM_BYTES:
            return []
        held = w.query("SELECT COALESCE(MAX(id), 0) FROM source_record")[0][0]
        if size / BYTES_PER_ROW_GUESS < held / 4:
            return []
        statements = []
        for table in REINDEXED_TABLES:
            for name, sql in w.secondary_indexes(table):
                w.execute(f'DROP INDEX "{name}"')
                statements.append(sql)
        return statements

    def _build_indexes(self, statements: list[str]) -> None:
        if statements and self.writer.dialect == "postgresql":
            # The sorts of a rebuild in memory rather than in temporary files (this
            # transaction only; PostgreSQL splits it among its parallel index workers).
            self.writer.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for sql in statements:
            self.writer.execute(sql)

    def _load_rows(self, existing: dict[str, tuple[int, str, str]]) -> None:
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        changed_ids: list[str] = []
        out = self.outcome
        source, extract_id, now, cats = self.source, self.extract_id, self.now, self.categories
        writing = _WritingThread(self._write_batch)
        try:
            for message in self._messages():
                if message[0] == "refused":
                    raise _refuse(out, f"refused: {message[1]}")
                if message[0] == "done":
                    self._take_summary(message[1])
                    break
                _, rows_read, batch = message
                for record_id, partner, fields, original, row_events, row_sha in batch:
                    known = existing.get(record_id)
                    if known is not None and known[1] == row_sha and known[2] == "active":
                        out.rows_unchanged += 1
                        continue
                    if known is None:
                        out.rows_new += 1
                        inserts.append(
                            (source, record_id, partner, extract_id, "active", row_sha, now, now,
                             cats, *fields, original)
                        )  # fmt: skip
                    else:
                        out.rows_changed += 1
                        changed_ids.append(record_id)
                        updates.append(
                            (partner, extract_id, row_sha, now, cats, *fields, original, known[0])
                        )
                    for event in row_events:
                        events.append((source, *event, extract_id))
                out.rows_read = rows_read
                out.events_loaded += len(events)
                writing.put(inserts, updates, changed_ids, events)
                inserts, updates, changed_ids, events = [], [], [], []
                if self.on_progress is not None:
                    self.on_progress(out.rows_read)
        except BaseException:
            writing.abandon()
            raise
        writing.close()

    def _take_summary(self, summary: PrepareSummary) -> None:
        out = self.outcome
        out.rows_read = summary.rows_read
        out.rows_quarantined = summary.rows_quarantined
        out.values_dropped = summary.values_dropped
        out.rows_suppressed = summary.rows_suppressed
        out.quarantine = summary.quarantine
        self.pairs = summary.pairs
        self.loaded = summary.loaded
        out.rows_loaded = len(summary.loaded)

    def _write_batch(
        self,
        inserts: list[tuple[Any, ...]],
        updates: list[tuple[Any, ...]],
        changed_ids: list[str],
        events: list[tuple[Any, ...]],
    ) -> None:
        w = self.writer
        w.insert("source_record", RECORD_COLUMNS, inserts)
        if updates:
            w.execute_many(UPDATE_SQL, updates)
            w.execute_many(
                "DELETE FROM source_event WHERE source = ? AND record_id = ?",
                [(self.source, rid) for rid in changed_ids],
            )
        w.insert("source_event", EVENT_COLUMNS, events)

    def _check_refusal(self, existing: dict[str, tuple[int, str, str]]) -> None:
        out = self.outcome
        name = self.path.name
        if out.rows_read == 0:
            if self.contract.extract.kind == "full":
                raise _refuse(
                    out,
                    f"{name}: refused: the file has a header but no rows; as a full extract it "
                    f"would withdraw all {len(existing):,} records of {self.source}",
                )
            return
        share = out.rows_quarantined / out.rows_read
        limit = self.contract.extract.max_quarantine_share
        if share > limit:
            first = next((q for q in out.quarantine if q.action == ROW_QUARANTINED), None)
            example = (
                f" First: row {first.row_number}"
                + (f", field {first.field}" if first.field else "")
                + f": {first.reason}"
                if first
                else ""
            )
            raise _refuse(
                out,
                f"{name}: refused: {out.rows_quarantined:,} of {out.rows_read:,} rows "
                f"({share:.1%}) failed, over the contract's limit of {limit:.1%}.{example}",
            )

    def _withdraw(self, existing: dict[str, tuple[int, str, str]]) -> None:
        seen = self.loaded
        gone = [
            (self.extract_id, self.now, rid)
            for record_id, (rid, _, status) in existing.items()
            if status == "active" and record_id not in seen
        ]
        self.writer.execute_many(
            "UPDATE source_record SET status = 'withdrawn', extract_id = ?, updated_at = ? "
            "WHERE id = ?",
            gone,
        )
        self.outcome.rows_withdrawn = len(gone)

    def _write_relationships(self) -> None:
        if not self.contract.relationships:
            return
        seen = self.loaded
        w = self.writer
        if self.contract.extract.kind == "full":
            w.execute("DELETE FROM source_relationship WHERE source = ?", (self.source,))
        else:
            w.execute_many(
                "DELETE FROM source_relationship WHERE source = ? AND record_id = ?",
                [(self.source, rid) for rid in seen],
            )
        pairs = self._resolve_from_earlier_extracts(self.pairs)
        rows = [(self.source, *pair, self.extract_id) for pair in pairs]
        w.insert("source_relationship", RELATIONSHIP_COLUMNS, rows)
        self.outcome.relationships = len(rows)

    def _resolve_from_earlier_extracts(self, pairs: list[Pair]) -> list[Pair]:
        """Relatives named by partner person id but not in this file (a delta): their latest
        record loaded before, if any."""
        missing = sorted({p[2] for p in pairs if p[1] is None and p[2] is not None})
        if not missing:
            return pairs
        latest: dict[str, str] = {}
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for partner, record_id in self.writer.query(
                "SELECT partner_person_id, MAX(record_id) FROM source_record "  # noqa: S608
                f"WHERE source = ? AND partner_person_id IN ({marks}) GROUP BY partner_person_id",
                (self.source, *chunk),
            ):
                latest[partner] = record_id
        return [
            (p[0], latest.get(p[2]), *p[2:]) if p[1] is None and p[2] is not None else p
            for p in pairs
        ]

    def _write_quarantine(self) -> None:
        rows = [
            (
                self.extract_id,
                self.source,
                self.path.name,
                q.row_number,
                q.field,
                q.action,
                q.reason,
                json_obj(q.raw_row),
                self.now,
            )
            for q in self.outcome.quarantine
        ]
        self.writer.insert("quarantine_row", QUARANTINE_COLUMNS, rows)

    def _describe(self) -> None:
        out = self.outcome
        out.status = "loaded"
        parts = [
            f"{self.path.name}: loaded {out.rows_loaded:,} of {out.rows_read:,} rows into "
            f"{self.source} ({out.rows_new:,} new, {out.rows_changed:,} changed, "
            f"{out.rows_unchanged:,} unchanged)"
        ]
        if out.rows_withdrawn:
            parts.append(f"{out.rows_withdrawn:,} withdrawn")
        if out.rows_suppressed:
            parts.append(f"{out.rows_suppressed:,} rows skipped: {SKIPPED_REASON}")
        if out.rows_quarantined:
            parts.append(f"{out.rows_quarantined:,} rows quarantined")
        if out.values_dropped:
            parts.append(f"{out.values_dropped:,} invalid values dropped")
        parts.append(f"{out.events_loaded:,} events")
        out.message = "; ".join(parts)


class _WritingThread:
    """Writes the row loop's batches in order, on a thread of its own, on the load's own
    connection and transaction: the database's work on one batch (PostgreSQL's server
    process; SQLite, which lets go of the GIL while it writes) overlaps the loader's on the
    next (unpickling, comparing with the records held). Before, the two took turns: on
    PostgreSQL the loader waited for each COPY to finish, then the server for the loader.

    Nothing else uses the connection until :meth:`close` (or :meth:`abandon`) returns.
    """

    def __init__(self, write: Callable[..., None]) -> None:
        self._write = write
        # Two batches waiting at most: the loader stays ahead without holding the file.
        self._queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="familyhub-load-writer")
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None:  # after a failure, only drain (the loader stops soon)
                try:
                    self._write(*item)
                except BaseException as exc:  # handed to the loader's thread
                    self._error = exc

    def put(self, *batch: Any) -> None:
        self._raise()
        self._queue.put(batch)

    def close(self) -> None:
        """Wait until every batch is written; raise what writing one raised."""
        self._queue.put(None)
        self._thread.join()
        self._raise()

    def abandon(self) -> None:
        """The load failed in the loader: wait for the thread to let go of the connection
        (the caller rolls back), whatever it was writing."""
        self._queue.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

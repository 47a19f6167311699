"""The row side of a load: read, normalise, de-duplicate and quarantine, in batches.

This half of a load needs no database, so for a big file it runs in a second (spawned) process while
the first writes the previous batch (two cores, twice the speed); a small file is prepared in
process. Either way the loader receives the same messages:

* ``("batch", rows_read_so_far, [PreparedRow, ...])``
* ``("done", PrepareSummary)``
* ``("refused", message)`` when the file turns out unreadable part-way (e.g. bad encoding).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from familyhub.sources.contract import Contract
from familyhub.sources.normalise import ROW_QUARANTINED, VALUE_DROPPED, RowNormaliser
from familyhub.sources.outcome import QuarantineEntry
from familyhub.sources.readers import FileRefusedError, OpenExtract, RawRow, open_extract
from familyhub.sources.relationships import Pair, RelationshipCollector

if TYPE_CHECKING:
    from familyhub.rights.suppression import Suppressed

BATCH_ROWS = 20_000
# Quarantine entries kept for one extract; past this only the count grows (the file is kept).
MAX_QUARANTINE_ENTRIES = 100_000
# Files bigger than this are prepared in a second process.
PARALLEL_FROM_BYTES = 4 * 1024 * 1024

# record_id, partner_person_id, identity fields, original (JSON), events, row SHA-256
PreparedRow = tuple[str, str | None, list[Any], str, list[tuple[Any, ...]], str]
Message = tuple[Any, ...]


@dataclass
class PrepareSummary:
    rows_read: int = 0
    rows_quarantined: int = 0
    values_dropped: int = 0
    # Rows of records erased at the data subject's request: skipped unread (see
    # familyhub.rights.suppression); never quarantined, never related to anyone.
    rows_suppressed: int = 0
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


class RowPreparer:
    def __init__(
        self,
        contract: Contract,
        opened: OpenExtract,
        normaliser: RowNormaliser,
        suppressed: Suppressed | None = None,
    ) -> None:
        self.contract = contract
        self.opened = opened
        self.normaliser = normaliser
        self.summary = PrepareSummary()
        positions = {h: i for i, h in enumerate(opened.header)}
        self.relationships = RelationshipCollector(contract, positions)
        self.suppressed = suppressed
        self.record_idx = positions[contract.record_id]
        self.custom_event_ids = any(rule.id for rule in contract.events)
        self.event_ids: set[str] = set()

    def _quarantine(self, raw: RawRow, column: str | None, action: str, reason: str) -> None:
        entries = self.summary.quarantine
        if len(entries) >= MAX_QUARANTINE_ENTRIES:
            return
        raw_row: dict[str, Any] | None = None
        if action == ROW_QUARANTINED:
            raw_row = raw.raw if raw.raw is not None else _row_dict(self.opened.header, raw.values)
        entries.append(QuarantineEntry(raw.number, column, action, reason, raw_row))

    def _reject(self, raw: RawRow, column: str | None, reason: str) -> None:
        self.summary.rows_quarantined += 1
        self._quarantine(raw, column, ROW_QUARANTINED, reason)

    def messages(self) -> Iterator[Message]:
        summary = self.summary
        normalise = self.normaliser.normalise
        seen: dict[str, int] = {}
        batch: list[PreparedRow] = []
        suppressed = self.suppressed
        record_idx = self.record_idx
        for raw in self.opened.rows:
            summary.rows_read += 1
            if (
                suppressed is not None
                and len(raw.values) > record_idx
                and suppressed.record(raw.values[record_idx].strip())
            ):
                summary.rows_suppressed += 1
                continue
            if raw.error is not None:
                self._reject(raw, None, raw.error)
                continue
            result = normalise(raw.values)
            if result.quarantined:
                summary.rows_quarantined += 1
                for issue in result.issues:
                    if issue.action == ROW_QUARANTINED:
                        self._quarantine(raw, issue.field, ROW_QUARANTINED, issue.reason)
                continue
            record_id = result.record_id
            first_row = seen.get(record_id)
            if first_row is not None:
                self._reject(
                    raw,
                    self.contract.record_id,
                    f"duplicate record id {record_id!r}: row {first_row} has the same id",
                )
                continue
            if self.custom_event_ids and not self._unique_events(raw, result.events):
                continue
            seen[record_id] = raw.number
            for issue in result.issues:
                summary.values_dropped += 1
                self._quarantine(raw, issue.field, VALUE_DROPPED, issue.reason)
            self.relationships.add(record_id, raw.values, result.partner_person_id)
            row_sha = hashlib.sha256("\x1f".join(raw.values).encode()).hexdigest()
            batch.append(
                (record_id, result.partner_person_id, result.fields, result.original,
                 result.events, row_sha)
            )  # fmt: skip
            if len(batch) >= BATCH_ROWS:
                yield ("batch", summary.rows_read, batch)
                batch = []
        if batch:
            yield ("batch", summary.rows_read, batch)
        summary.pairs = self.relationships.pairs()
        if suppressed is not None:
            # A relative named by an erased record's partner person id is not named again.
            summary.pairs = [
                p for p in summary.pairs if p[2] is None or not suppressed.partner(p[2])
            ]
        yield ("done", summary)

    def _unique_events(self, raw: RawRow, events: list[tuple[Any, ...]]) -> bool:
        for event in events:
            if event[1] in self.event_ids:
                self._reject(raw, None, f"event id {event[1]!r} repeats an earlier row's")
                return False
        self.event_ids.update(e[1] for e in events)
        return True


def _row_dict(header: list[str], values: list[str]) -> dict[str, Any]:
    if len(values) == len(header):
        return dict(zip(header, values, strict=True))
    return {"values": values}


def in_process(preparer: RowPreparer) -> Iterator[Message]:
    try:
        yield from preparer.messages()
    except FileRefusedError as exc:
        yield ("refused", str(exc))


def _exit_with(parent: int) -> None:
    # If the loader dies (e.g. killed mid-load), stop at once: nobody will read what is left,
    # and the queue's feeder thread would otherwise keep this process alive for ever.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _worker(
    path: Path,
    contract: Contract,
    today: date,
    out: Any,
    parent: int,
    suppressed: Suppressed | None,
) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()

    def send(message: Message) -> None:
        out.put(message)

    try:
        opened = open_extract(path, contract.format)
        preparer = RowPreparer(
            contract, opened, RowNormaliser(contract, opened.header, today=today), suppressed
        )
        for message in in_process(preparer):
            send(message)
    except BaseException:
        send(("error", traceback.format_exc()))


def in_worker(
    path: Path, contract: Contract, today: date, suppressed: Suppressed | None = None
) -> Iterator[Message]:
    """Prepare ``path`` in a second process, a few batches ahead of the loader.

    The process is spawned, not forked: a forked child would hold the loader's database
    socket open, and a loader killed mid-load would then leave its transaction (and its
    locks) alive on PostgreSQL for as long as the child lived.
    """
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=3)
    worker = context.Process(
        target=_worker, args=(path, contract, today, channel, os.getpid(), suppressed), daemon=True
    )
    worker.start()
    try:
        while True:
            try:
                message = channel.get(timeout=5)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"{path.name}: the preparing process stopped") from None
                continue
            if message[0] == "error":
                raise RuntimeError(f"{path.name}: preparing rows failed:\n{message[1]}")
            yield message
            if message[0] in ("done", "refused"):
                return
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(timeout=5)
        channel.close()


def use_worker(path: Path) -> bool:
    return path.stat().st_size >= PARALLEL_FROM_BYTES

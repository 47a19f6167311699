"""The row side of a load: read, normalise, de-duplicate and quarantine, in batches.

A load has two kinds of row work. Normalising a row (names, dates, identifiers, events, the
row's hash) depends on that row alone, and is most of the cost; so for a big file it runs in
worker processes, each reading the whole file but normalising only every Nth batch of rows,
while the loader writes. What depends on the rows before (a repeated record id, a repeated
event id, relationships between rows, the quarantine list) is decided afterwards, in file
order, by :class:`RowReducer` in the loader's own process. A small file does both in process.
Either way the loader receives the same messages:

* ``("batch", rows_read_so_far, [PreparedRow, ...])``
* ``("done", PrepareSummary)``
* ``("refused", message)`` when the file turns out unreadable part-way (e.g. bad encoding).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections.abc import Generator, Iterator
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
# Files bigger than this are normalised in worker processes.
PARALLEL_FROM_BYTES = 4 * 1024 * 1024
# Normalising workers for a big file: two keep both cores of a small server busy beside the
# loader (which writes while they work); more only help on a bigger machine.
WORKERS = max(2, min(4, (os.cpu_count() or 2) - 1))

# record_id, partner_person_id, identity fields, original (JSON), events, row SHA-256
PreparedRow = tuple[str, str | None, list[Any], str, list[tuple[Any, ...]], str]
Message = tuple[Any, ...]

# One row after normalising, as plain tuples (they cross between processes):
#   ("ok", number, values, raw, record_id, partner, fields, original, events, dropped, sha,
#    relationship cells)
#   ("quarantined", number, values, raw, [(field, reason), ...])
#   ("error", number, values, raw, reason)      the reader could not read the row
#   ("suppressed",)                              a record erased at the subject's request
# where ``dropped`` lists the (field, reason) of values dropped from a loaded row. A loaded
# row's ``values`` are left out (None) when rows cross between processes: pickling them was
# a third of the cost of sending a row; the rare row refused later (a repeated record id) has
# its cells read again from the file for the quarantine.
Normalised = tuple[Any, ...]


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
    # The record id of every row that loads, with its row number (the file's first with it).
    loaded: dict[str, int] = field(default_factory=dict)


class RowNormalising:
    """The per-row half: each row on its own, in any process."""

    def __init__(
        self,
        contract: Contract,
        normaliser: RowNormaliser,
        suppressed: Suppressed | None,
        *,
        keep_values: bool = True,
    ) -> None:
        self.normalise = normaliser.normalise
        self.suppressed = suppressed
        self.record_idx = normaliser.header.index(contract.record_id)
        self.keep_values = keep_values
        positions = {h: i for i, h in enumerate(normaliser.header)}
        self.relationship_cells = RelationshipCollector(contract, positions).cells

    def row(self, raw: RawRow) -> Normalised:
        values = raw.values
        suppressed = self.suppressed
        if (
            suppressed is not None
            and len(values) > self.record_idx
            and suppressed.record(values[self.record_idx].strip())
        ):
            return ("suppressed",)
        if raw.error is not None:
            return ("error", raw.number, values, raw.raw, raw.error)
        result = self.normalise(values)
        if result.quarantined:
            reasons = [(i.field, i.reason) for i in result.issues if i.action == ROW_QUARANTINED]
            return ("quarantined", raw.number, values, raw.raw, reasons)
        dropped = [(i.field, i.reason) for i in result.issues]
        sha = hashlib.sha256("\x1f".join(values).encode()).hexdigest()
        return (
            "ok", raw.number, values if self.keep_values else None, raw.raw, result.record_id,
            result.partner_person_id, result.fields, result.original, result.events, dropped,
            sha, self.relationship_cells(values),
        )  # fmt: skip


class RowReducer:
    """The in-order half: repeats, relationships and the quarantine, over normalised rows."""

    def __init__(self, contract: Contract, header: list[str]) -> None:
        self.contract = contract
        self.header = header
        self.summary = PrepareSummary()
        self.relationships = RelationshipCollector(contract, {h: i for i, h in enumerate(header)})
        self.custom_event_ids = any(rule.id for rule in contract.events)
        self.event_ids: set[str] = set()
        self.seen: dict[str, int] = self.summary.loaded
        # Quarantined rows whose cells did not come with them: row number -> entry to fill.
        self.unread: dict[int, QuarantineEntry] = {}

    def _quarantine(
        self,
        number: int,
        values: list[str] | None,
        raw: dict[str, Any] | None,
        column: str | None,
        action: str,
        reason: str,
    ) -> None:
        entries = self.summary.quarantine
        if len(entries) >= MAX_QUARANTINE_ENTRIES:
            return
        raw_row: dict[str, Any] | None = None
        if action == ROW_QUARANTINED and raw is not None:
            raw_row = raw
        elif action == ROW_QUARANTINED and values is not None:
            raw_row = _row_dict(self.header, values)
        entry = QuarantineEntry(number, column, action, reason, raw_row)
        if action == ROW_QUARANTINED and raw_row is None:
            self.unread[number] = entry
        entries.append(entry)

    def _reject(
        self,
        number: int,
        values: list[str] | None,
        raw: dict[str, Any] | None,
        column: str | None,
        reason: str,
    ) -> None:
        self.summary.rows_quarantined += 1
        self._quarantine(number, values, raw, column, ROW_QUARANTINED, reason)

    def batch(self, rows: list[Normalised]) -> list[PreparedRow]:
        """The rows of one batch (in file order) that load; the rest counted or quarantined."""
        summary = self.summary
        seen = self.seen
        out: list[PreparedRow] = []
        for item in rows:
            summary.rows_read += 1
            kind = item[0]
            if kind == "ok":
                (_, number, values, raw, record_id, partner, fields, original, events, dropped,
                 sha, cells) = item  # fmt: skip
                first_row = seen.get(record_id)
                if first_row is not None:
                    self._reject(
                        number,
                        values,
                        raw,
                        self.contract.record_id,
                        f"duplicate record id {record_id!r}: row {first_row} has the same id",
                    )
                    continue
                if self.custom_event_ids and not self._unique_events(number, values, raw, events):
                    continue
                seen[record_id] = number
                for column, reason in dropped:
                    summary.values_dropped += 1
                    self._quarantine(number, values, raw, column, VALUE_DROPPED, reason)
                self.relationships.add_cells(record_id, cells, partner)
                out.append((record_id, partner, fields, original, events, sha))
            elif kind == "suppressed":
                summary.rows_suppressed += 1
            elif kind == "quarantined":
                _, number, values, raw, reasons = item
                summary.rows_quarantined += 1
                for column, reason in reasons:
                    self._quarantine(number, values, raw, column, ROW_QUARANTINED, reason)
            else:  # the reader could not read the row
                _, number, values, raw, reason = item
                self._reject(number, values, raw, None, reason)
        return out

    def _unique_events(
        self,
        number: int,
        values: list[str] | None,
        raw: dict[str, Any] | None,
        events: list[tuple[Any, ...]],
    ) -> bool:
        for event in events:
            if event[1] in self.event_ids:
                reason = f"event id {event[1]!r} repeats an earlier row's"
                self._reject(number, values, raw, None, reason)
                return False
        self.event_ids.update(e[1] for e in events)
        return True

    def fill_unread(self, rows: Iterator[RawRow]) -> None:
        """Give the quarantined rows that came without their cells their cells, from a second
        reading of the file (only when there are any)."""
        if not self.unread:
            return
        last = max(self.unread)
        for raw in rows:
            entry = self.unread.get(raw.number)
            if entry is not None:
                cells = raw.raw if raw.raw is not None else _row_dict(self.header, raw.values)
                entry.raw_row = cells
            if raw.number >= last:
                break
        self.unread.clear()

    def finish(self, suppressed: Suppressed | None) -> PrepareSummary:
        summary = self.summary
        summary.pairs = self.relationships.pairs()
        if suppressed is not None:
            # A relative named by an erased record's partner person id is not named again.
            summary.pairs = [
                p for p in summary.pairs if p[2] is None or not suppressed.partner(p[2])
            ]
        return summary


def _row_dict(header: list[str], values: list[str]) -> dict[str, Any]:
    if len(values) == len(header):
        return dict(zip(header, values, strict=True))
    return {"values": values}


def _normalised_batches(
    rows: Iterator[RawRow],
    normalising: RowNormalising,
    worker: int = 0,
    workers: int = 1,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[tuple[int, list[Normalised]]]:
    """(batch index, normalised rows) for every ``workers``-th batch, starting at ``worker``.

    Every worker reads every row (reading is cheap beside normalising), so each knows the row
    numbers without being told; it normalises only its own batches.
    """
    index = 0
    batch: list[Normalised] = []
    own = worker == 0
    count = 0
    for raw in rows:
        if own:
            batch.append(normalising.row(raw))
        count += 1
        if count == batch_rows:
            if own:
                yield index, batch
                batch = []
            index += 1
            count = 0
            own = index % workers == worker
    if own and batch:
        yield index, batch


def in_process(
    contract: Contract,
    opened: OpenExtract,
    normaliser: RowNormaliser,
    suppressed: Suppressed | None = None,
) -> Iterator[Message]:
    """Normalise and reduce ``opened`` in this process (a small file)."""
    reducer = RowReducer(contract, opened.header)
    normalising = RowNormalising(contract, normaliser, suppressed)
    try:
        for _, rows in _normalised_batches(opened.rows, normalising):
            yield ("batch", reducer.summary.rows_read + len(rows), reducer.batch(rows))
    except FileRefusedError as exc:
        yield ("refused", str(exc))
        return
    yield ("done", reducer.finish(suppressed))


def _exit_with(parent: int) -> None:
    # If the loader dies (e.g. killed mid-load), stop at once: nobody will read what is left,
    # and the queue's feeder thread would otherwise keep this process alive for ever.
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def _prepare(
    path: Path,
    contract: Contract,
    today: date,
    out: Any,
    suppressed: Suppressed | None,
    worker: int,
    workers: int,
    batch_rows: int,
) -> None:
    """One file's share of normalising, in a worker: its batches, then ``end`` (or
    ``refused`` / ``error``)."""
    try:
        opened = open_extract(path, contract.format)
        try:
            normaliser = RowNormaliser(contract, opened.header, today=today)
            normalising = RowNormalising(contract, normaliser, suppressed, keep_values=False)
            batches = _normalised_batches(opened.rows, normalising, worker, workers, batch_rows)
            for index, rows in batches:
                out.put(("batch", index, rows))
                if index % 50 == worker:
                    gc.collect()
        except FileRefusedError as exc:
            out.put(("refused", str(exc)))
            return
        finally:
            opened.close()
        out.put(("end",))
    except BaseException:
        out.put(("error", traceback.format_exc()))


def _worker(tasks: Any, out: Any, parent: int) -> None:
    """A pool process: prepares one file's share per task until told to stop (None)."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    # Normalising makes millions of short-lived objects and no reference cycles: the cyclic
    # collector would only slow it (a pass every few hundred rows); collect between batches.
    gc.disable()
    while (task := tasks.get()) is not None:
        path, contract, today, suppressed, worker, workers, batch_rows = task
        _prepare(path, contract, today, out, suppressed, worker, workers, batch_rows)
        gc.collect()  # the last file's normaliser and identity cache


class _WorkerPool:
    """Worker processes kept between loads: starting one (a new Python importing the
    contract and normalising code) took about a second of the loader's waiting and more of
    the machine's CPU, for every file of a drop folder. A pool is used by one load at a
    time; it is ended when a load using it fails in any way (its processes may be part-way
    through a file) and after :data:`POOL_IDLE_SECONDS` unused.

    The processes are spawned, not forked: a forked child would hold the loader's database
    socket open, and a loader killed mid-load would then leave its transaction (and its locks)
    alive on PostgreSQL for as long as the child lived.
    """

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.count = count
        self.tasks = [context.Queue() for _ in range(count)]
        self.channels = [context.Queue(maxsize=2) for _ in range(count)]
        parent = os.getpid()
        self.processes = [
            context.Process(
                target=_worker, args=(self.tasks[k], self.channels[k], parent), daemon=True
            )
            for k in range(count)
        ]
        for process in self.processes:
            process.start()

    def alive(self) -> bool:
        return all(process.is_alive() for process in self.processes)

    def close(self, *, kill: bool) -> None:
        for process, tasks in zip(self.processes, self.tasks, strict=True):
            if kill:
                process.kill()
            elif process.is_alive():
                tasks.put(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        for queue_ in (*self.tasks, *self.channels):
            queue_.close()


# Seconds an unused pool lives before its processes end. The pool is given back when the
# rows are read, before the index rebuild and commit, which take minutes for a big file.
POOL_IDLE_SECONDS = 300.0
_pool: _WorkerPool | None = None
_pool_lock = threading.Lock()  # held by the load using ``_pool``
_pool_timer: threading.Timer | None = None


def _take_pool(count: int) -> tuple[_WorkerPool, bool]:
    """A pool of ``count`` processes for one load, and whether it is the shared one (a
    second load at the same time in this process gets a pool of its own)."""
    global _pool, _pool_timer
    if not _pool_lock.acquire(blocking=False):
        return _WorkerPool(count), False
    if _pool_timer is not None:
        _pool_timer.cancel()
        _pool_timer = None
    if _pool is not None and (_pool.count != count or not _pool.alive()):
        _pool.close(kill=True)
        _pool = None
    if _pool is None:
        try:
            _pool = _WorkerPool(count)
        except BaseException:
            _pool_lock.release()
            raise
    return _pool, True


def _give_back(pool: _WorkerPool, shared: bool, *, clean: bool) -> None:
    """End the load's use of ``pool``: kept for the next load when the load ended cleanly
    (every process has finished its share), otherwise its processes are killed."""
    global _pool, _pool_timer
    if not shared:
        pool.close(kill=not clean)
        return
    try:
        if not clean:
            pool.close(kill=True)
            _pool = None
        else:
            _pool_timer = threading.Timer(POOL_IDLE_SECONDS, _close_idle_pool)
            _pool_timer.daemon = True
            _pool_timer.start()
    finally:
        _pool_lock.release()


def _close_idle_pool() -> None:
    global _pool
    if not _pool_lock.acquire(blocking=False):
        return  # a load has just taken it
    try:
        if _pool is not None:
            _pool.close(kill=False)
            _pool = None
    finally:
        _pool_lock.release()


def in_workers(
    path: Path,
    contract: Contract,
    header: list[str],
    today: date,
    suppressed: Suppressed | None = None,
    workers: int | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Generator[Message, None, None]:
    """Normalise ``path`` in worker processes (kept between loads, see :class:`_WorkerPool`),
    a few batches ahead; reduce here, in order."""
    count = workers or WORKERS
    pool, shared = _take_pool(count)
    clean = False
    try:
        channels, processes = pool.channels, pool.processes
        for k in range(count):
            pool.tasks[k].put((path, contract, today, suppressed, k, count, batch_rows))
        reducer = RowReducer(contract, header)
        index = 0
        while True:
            k = index % count
            message = _receive(path, channels[k], processes[k])
            if message[0] == "refused":
                yield message
                return
            if message[0] == "end":
                break
            if message[1] != index:  # a worker's batches arrive in order: a bug if not
                raise RuntimeError(
                    f"{path.name}: rows arrived out of order (batch {message[1]} for {index}); "
                    "nothing was loaded. Please report this with the file's name."
                )
            rows = message[2]
            yield ("batch", reducer.summary.rows_read + len(rows), reducer.batch(rows))
            index += 1
        # The batches are contiguous: worker k had none left, so neither has any other;
        # each still owes its end of the file before it can take the next.
        for j in range(count):
            if j != k and _receive(path, channels[j], processes[j])[0] != "end":
                raise RuntimeError(f"{path.name}: a worker sent rows after the file's end")
        clean = True
        if reducer.unread:
            opened = open_extract(path, contract.format)
            try:
                reducer.fill_unread(opened.rows)
            finally:
                opened.close()
        yield ("done", reducer.finish(suppressed))
    finally:
        _give_back(pool, shared, clean=clean)


def _receive(path: Path, channel: Any, process: Any) -> Message:
    while True:
        try:
            message: Message = channel.get(timeout=5)
        except queue.Empty:
            if not process.is_alive():
                raise RuntimeError(
                    f"{path.name}: a process normalising its rows stopped (exit code "
                    f"{process.exitcode}; -9 is usually the machine running out of memory); "
                    "nothing was loaded: run the load again"
                ) from None
            continue
        if message[0] == "error":
            raise RuntimeError(
                f"{path.name}: normalising its rows failed (a bug, not the file: nothing was "
                f"loaded; please report it with this trace):\n{message[1]}"
            )
        return message


def use_workers(path: Path) -> bool:
    return path.stat().st_size >= PARALLEL_FROM_BYTES

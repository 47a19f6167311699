"""Rows normalised by worker processes load exactly as rows normalised in process.

A repeated record id or event id is decided in file order even when the first row and its
repeat were normalised by different processes; quarantine entries, dropped values and
relationships come out the same.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from familyhub.sources import prepare
from familyhub.sources.normalise import RowNormaliser
from familyhub.sources.prepare import in_process, in_workers
from familyhub.sources.readers import open_extract
from familyhub.sources.registry import find_contract
from tests.unit.sources.extracts import police_row, write_police

TODAY = date(2026, 11, 1)


def _file(tmp_path: Path) -> Path:
    rows = [police_row(i) for i in range(1, 60)]
    rows[12] = police_row(3)  # repeats row 4's record id, in another batch
    rows[20] = police_row(21, dob="31/02/2001")  # impossible date: quarantined
    rows[33] = police_row(34, nhs_number="1234567890")  # bad check digit: value dropped
    rows[45] = police_row(10)  # repeats row 11's record id
    return write_police(tmp_path / "police_incidents_2026-09-30.csv", rows)


def _collect(messages: Any) -> tuple[list[Any], Any]:
    rows: list[Any] = []
    reads: list[int] = []
    for message in messages:
        if message[0] == "batch":
            reads.append(message[1])
            rows.extend(message[2])
        elif message[0] == "done":
            return rows, (reads[-1] if reads else 0, message[1])
        else:
            raise AssertionError(message)
    raise AssertionError("no done message")


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_prepare_the_same_rows_as_one_process(tmp_path: Path, workers: int) -> None:
    path = _file(tmp_path)
    contract = find_contract("police_incidents").contract
    opened = open_extract(path, contract.format)
    normaliser = RowNormaliser(contract, opened.header, today=TODAY)
    alone, (read_alone, summary_alone) = _collect(in_process(contract, opened, normaliser))
    opened.close()

    header = open_extract(path, contract.format).header
    parallel, (read_parallel, summary_parallel) = _collect(
        in_workers(path, contract, header, TODAY, workers=workers, batch_rows=5)
    )

    assert parallel == alone
    assert read_parallel == read_alone == 59
    assert summary_parallel.rows_quarantined == summary_alone.rows_quarantined == 3
    assert summary_parallel.values_dropped == summary_alone.values_dropped == 1
    assert summary_parallel.quarantine == summary_alone.quarantine
    assert sorted(summary_parallel.pairs) == sorted(summary_alone.pairs)
    duplicates = [q for q in summary_parallel.quarantine if "duplicate record id" in q.reason]
    assert [(q.row_number, q.reason) for q in duplicates] == [
        (14, "duplicate record id 'INV000000003': row 4 has the same id"),
        (47, "duplicate record id 'INV000000010': row 11 has the same id"),
    ]


def test_a_person_recurring_in_a_file_gets_each_rows_own_issues(tmp_path: Path) -> None:
    # Rows of one person share their identity cells; a bad value in them is reported on every
    # row, not only on the first (the identity part of a row is remembered, not its issues).
    same = {"nhs_number": "1234567890", "surname": "NOWAK", "forenames": "Zofia", "sex": "F",
            "address": "4 Larch Avenue, Northtown"}  # fmt: skip
    rows = [
        police_row(i, None, **same) | {"dob": "01/02/2003", "postcode": "NS1 1QD"}
        for i in (1, 2, 3)
    ]
    rows.append(police_row(4, None, **same) | {"dob": "31/02/2003", "postcode": "NS1 1QD"})
    path = write_police(tmp_path / "police_incidents_2026-09-30.csv", rows)
    contract = find_contract("police_incidents").contract
    opened = open_extract(path, contract.format)
    normaliser = RowNormaliser(contract, opened.header, today=TODAY)
    loaded, (_, summary) = _collect(in_process(contract, opened, normaliser))

    assert [row[0] for row in loaded] == ["INV000000001", "INV000000002", "INV000000003"]
    assert len({tuple(row[2]) for row in loaded}) == 1  # the same normalised identity
    dropped = [(q.row_number, q.field) for q in summary.quarantine if q.action == "value_dropped"]
    assert dropped == [(2, "nhs_number"), (3, "nhs_number"), (4, "nhs_number")]
    assert summary.rows_quarantined == 1  # the impossible date of birth, on row 5


def _pids() -> list[int]:
    assert prepare._pool is not None
    return [p.pid for p in prepare._pool.processes if p.pid is not None]


def test_the_worker_processes_are_kept_for_the_next_file(tmp_path: Path) -> None:
    # Starting worker processes cost every file of a folder about a second; the next load
    # takes the same processes, and prepares its rows exactly as fresh ones would.
    path = _file(tmp_path)
    contract = find_contract("police_incidents").contract
    header = open_extract(path, contract.format).header
    first, (_, summary_first) = _collect(
        in_workers(path, contract, header, TODAY, workers=2, batch_rows=7)
    )
    pids = _pids()
    second, (_, summary_second) = _collect(
        in_workers(path, contract, header, TODAY, workers=2, batch_rows=5)
    )
    assert _pids() == pids
    assert second == first
    assert summary_second.quarantine == summary_first.quarantine
    assert prepare._pool is not None
    assert prepare._pool.alive()


def test_a_load_that_stops_part_way_ends_the_worker_processes(tmp_path: Path) -> None:
    # A load that fails (here: the loader stops reading after one batch) leaves processes
    # part-way through the file: they are killed, and the next load gets new ones.
    path = _file(tmp_path)
    contract = find_contract("police_incidents").contract
    header = open_extract(path, contract.format).header
    _collect(in_workers(path, contract, header, TODAY, workers=2, batch_rows=5))
    old = prepare._pool
    assert old is not None
    messages = in_workers(path, contract, header, TODAY, workers=2, batch_rows=5)
    assert next(messages)[0] == "batch"
    messages.close()
    assert prepare._pool is None
    assert not old.alive()
    rows, (read, _) = _collect(in_workers(path, contract, header, TODAY, workers=2, batch_rows=5))
    assert read == 59
    assert len(rows) == 56  # 59 less two repeated record ids and an impossible date
    assert prepare._pool is not None
    assert prepare._pool is not old


def test_an_idle_pool_ends_its_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare, "POOL_IDLE_SECONDS", 0.1)
    path = _file(tmp_path)
    contract = find_contract("police_incidents").contract
    header = open_extract(path, contract.format).header
    _collect(in_workers(path, contract, header, TODAY, workers=2, batch_rows=5))
    pool = prepare._pool
    assert pool is not None
    for _ in range(100):
        if prepare._pool is None:
            break
        time.sleep(0.1)
    assert prepare._pool is None
    for process in pool.processes:
        process.join(timeout=5)
    assert not pool.alive()

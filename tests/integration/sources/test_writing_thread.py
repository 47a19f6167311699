"""The loader writes its batches on a thread of its own (the database works on one batch
while the loader prepares the next): the batches are written in order, and a failure on
either side fails the whole load with nothing of it left."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from familyhub.db import make_engine, session_factory
from familyhub.sources.load import _WritingThread
from familyhub.sources.models import SourceEvent, SourceExtract, SourceRecord
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file
from familyhub.sources.store import BulkWriter
from tests.unit.sources.extracts import police_file

POLICE = find_contract("police_incidents").contract


def test_batches_are_written_in_order_off_the_loaders_thread() -> None:
    written: list[tuple[int, str]] = []

    def write(n: int) -> None:
        time.sleep(0.001 * (n % 3))  # uneven work: order must not depend on it
        written.append((n, threading.current_thread().name))

    writing = _WritingThread(write)
    for n in range(20):
        writing.put(n)
    writing.close()
    assert [n for n, _ in written] == list(range(20))
    assert {name for _, name in written} == {"familyhub-load-writer"}


def test_a_write_that_fails_is_raised_in_the_loader() -> None:
    def write(n: int) -> None:
        if n == 3:
            raise ValueError("disk full")

    writing = _WritingThread(write)
    with pytest.raises(ValueError, match="disk full"):
        for n in range(50):  # raised at a later put, or at close at the latest
            writing.put(n)
        writing.close()
    writing.abandon()  # the loader's clean-up after the failure does not hang or raise


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (SourceRecord, SourceEvent, SourceExtract)
        )
    engine.dispose()
    return found  # type: ignore[return-value]


@pytest.mark.db
def test_a_database_error_while_writing_fails_the_load_and_leaves_nothing(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = police_file(tmp_path, 300)
    insert = BulkWriter.insert

    def failing(self: BulkWriter, table: str, columns: Any, rows: Any) -> None:
        if table == "source_event":
            raise RuntimeError("the database refused the events")
        insert(self, table, columns, rows)

    monkeypatch.setattr(BulkWriter, "insert", failing)
    engine = make_engine(fresh_db_url)
    with (
        session_factory(engine)() as session,
        pytest.raises(RuntimeError, match="refused the events"),
    ):
        ingest_file(path, POLICE, session=session, actor="test")
    engine.dispose()
    assert _counts(fresh_db_url) == (0, 0, 0)

    monkeypatch.setattr(BulkWriter, "insert", insert)
    engine = make_engine(fresh_db_url)
    with session_factory(engine)() as session:
        outcome = ingest_file(path, POLICE, session=session, actor="test")
        session.commit()
    engine.dispose()
    assert outcome.status == "loaded", outcome.message
    assert _counts(fresh_db_url) == (300, 300, 1)

"""A load killed half-way leaves the database as it was, and the next run completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from familyhub.db import make_engine, session_factory
from familyhub.runs import Run
from familyhub.sources.models import SourceEvent, SourceExtract, SourceRecord
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file
from tests.unit.sources.extracts import police_file

LOADER = """
import sys
from pathlib import Path
import familyhub.sources.load
from familyhub.db import unit_of_work
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file

if sys.argv[2] == "reindex":  # a big first load: its indexes dropped, built again at the end
    familyhub.sources.load.REINDEX_FROM_BYTES = 0

def report(rows):
    print(f"rows {rows}", flush=True)

with unit_of_work() as session:
    ingest_file(Path(sys.argv[1]), find_contract("police_incidents").contract,
                session=session, actor="kill-test", on_progress=report)
print("committed", flush=True)
"""


def _counts(url: str) -> tuple[int, int, int, int]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (SourceRecord, SourceEvent, SourceExtract, Run)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def _indexes(url: str) -> list[tuple[str, str]]:
    """Every index of the record and event tables, with its definition."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = (
                "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name IN ('source_record', 'source_event') ORDER BY name"
            )
        else:
            sql = (
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename IN ('source_record', 'source_event') ORDER BY indexname"
            )
        found = [(r[0], r[1]) for r in conn.execute(text(sql))]
    engine.dispose()
    return found


@pytest.mark.slow
@pytest.mark.parametrize("indexes", ["kept", "reindex"])
def test_sigkill_mid_load_changes_nothing_and_the_next_run_completes(
    fh_env: dict[str, str], tmp_path: Path, indexes: str
) -> None:
    url = fh_env["FAMILYHUB_DATABASE_URL"]
    path = police_file(tmp_path, 60_000)
    env = os.environ | fh_env
    before = _indexes(url)
    assert len(before) >= 9
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(path), indexes],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        seen.append(line.strip())
        # Two batches are written inside the transaction: kill it now, mid-load.
        if line.startswith("rows ") and int(line.split()[1]) >= 20_000:
            proc.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "the load never reported progress"
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, (seen, proc.stderr.read() if proc.stderr else "")
    assert "committed" not in seen

    assert _counts(url) == (0, 0, 0, 0)
    # A load killed while the indexes were dropped leaves them all as they were.
    assert _indexes(url) == before

    engine = make_engine(url)
    with session_factory(engine)() as session:
        outcome = ingest_file(
            path, find_contract("police_incidents").contract, session=session, actor="rerun"
        )
        session.commit()
    engine.dispose()
    assert outcome.status == "loaded", outcome.message
    assert outcome.rows_loaded == 60_000
    records, events, extracts, runs = _counts(url)
    assert (records, events, extracts, runs) == (60_000, 60_000, 1, 1)

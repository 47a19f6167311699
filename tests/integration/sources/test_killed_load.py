"""A load killed half-way leaves the database as it was, and the next run completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from familyhub.db import make_engine, session_factory
from familyhub.runs import Run
from familyhub.sources.models import SourceEvent, SourceExtract, SourceRecord
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file
from tests.unit.sources.extracts import police_file

LOADER = """
import sys
from pathlib import Path
from familyhub.db import unit_of_work
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file

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


@pytest.mark.slow
def test_sigkill_mid_load_changes_nothing_and_the_next_run_completes(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    url = fh_env["FAMILYHUB_DATABASE_URL"]
    path = police_file(tmp_path, 60_000)
    env = os.environ | fh_env
    proc = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(path)],
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

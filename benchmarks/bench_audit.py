"""How fast does the audit log append and verify?

Targets (issue 5): appending at least 2,000 events a second on PostgreSQL (batch-friendly,
still chained); verifying at least 100,000 events a second.

Runs on the database FAMILYHUB_DATABASE_URL names (a new PostgreSQL schema of its own,
dropped afterwards), or on a temporary SQLite file. Three figures: appends in batches
(``record_many``, one transaction per batch), appends one event per transaction (what a web
request pays), and ``verify`` over everything written.

Usage:
  FAMILYHUB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    python -m benchmarks audit
  FAMILYHUB_BENCH_AUDIT_EVENTS=200000 python -m benchmarks audit
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from familyhub.audit.service import Actor, EventSpec, record, record_many
from familyhub.audit.verify import verify
from familyhub.db import make_engine, session_factory
from familyhub.migrate import upgrade

ACTOR = Actor(user_id=1, username="bench.user", organisation_id=1, roles=("social_worker",))


def _database() -> tuple[str, str, object]:
    base = os.environ.get("FAMILYHUB_DATABASE_URL")
    if base and make_url(base).get_backend_name() == "postgresql":
        schema = f"fh_bench_{uuid.uuid4().hex[:10]}"
        engine = make_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False), "postgresql", schema
    folder = Path(tempfile.mkdtemp(prefix="fh-bench-audit-"))
    return f"sqlite:///{folder / 'audit.db'}", "sqlite", folder


def _drop(kind: str, handle: object) -> None:
    if kind == "postgresql":
        engine = make_engine(os.environ["FAMILYHUB_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{handle}" CASCADE'))
        engine.dispose()
    else:
        shutil.rmtree(str(handle), ignore_errors=True)


def _spec(i: int) -> EventSpec:
    return EventSpec(
        actor=ACTOR,
        action="person.records",
        records=[f"person:P{i % 50_000:06d}", f"source_event:{i}"],
        decision="allow",
        policy_ids=["view.statutory_safeguarding"],
        purpose="safeguarding",
        request_id=f"req-{i}",
        details={"withheld": i % 3},
    )


def main() -> None:
    total = int(os.environ.get("FAMILYHUB_BENCH_AUDIT_EVENTS", "100000"))
    batch = int(os.environ.get("FAMILYHUB_BENCH_AUDIT_BATCH", "1000"))
    singles = int(os.environ.get("FAMILYHUB_BENCH_AUDIT_SINGLES", "2000"))
    keys = Path(tempfile.mkdtemp(prefix="fh-bench-keys-"))
    os.environ["FAMILYHUB_KEYS_DIR"] = str(keys)
    url, kind, handle = _database()
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        print(f"database: {kind}", flush=True)
        started, cpu = time.perf_counter(), time.process_time()
        written = 0
        while written < total:
            with sessions() as session:
                record_many(session, [_spec(written + i) for i in range(batch)], keys_dir=keys)
                session.commit()
            written += batch
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"append, batches of {batch:,}:   {written / elapsed:10,.0f} events/s wall clock, "
            f"{written / cpu:,.0f} events/s of this process's CPU time "
            f"({written:,} events in {elapsed:.1f} s)",
            flush=True,
        )
        started = time.perf_counter()
        for i in range(singles):
            with sessions() as session:
                record(
                    session,
                    actor=ACTOR,
                    action="person.view",
                    records=[f"person:P{i}"],
                    decision="allow",
                    policy_ids=["view.involvement"],
                    purpose="direct_care",
                    request_id=f"single-{i}",
                    keys_dir=keys,
                )
                session.commit()
        elapsed = time.perf_counter() - started
        print(
            f"append, one per transaction: {singles / elapsed:10,.0f} events/s "
            f"({singles:,} events in {elapsed:.1f} s)",
            flush=True,
        )
        with sessions() as session:
            result = verify(session, keys_dir=keys)
        print(
            f"verify:                      {result.rate:10,.0f} events/s wall clock, "
            f"{result.cpu_rate:,.0f} events/s of CPU time ({result.events:,} events, "
            f"{result.checkpoints:,} checkpoints, {result.seconds:.1f} s, "
            f"intact: {result.ok})",
            flush=True,
        )
        engine.dispose()
    finally:
        _drop(kind, handle)
        shutil.rmtree(keys, ignore_errors=True)


if __name__ == "__main__":
    main()

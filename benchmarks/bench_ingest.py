"""Load every synthetic partner extract for a population, on SQLite and on PostgreSQL.

Target (issue 3): the extracts for 1,000,000 people (about 3.9 million rows) load in under
3 minutes on each database, within 4 GB. Settings (environment):

* ``BENCH_INGEST_DIR``: a ``familyhub synth`` output (default ``/tmp/synth1m``; made with
  ``familyhub synth --people $BENCH_INGEST_PEOPLE --seed 1`` when absent);
* ``BENCH_INGEST_PEOPLE``: people to synthesise when the folder is absent (default 1,000,000);
* ``BENCH_INGEST_PG``: PostgreSQL URL (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``;
  ``none`` skips it); a schema of its own is created and dropped;
* ``BENCH_INGEST_BACKENDS``: ``sqlite,postgresql`` (default both).

Prints the time per file, the total, the peak memory of the loading process and its worker,
and the time to offer the same files again (recognised by hash, nothing written). CPU is
printed apart for the loader, its normalising workers, the PostgreSQL server processes that
serve the benchmark's database (when the server runs on this machine: read from /proc), and
the whole machine (``/proc/stat``, everyone's work included), so that a run on a busy machine
can still be judged.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from familyhub.db import make_engine, session_factory
from familyhub.migrate import upgrade
from familyhub.sources.service import ingest_file, plan_ingest

DEFAULT_DIR = "/tmp/synth1m"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _extracts() -> Path:
    folder = Path(os.environ.get("BENCH_INGEST_DIR", DEFAULT_DIR))
    if not (folder / "extracts").is_dir():
        people = os.environ.get("BENCH_INGEST_PEOPLE", "1000000")
        print(f"synthesising {people} people into {folder} ...", flush=True)
        familyhub = str(Path(sys.executable).with_name("familyhub"))
        command = [familyhub, "synth", "--people", people, "--seed", "1", "--out", str(folder)]
        subprocess.run(command, check=True)
    return folder / "extracts"


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _cpu_split() -> tuple[float, float]:
    """CPU seconds (user + system) of this process (the loader, the writer) and of its
    children (the normalising workers): the finished ones, and those alive now (the workers
    are kept between files, so most of their work is done by processes still alive)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = children.ru_utime + children.ru_stime
    return own.ru_utime + own.ru_stime, finished + _live_children_cpu()


def _live_children_cpu() -> float:
    """CPU seconds so far of this process's living children (from /proc; 0 without it)."""
    if not os.path.isdir("/proc"):
        return 0.0
    me, ticks = os.getpid(), 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == me:  # ppid
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / _TICK


def _cpu_seconds() -> float:
    return sum(_cpu_split())


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _server_cpu(database: str | None) -> float | None:
    """CPU seconds so far of the live PostgreSQL processes serving ``database`` (and of any
    parallel worker alive now); None when there are none to see (not PostgreSQL, or no
    /proc). A parallel index build's workers are counted only while they run."""
    if database is None or not os.path.isdir("/proc"):
        return None
    total, seen = 0, False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().decode(errors="replace")
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # e.g. "postgres: 15/main: postgres h3_ingest 127.0.0.1(58398) COPY"
        words = command.replace("\0", " ").split()
        if not command.startswith("postgres:") or (
            database not in words[1:5] and "parallel worker" not in command
        ):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
        seen = True
    return total / _TICK if seen else None


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, all cores)."""
    try:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / _TICK


def _load_all(url: str, extracts: Path, label: str, database: str | None = None) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    planned = [p for p in plan_ingest(extracts) if p.entry is not None]
    total_rows = total_events = 0
    start = time.perf_counter()
    cpu_start = _cpu_seconds()
    loader_start, workers_start = _cpu_split()
    busy_start = _machine_busy()
    server_start = _server_cpu(database)
    for item in planned:
        assert item.entry is not None
        t0 = time.perf_counter()
        file_cpu = _cpu_split()
        with factory() as session:
            outcome = ingest_file(item.path, item.entry.contract, session=session, actor="bench")
            session.commit()
        took = time.perf_counter() - t0
        loader_cpu, workers_cpu = (b - a for a, b in zip(file_cpu, _cpu_split(), strict=True))
        total_rows += outcome.rows_read
        total_events += outcome.events_loaded
        print(
            f"  {label:10} {item.path.name:45} {outcome.status:8} {outcome.rows_read:>10,} rows "
            f"{outcome.events_loaded:>10,} events {outcome.rows_quarantined:>6,} quarantined "
            f"{took:7.1f} s (CPU: loader {loader_cpu:.1f} s, workers {workers_cpu:.1f} s)",
            flush=True,
        )
    elapsed = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_start
    loader_end, workers_end = _cpu_split()
    server_end = _server_cpu(database)
    busy = _machine_busy() - busy_start
    print(
        f"{label}: {total_rows:,} rows and {total_events:,} events from {len(planned)} files in "
        f"{elapsed:.1f} s ({total_rows / elapsed:,.0f} rows/s); CPU of loader and workers "
        f"{cpu:.0f} s (database server not counted; loader {loader_end - loader_start:.0f} s, "
        f"workers {workers_end - workers_start:.0f} s); peak memory {_peak_mb():,.0f} MB",
        flush=True,
    )
    server = (
        f"database server {server_end - server_start:.0f} CPU-s; "
        if server_start is not None and server_end is not None
        else ""
    )
    cores = os.cpu_count() or 1
    print(
        f"{label}: {server}whole machine busy {busy:.0f} CPU-s of {elapsed * cores:.0f} "
        f"({cores} cores, everyone's work included)",
        flush=True,
    )
    t0 = time.perf_counter()
    for item in planned:
        assert item.entry is not None
        with factory() as session:
            again = ingest_file(item.path, item.entry.contract, session=session, actor="bench")
            session.commit()
            assert again.status == "unchanged", again.message
    print(f"{label}: the same {len(planned)} files offered again: nothing changed, "
          f"{time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
    engine.dispose()


def _sqlite(extracts: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="fh-bench-ingest-") as tmp:
        _load_all(f"sqlite:///{tmp}/bench.db", extracts, "sqlite")


def _postgresql(extracts: Path) -> None:
    base = os.environ.get("BENCH_INGEST_PG", DEFAULT_PG)
    if base == "none":
        print("postgresql: skipped (BENCH_INGEST_PG=none)")
        return
    schema = f"fh_bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server here: say so rather than fail the other figures
        print(f"postgresql: skipped, cannot reach {base}: {exc.__class__.__name__}")
        admin.dispose()
        return
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        rendered = url.render_as_string(hide_password=False)
        _load_all(rendered, extracts, "postgresql", url.database)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    extracts = _extracts()
    backends = os.environ.get("BENCH_INGEST_BACKENDS", "sqlite,postgresql").split(",")
    if "sqlite" in backends:
        _sqlite(extracts)
    if "postgresql" in backends:
        _postgresql(extracts)


if __name__ == "__main__":
    main()

"""Benchmark ``familyhub families`` and ``familyhub assess`` on a synthetic population.

Prepares (once, then reuses) a synthetic population and a database with its extracts loaded,
under ``FAMILYHUB_BENCH_DIR`` (default ``var/bench/assess-<people>``); then times rebuilding
the families and assessing every family, given the true linkage (``truth/records.csv`` as the
links), as on the extract date, and prints the needs' quality against the truth. People
default to 1,000,000; the database is SQLite in the bench folder unless
``FAMILYHUB_BENCH_DATABASE_URL`` names another (e.g. PostgreSQL):

    .venv/bin/python -m benchmarks assess
    FAMILYHUB_BENCH_PEOPLE=100000 .venv/bin/python -m benchmarks assess

``FAMILYHUB_BENCH_STEPS=assess`` times the assessment alone, on the families a previous run
built (the default is ``families,assess``).
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

TARGET_SECONDS = 120
AS_OF = date(2026, 9, 30)  # the synthetic extract date


def _timed(label: str, work: Callable[[], Any]) -> tuple[Any, float]:
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return result, wall


def _prepare(people: int, seed: int, folder: Path, url: str) -> None:
    from familyhub.db import make_engine, unit_of_work
    from familyhub.migrate import upgrade
    from familyhub.sources.models import SourceEvent
    from familyhub.sources.service import ingest_file, plan_ingest
    from familyhub.synth.generate import generate

    synth = folder / "synth"
    if not (synth / "truth" / "manifest.json").exists():
        _timed(f"synth {people:,} people", lambda: generate(people=people, seed=seed, out=synth))
    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        loaded = session.scalar(select(func.count()).select_from(SourceEvent))
    if not loaded:

        def load() -> None:
            for item in plan_ingest(synth / "extracts"):
                assert item.entry is not None, item.problem
                if engine.dialect.name == "sqlite":
                    # Fresh statistics stop SQLite from resolving relationships named by a
                    # partner person id through a scan per row (quadratic on big files).
                    with engine.begin() as conn:
                        conn.exec_driver_sql("ANALYZE")
                with unit_of_work(engine) as session:
                    outcome = ingest_file(
                        item.path, item.entry.contract, session=session, actor="bench"
                    )
                print(f"  {outcome.message}", flush=True)

        _timed("ingest (not part of the target)", load)
    engine.dispose()


def main() -> None:
    # Checked first: a mistyped step should not cost a population's generation.
    steps = {
        s.strip() for s in os.environ.get("FAMILYHUB_BENCH_STEPS", "families,assess").split(",")
    }
    if not steps <= {"families", "assess"} or "assess" not in steps:
        raise SystemExit(
            f"FAMILYHUB_BENCH_STEPS={os.environ['FAMILYHUB_BENCH_STEPS']!r}: use 'assess' (the "
            "assessment alone, on the families a previous run built) or 'families,assess'"
        )
    people = int(os.environ.get("FAMILYHUB_BENCH_PEOPLE", "1000000"))
    seed = int(os.environ.get("FAMILYHUB_BENCH_SEED", "1"))
    folder = Path(os.environ.get("FAMILYHUB_BENCH_DIR", f"var/bench/assess-{people}"))
    folder.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("FAMILYHUB_BENCH_DATABASE_URL") or (
        f"sqlite:///{(folder / 'familyhub.db').resolve()}"
    )
    _prepare(people, seed, folder, url)

    from familyhub.db import make_engine, unit_of_work
    from familyhub.families.service import rebuild_families
    from familyhub.outcomes.evaluate import evaluate
    from familyhub.outcomes.service import assess_all
    from familyhub.sources.models import SourceEvent

    links = folder / "synth" / "truth" / "records.csv"
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        events = session.scalar(select(func.count()).select_from(SourceEvent))
    print(f"{people:,} people, {events:,} events, database {engine.dialect.name}", flush=True)

    def families() -> Any:
        with unit_of_work(engine) as session:
            return rebuild_families(session, actor="bench", as_of=AS_OF, links_file=links)

    if "families" in steps:
        built, _ = _timed("families (rebuild)", families)
        print(
            f"  {built.families:,} families, {built.members:,} members, "
            f"{built.households:,} households"
        )

    def assess() -> Any:
        with unit_of_work(engine) as session:
            return assess_all(session, actor="bench", as_of=AS_OF, today=AS_OF, links_file=links)

    summary, seconds = _timed("assess", assess)
    verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
    print(
        f"  {summary.families:,} families assessed, {summary.eligible:,} eligible, "
        f"{summary.needs:,} needs, {summary.evidence:,} pieces of evidence; "
        f"{verdict} the {TARGET_SECONDS} s target"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"peak resident memory {peak:.2f} GB")
    with unit_of_work(engine) as session:
        quality = evaluate(session, folder / "synth" / "truth")
    print("\n".join(quality.lines()))
    engine.dispose()


if __name__ == "__main__":
    main()

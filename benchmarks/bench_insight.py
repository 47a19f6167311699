"""Insight at a million people: disclosure-controlled counts and a pseudonymised extract.

The rows are generated in memory in insight's input shape (people, needs, services): a
1,000,000-person pipeline run (synth, ingest, link, families, assess) is not part of this
benchmark. With FAMILYHUB_BENCH_INSIGHT_DB=1 the same rows are also bulk-inserted into a
fresh SQLite database (person, family, family_member, family_need) and the counts are timed
again through the real read path, ``load_from_database``.

With FAMILYHUB_BENCH_INSIGHT_DATA_DIR naming the data directory of a real pipeline run
(``familyhub synth``, ``ingest``, ``link``, ``families``, ``assess``), the benchmark instead
times the planner's own commands on it, as a council would run them: ``familyhub insight
counts`` and ``familyhub insight extract``, each a separate process reading the database
(a master key and the purposes' keys are made first if missing).

Usage: ``python -m benchmarks insight`` (set FAMILYHUB_BENCH_PEOPLE to change the size), or
``FAMILYHUB_BENCH_INSIGHT_DATA_DIR=/srv/familyhub/var python -m benchmarks insight``.
"""

from __future__ import annotations

import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from familyhub.insight.aggregates import CountsSpec, controlled_counts
from familyhub.insight.areas import AreaLookup
from familyhub.insight.dataset import NEEDS_SCHEMA, PEOPLE_SCHEMA, SERVICES_SCHEMA, InsightData
from familyhub.insight.disclosure import DisclosureError
from familyhub.insight.extract import build_extract
from familyhub.insight.keys import MASTER_KEY_FILE, PurposeKey, derive_purpose_key
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.purposes import get_purpose
from familyhub.insight.service import write_table
from familyhub.outcomes.headline import HEADLINE_OUTCOMES

AS_OF = date(2026, 9, 30)
STATUSES = np.array(["open", "improving", "resolved"])


def generate(people: int, seed: int = 1) -> InsightData:
    """A synthetic population in NS1-NS8: families of 1-6, about 15% with needs."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, size=people // 2)
    sizes = sizes[np.cumsum(sizes) <= people]
    n = int(sizes.sum())
    family_index = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    person_ids = np.char.add("P", np.arange(n).astype(str))
    family_ids = np.char.add("F", family_index.astype(str))
    roles = np.where(position < 2, "parent", "child")
    ages = np.where(position < 2, rng.integers(18, 70, n), rng.integers(0, 18, n))
    birth = np.datetime64(AS_OF) - (ages * 365 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    district = rng.integers(1, 9, size=len(sizes))[family_index]
    sector = rng.integers(1, 10, size=len(sizes))[family_index]
    letters = np.array(["AB", "DE", "FG", "HJ", "LN", "PQ", "RS", "TU"])
    unit = letters[rng.integers(0, len(letters), size=len(sizes))][family_index]
    postcodes = np.char.add(
        np.char.add(np.char.add("NS", district.astype(str)), " "),
        np.char.add(sector.astype(str), unit),
    )
    people_table = pa.table(
        {
            "person_id": person_ids,
            "family_id": family_ids,
            "role": roles,
            "date_of_birth": pa.array(birth.astype("datetime64[D]"), pa.date32()),
            "sex": rng.choice(np.array(["F", "M", "U"]), size=n, p=[0.49, 0.49, 0.02]),
            "postcode": postcodes,
        },
        schema=PEOPLE_SCHEMA,
    )
    # Needs: ~15% of people, 1-3 each, first evidenced 2022-2026.
    with_needs = np.flatnonzero(rng.random(n) < 0.15)
    per_person = rng.integers(1, 4, size=len(with_needs))
    owner = np.repeat(with_needs, per_person)
    need_keys = np.array([o.key for o in HEADLINE_OUTCOMES])
    first = np.datetime64("2022-01-01") + rng.integers(0, 1700, size=len(owner)).astype(
        "timedelta64[D]"
    )
    needs_table = pa.table(
        {
            "family_id": family_ids[owner],
            "person_id": person_ids[owner],
            "need": need_keys[rng.integers(0, len(need_keys), size=len(owner))],
            "status": STATUSES[rng.integers(0, 3, size=len(owner))],
            "first_evidence_date": pa.array(first, pa.date32()),
            "last_evidence_date": pa.array(first + np.timedelta64(90, "D"), pa.date32()),
        },
        schema=NEEDS_SCHEMA,
    )
    served = rng.choice(len(sizes), size=len(sizes) // 10, replace=False)
    services_table = pa.table(
        {
            "family_id": np.char.add("F", served.astype(str)),
            "service": rng.choice(np.array(["early_help", "cin", "youth_justice"]), len(served)),
        },
        schema=SERVICES_SCHEMA,
    )
    return InsightData(people=people_table, needs=needs_table, services=services_table, as_of=AS_OF)


def lookup_for(data: InsightData, folder: Path) -> AreaLookup:
    """A synthetic postcode -> ward / LSOA lookup (a ward per sector, an LSOA per unit)."""
    path = folder / "lookup.csv"
    postcodes = sorted(set(data.people.column("postcode").to_pylist()))
    with path.open("w") as handle:
        handle.write("pcds,wd25cd,lsoa21cd\n")
        for postcode in postcodes:
            district, inward = postcode.split()
            ward = f"W-{district}-{inward[0]}"
            handle.write(f"{postcode},{ward},L-{district}-{inward}\n")
    return AreaLookup.from_csv(path)


def database_round(data: InsightData, folder: Path) -> None:
    """Insert the generated rows into the domain tables, then count through the read path."""
    from sqlalchemy import insert

    from familyhub.db import make_engine, session_factory
    from familyhub.families.models import Family, FamilyMember
    from familyhub.insight.dataset import load_from_database
    from familyhub.linkage.models import Person
    from familyhub.migrate import upgrade
    from familyhub.outcomes.models import FamilyNeed

    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    people = data.people.to_pylist()
    needs = data.needs.to_pylist()

    def fill() -> None:
        with engine.begin() as conn:
            conn.execute(
                insert(Person),
                [
                    {"id": p["person_id"], "status": "active", "date_of_birth": p["date_of_birth"],
                     "sex": p["sex"], "postcode": p["postcode"], "record_count": 1,
                     "has_conflicts": False}
                    for p in people
                ],
            )  # fmt: skip
            families = sorted({p["family_id"] for p in people})
            conn.execute(insert(Family), [{"id": f, "status": "active"} for f in families])
            conn.execute(
                insert(FamilyMember),
                [{"family_id": p["family_id"], "person_id": p["person_id"], "role": p["role"]}
                 for p in people],
            )  # fmt: skip
            conn.execute(
                insert(FamilyNeed),
                [{**n, "ongoing": False, "evidence_count": 1, "rules_version": "bench",
                  "assessed_on": AS_OF} for n in needs],
            )  # fmt: skip

    _timed("insert into SQLite (person, family, family_member, family_need)", fill)
    session = session_factory(engine)()
    try:
        loaded = _timed(
            "read from SQLite (load_from_database)",
            lambda: load_from_database(session=session, as_of=AS_OF),
        )
    finally:
        session.close()
        engine.dispose()
    _count(
        "counts by need,area,month after the read", loaded, CountsSpec(by=("need", "area", "month"))
    )


def _timed(label: str, work):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"  {label}: {_since(wall, cpu)}", flush=True)
    return result


def _since(wall: float, cpu: float) -> str:
    """Wall time, and CPU time (all threads): on a shared machine the second is the steadier."""
    return f"{time.perf_counter() - wall:.1f} s (CPU {time.process_time() - cpu:.1f} s)"


def _count(label: str, data: InsightData, spec: CountsSpec, lookup: AreaLookup | None = None):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        table, _ = controlled_counts(data, spec, lookup=lookup)
    except DisclosureError as exc:
        print(f"  {label}: refused after {_since(wall, cpu)} ({exc})")
        return
    print(f"  {label}, disclosure-controlled: {_since(wall, cpu)}")
    print(
        f"    {len(table.cells):,} cells, {table.primary_suppressed:,} primary and "
        f"{table.secondary_suppressed:,} secondary suppressions"
    )


PIPELINE_COMMANDS: list[tuple[str, list[str]]] = [
    ("counts by need,area,month (families)", ["counts", "--by", "need,area,month"]),
    ("counts by area,month (people)", ["counts", "--by", "area,month", "--unit", "people"]),
    ("counts by area, families with 3+ needs", ["counts", "--by", "area", "--min-needs", "3"]),
    ("extract, family level (service_planning)", ["extract", "--purpose", "service_planning"]),
    ("extract, person level (needs_assessment)", ["extract", "--purpose", "needs_assessment"]),
]


def _familyhub(data_dir: Path, args: list[str]) -> tuple[float, float, str]:
    """Run ``familyhub ARGS`` on ``data_dir``; its wall and CPU seconds, and what it printed."""
    env = {**os.environ, "FAMILYHUB_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    command = [str(Path(sys.executable).with_name("familyhub")), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    printed = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise SystemExit(f"familyhub {' '.join(args)} failed ({done.returncode}):\n{printed}")
    return wall, cpu, printed


def pipeline_round(data_dir: Path) -> None:
    """Time the planner's commands on a database a whole pipeline run produced."""
    print(f"insight on the pipeline database in {data_dir} (real people, families and needs)")
    out = Path(tempfile.mkdtemp())
    try:
        keys = _familyhub(data_dir, ["insight", "keys", "list"])[2]
        if not (data_dir / "keys" / MASTER_KEY_FILE).exists():
            _familyhub(data_dir, ["insight", "keys", "init"])
        for purpose in ("service_planning", "needs_assessment"):
            if purpose not in keys:
                _familyhub(data_dir, ["insight", "keys", "create", "--purpose", purpose])
        for label, args in PIPELINE_COMMANDS:
            target = out / f"{args[0]}-{len(list(out.iterdir()))}.csv"
            wall, cpu, printed = _familyhub(
                data_dir, ["insight", *args, "--as-of", AS_OF.isoformat(), "--out", str(target)]
            )
            print(f"  {label}: {wall:.1f} s wall (CPU {cpu:.1f} s, the whole command)")
            print("    " + " ".join(printed.split())[-300:], flush=True)
    finally:
        shutil.rmtree(out)


def main() -> None:
    data_dir = os.environ.get("FAMILYHUB_BENCH_INSIGHT_DATA_DIR")
    if data_dir:
        pipeline_round(Path(data_dir))
        return
    people = int(os.environ.get("FAMILYHUB_BENCH_PEOPLE", "1000000"))
    print(f"insight on {people:,} generated people (in memory, not read from a database)")
    data = _timed("generate", lambda: generate(people))
    print(f"  {data.people.num_rows:,} people, {data.needs.num_rows:,} needs")
    tmp = Path(tempfile.mkdtemp())
    lookup = lookup_for(data, tmp)
    for by, unit, level in [
        (("need", "area", "month"), "families", "district"),
        (("area", "month"), "people", "district"),
        (("need", "area"), "families", "lsoa"),
        (("area", "month"), "families", "ward"),
    ]:
        spec = CountsSpec(by=by, unit=unit, area_level=level)  # type: ignore[arg-type]
        _count(f"counts by {','.join(by)} ({unit}, area = {level})", data, spec, lookup)
    purpose = get_purpose("needs_assessment")
    key = derive_purpose_key(
        secrets.token_bytes(32), purpose=purpose.name, version=1, salt=random.randbytes(16)
    )
    pseudonymiser = Pseudonymiser(PurposeKey(purpose=purpose.name, version=1, key=key))
    for with_lookup in (None, lookup):
        wall, cpu = time.perf_counter(), time.process_time()
        result = build_extract(
            data, purpose=purpose, pseudonymiser=pseudonymiser, lookup=with_lookup
        )
        write_table(tmp / "extract.csv", result.table)
        areas = "district, ward, LSOA" if with_lookup else "district"
        print(f"  extract to CSV (person level, k={purpose.k}, areas {areas}): {_since(wall, cpu)}")
        print(f"    {result.report.describe()}")
    if os.environ.get("FAMILYHUB_BENCH_INSIGHT_DB"):
        database_round(data, tmp)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

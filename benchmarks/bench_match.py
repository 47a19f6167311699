"""``familyhub match`` latency against an already linked database.

    FAMILYHUB_DATABASE_URL=sqlite:////tmp/m100k.db FAMILYHUB_DATA_DIR=/tmp/m100k_data \\
        python -m benchmarks match
    FH_BENCH_MATCH_QUERIES=500 FH_BENCH_SEED=3 ...

Queries are built from linked source records drawn at random, in the shapes practitioners
and the rights team type them: name, date of birth and postcode; name and date of birth; the
name alone; an NHS number with a name. Prints the set-up (first call: model compiled, term
frequencies loaded) apart from the p50/p95 of the warm calls, per shape and overall. Figures
only: nothing here asserts.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from sqlalchemy import func, select


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    from familyhub.db import make_engine, session_factory
    from familyhub.linkage import service
    from familyhub.linkage.match import matcher_for
    from familyhub.linkage.models import Person, PersonLink
    from familyhub.sources.models import SourceRecord

    n_queries = int(os.environ.get("FH_BENCH_MATCH_QUERIES", "400"))
    rng = random.Random(int(os.environ.get("FH_BENCH_SEED", "1")))
    engine = make_engine()
    with session_factory(engine)() as session:
        persons = session.scalar(select(func.count()).select_from(Person)) or 0
        records = session.scalar(select(func.max(PersonLink.source_record_id))) or 0
        if not persons:
            print("match: no persons: load and link first (see the module docstring)")
            return
        sample: list[Any] = []
        while len(sample) < n_queries:
            ids = [rng.randint(1, records) for _ in range(n_queries)]
            sample += (
                session.execute(
                    select(SourceRecord)
                    .join(PersonLink, PersonLink.source_record_id == SourceRecord.id)
                    .where(SourceRecord.id.in_(ids), SourceRecord.given_name.is_not(None))
                )
                .scalars()
                .all()
            )
        sample = sample[:n_queries]
        shapes = {
            "name+dob+postcode": ("given_name", "family_name", "date_of_birth", "postcode"),
            "name+dob": ("given_name", "family_name", "date_of_birth"),
            "name only": ("given_name", "family_name"),
            "nhs+name": ("nhs_number", "given_name", "family_name"),
        }
        queries = []
        for i, record in enumerate(sample):
            shape = list(shapes)[i % len(shapes)]
            fields = {k: getattr(record, k) for k in shapes[shape]}
            if fields.get("date_of_birth") is not None:
                fields["date_of_birth"] = fields["date_of_birth"].isoformat()
            queries.append((shape, fields))
        start = time.perf_counter()
        finder = matcher_for(session, service.cache_path())
        if finder is None:
            print("match: no linkage run yet")
            return
        finder.match(queries[0][1], session=session)
        setup = time.perf_counter() - start
        times: dict[str, list[float]] = {shape: [] for shape in shapes}
        found = 0
        for shape, fields in queries:
            start = time.perf_counter()
            # As the web search does: look the shared matcher up, then match.
            result = matcher_for(session, service.cache_path())
            assert result is not None
            candidates = result.match(fields, session=session)
            times[shape].append(time.perf_counter() - start)
            found += bool(candidates)
    every = [t for shape_times in times.values() for t in shape_times]
    print(f"match: {persons:,} persons, {records:,} source records; {len(every)} queries "
          f"({found} with a candidate); first call (set-up) {setup * 1000:.0f} ms")  # fmt: skip
    for shape, shape_times in times.items():
        print(f"  {shape:18} p50 {_percentile(shape_times, 0.5) * 1000:6.1f} ms  "
              f"p95 {_percentile(shape_times, 0.95) * 1000:6.1f} ms")  # fmt: skip
    print(f"  {'all':18} p50 {_percentile(every, 0.5) * 1000:6.1f} ms  "
          f"p95 {_percentile(every, 0.95) * 1000:6.1f} ms  "
          f"max {max(every) * 1000:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()

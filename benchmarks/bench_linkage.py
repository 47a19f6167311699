"""Linkage quality and speed on synthetic people, against a textbook Splink model.

    python -m benchmarks linkage                      # 100,000 people (the issue's target)
    FH_BENCH_PEOPLE=20000 python -m benchmarks linkage
    FH_BENCH_TEXTBOOK=0 ...                           # skip the textbook comparison
    FH_BENCH_EM_SAMPLE_UNITS=40000 ...                # train EM on a sample of that many units
    FH_BENCH_DUCKDB=/tmp/bench.duckdb ...             # keep the working tables to inspect
    FH_BENCH_PARTS=ops FH_BENCH_OPS_PEOPLE=1000000    # only the operations (full link through
                                                      # SQLite, incremental, match latency)
    FH_BENCH_PARTS=copies FH_BENCH_NEW_RECORDS=10000  # into the configured, linked database:
                                                      # that many copies of linked records under
                                                      # new ids (then familyhub link --incremental)

Prints pairwise precision/recall/F1, B-cubed F1, per name-origin group recall, twin and
namesake pairs merged, and the time of each stage. Figures only: nothing here asserts.
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

import duckdb
import pyarrow as pa
from tests.unit.linkage.population import population

from familyhub.linkage import evaluate, model, pipeline

TRUTH_COLUMNS = ["id", "true_person", "name_origin", "birth_group", "namesake_group"]


def textbook_settings() -> dict[str, Any]:
    """A competent textbook Splink model: library comparisons, plain EM, no household logic."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    from familyhub.linkage.settings import prediction_blocking_rules

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given").configure(term_frequency_adjustments=True),
            cl.NameComparison("family").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("nhs_number"),
            cl.ExactMatch("ni_number"),
            cl.ExactMatch("upn"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        retain_intermediate_calculation_columns=False,
    ).get_settings("duckdb").as_dict() | {
        "_em_rules": [block_on("dob"), block_on("given", "family"), block_on("postcode")]
    }


def run_textbook(con: duckdb.DuckDBPyConnection, threshold: float) -> dict[str, Any]:
    from splink import DuckDBAPI, Linker, block_on

    settings = textbook_settings()
    em_rules = settings.pop("_em_rules")
    linker = Linker(DuckDBAPI(connection=con).register("fh_records"), settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number", "dob"), block_on("given", "family", "dob", "postcode")],
        recall=0.8,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=3_000_000, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    sql = (
        "create or replace table fh_textbook_clusters as "  # noqa: S608 (a Splink table name)
        "select m.id as unique_id, hash(c.cluster_id) as cluster_id from fh_unit_members m "
        f"join {clusters.physical_name} c on c.unique_id = m.unit_id"
    )
    con.execute(sql)
    return evaluate.quality(con, truth="fh_truth", predicted="fh_textbook_clusters")


def _line(name: str, q: dict[str, Any]) -> str:
    o = q["overall"]
    return (
        f"{name}: pairwise precision {o['pairwise_precision']:.4f} recall "
        f"{o['pairwise_recall']:.4f} F1 {o['pairwise_f1']:.4f}; B-cubed F1 {o['bcubed_f1']:.4f}; "
        f"twin pairs merged {q.get('twin_pairs_merged')}/{q.get('twin_pairs')}; namesake pairs "
        f"merged {q.get('namesake_pairs_merged')}/{q.get('namesake_pairs')}"
    )


def main() -> None:
    parts = os.environ.get("FH_BENCH_PARTS", "quality,ops").split(",")
    if "quality" in parts:
        quality_benchmark()
    if "ops" in parts:
        operations_benchmark()
    if "copies" in parts:
        add_copies()


def add_copies() -> None:
    """Copy ``FH_BENCH_NEW_RECORDS`` linked source records, drawn at random (seed
    ``FH_BENCH_SEED``), under new ids and record ids, updated now, into the database
    ``FAMILYHUB_DATABASE_URL`` / ``FAMILYHUB_DATA_DIR`` names: a partner sending people again
    under new record ids. Each touches its person, so an incremental run re-clusters about as
    many persons as records added."""
    import random

    from sqlalchemy import select, text

    from familyhub.db import unit_of_work
    from familyhub.linkage.models import PersonLink
    from familyhub.runs import utcnow
    from familyhub.sources.models import SourceRecord

    n = int(os.environ.get("FH_BENCH_NEW_RECORDS", "10000"))
    seed = int(os.environ.get("FH_BENCH_SEED", "7"))
    columns = [c.name for c in SourceRecord.__table__.columns if c.name != "id"]
    now = utcnow()
    with unit_of_work() as session:
        linked = sorted(session.scalars(select(PersonLink.source_record_id)))
        chosen = random.Random(seed).sample(linked, n)
        offset = int(session.scalar(text("select max(id) from source_record")) or 0)
        tag = now.strftime("%Y%m%d%H%M%S")
        values = {
            "record_id": f"record_id || '-again-{tag}'",
            "updated_at": ":now",
            "first_seen_at": ":now",
        }
        for i in range(0, n, 500):
            chunk = chosen[i : i + 500]
            marks = ", ".join(str(int(r)) for r in chunk)
            session.execute(
                text(
                    f"insert into source_record (id, {', '.join(columns)}) "  # noqa: S608
                    f"select id + {offset}, {', '.join(values.get(c, c) for c in columns)} "
                    f"from source_record where id in ({marks})"
                ),
                {"now": now},
            )
    print(f"copies: {n:,} linked records copied under new ids (ids above {offset:,})")


def operations_benchmark() -> None:
    """The daily operations through the database (SQLite file): full link with everything
    written, incremental run of new records, and ``match`` latency."""
    import tempfile
    from pathlib import Path

    from tests.integration.linkage.conftest import load_records

    from familyhub.config import get_settings
    from familyhub.db import make_engine, reset_engine, session_factory
    from familyhub.linkage import service
    from familyhub.linkage.incremental import link_incremental
    from familyhub.linkage.match import matcher_for
    from familyhub.migrate import upgrade

    people = int(os.environ.get("FH_BENCH_OPS_PEOPLE", os.environ.get("FH_BENCH_PEOPLE", "100000")))
    new_records = int(os.environ.get("FH_BENCH_NEW_RECORDS", "10000"))
    seed = int(os.environ.get("FH_BENCH_SEED", "7"))
    folder = Path(tempfile.mkdtemp(prefix="fh-bench-linkage-"))
    os.environ["FAMILYHUB_DATA_DIR"] = str(folder)
    os.environ["FAMILYHUB_DATABASE_URL"] = f"sqlite:///{folder / 'fh.db'}"
    get_settings.cache_clear()
    reset_engine()
    upgrade()
    records = population(people, seed).drop_columns([*TRUTH_COLUMNS[1:], "household"])
    first = records.slice(0, records.num_rows - new_records)
    later = records.slice(records.num_rows - new_records)
    engine = make_engine()
    with session_factory(engine)() as session:
        load_records(session, first)
        session.commit()
    print(f"ops: {people:,} people, {first.num_rows:,} records loaded into SQLite")
    start = time.perf_counter()
    with session_factory(engine)() as session:
        summary = service.link(session=session, actor="bench")
        session.commit()
    total = time.perf_counter() - start
    print(f"full link (train, score, cluster, ids, golden records, written): {total:.1f} s; "
          f"{summary['timings_seconds']}")  # fmt: skip
    with session_factory(engine)() as session:
        load_records(session, later)
        session.commit()
    start = time.perf_counter()
    with session_factory(engine)() as session:
        inc = link_incremental(session=session, actor="bench")
        session.commit()
    print(f"incremental: {new_records:,} new records in {time.perf_counter() - start:.1f} s "
          f"({inc['timings_seconds']}; persons in scope {inc['persons_in_scope']:,})")  # fmt: skip
    queries = later.slice(0, 200).to_pylist()
    times = []
    with session_factory(engine)() as session:
        finder = matcher_for(session, service.cache_path())
        assert finder is not None
        for q in queries:
            fields = {
                "given_name": q["given_name"],
                "family_name": q["family_name"],
                "date_of_birth": q["date_of_birth"],
                "postcode": q["postcode"],
                "nhs_number": q["nhs_number"],
            }
            start = time.perf_counter()
            finder.match(fields, session=session)
            times.append(time.perf_counter() - start)
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(f"match: {len(times)} queries, median {p50 * 1000:.0f} ms, 95th percentile "
          f"{p95 * 1000:.0f} ms")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")


def quality_benchmark() -> None:
    people = int(os.environ.get("FH_BENCH_PEOPLE", "100000"))
    if "FH_BENCH_EM_SAMPLE_UNITS" in os.environ:
        # Train EM on a sample as small, relative to the population, as at 1,000,000 people.
        model.EM_SAMPLE_UNITS = int(os.environ["FH_BENCH_EM_SAMPLE_UNITS"])
        print(f"EM trained on at most {model.EM_SAMPLE_UNITS:,} linkage units")
    seed = int(os.environ.get("FH_BENCH_SEED", "7"))
    start = time.perf_counter()
    records = population(people, seed)
    print(f"people {people:,}; source records {records.num_rows:,} (generated in "
          f"{time.perf_counter() - start:.1f} s)")  # fmt: skip
    con = pipeline.connect(os.environ.get("FH_BENCH_DUCKDB", ":memory:"))
    truth = records.select(TRUTH_COLUMNS).rename_columns(["unique_id", *TRUTH_COLUMNS[1:]])
    con.register("fh_truth_in", truth)
    con.execute("create or replace table fh_truth as select * from fh_truth_in")
    inputs = records.drop_columns([*TRUTH_COLUMNS[1:], "household"])
    start = time.perf_counter()
    result = pipeline.run(con, pa.table(inputs), trained=None)
    total = time.perf_counter() - start
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.stages.wall.items())
    print(f"familyhub: {total:.1f} s ({timings}); units {result.features.units:,}; "
          f"pairs scored {result.pairs_scored:,}; clusters {result.clusters.clusters:,}; "
          f"blocked edges {result.clusters.blocked_edges}")  # fmt: skip
    scoring = result.stages.wall["score"] + result.stages.wall["cluster"]
    print(f"scoring + clustering: {records.num_rows / scoring * 60:,.0f} source records a minute")
    if result.training_summary:
        print(f"EM trained on {result.training_summary['em_units']:,} linkage units")
    con.execute(
        "create or replace view fh_record_cluster_eval as select id as unique_id, cluster_id "
        "from fh_record_cluster"
    )
    quality = evaluate.quality(con, truth="fh_truth", predicted="fh_record_cluster_eval")
    print(_line("familyhub", quality))
    for group, scores in quality["by_name_origin"].items():
        print(
            f"  {group:18} records {scores['records']:>8,}  precision "
            f"{scores['pairwise_precision']:.4f}  recall {scores['pairwise_recall']:.4f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:,.0f} MB")
    if os.environ.get("FH_BENCH_TEXTBOOK", "1") != "0":
        start = time.perf_counter()
        textbook = run_textbook(con, threshold=pipeline.LINK_PROBABILITY)
        print(_line("textbook Splink", textbook) + f" ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()

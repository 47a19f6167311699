"""``familyhub link --incremental``: link records new or changed since the last run.

Nothing already linked is re-scored unless a new record touches it:

1. read the source records updated since the last successful link run (new, changed and
   withdrawn);
2. score the new and changed ones against the last run's records (``predict_between``, the
   saved model, the population's term frequencies);
3. the persons they touch, and the persons whose records changed, are re-clustered together
   with the new records, with every cannot-link rule and manual decision, exactly as a full
   run would (``pipeline.run`` on that subset);
4. ids are kept by record overlap within that scope; links, golden values, id history, the
   review queue and the linkage cache are updated for that scope only.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.linkage import features, pipeline, scorer, service, store
from familyhub.linkage.models import ReviewPair
from familyhub.runs import Run, finish_run, start_run

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

CACHE_TABLES = ("fh_raw", "fh_records", "fh_unit_members", "fh_link_rows")


def _last_run(session: Session) -> Run | None:
    return session.scalars(
        select(Run)
        .where(Run.stage == "link", Run.status == "succeeded")
        .order_by(Run.id.desc())
        .limit(1)
    ).first()


def link_incremental(
    *,
    session: Session,
    actor: str,
    records: pa.Table | None = None,
    link_probability: float = pipeline.LINK_PROBABILITY,
    review_probability: float = pipeline.REVIEW_PROBABILITY,
) -> dict[str, Any]:
    """Link what changed since the last run; returns the run summary.

    ``records``: the changed source records (default: read those updated since the last run).
    """
    cache = service.cache_path()
    last = _last_run(session)
    model = service.active_model(session=session)
    if last is None or model is None or not cache.exists():
        raise FileNotFoundError("no earlier linkage run to add to: run `familyhub link` first")
    run = start_run(
        session,
        stage="link",
        actor=actor,
        parameters={"mode": "incremental", "since_run": last.id, "model": model.version},
    )
    stages = pipeline.Stages()
    if records is None:
        records = store.source_records(session, changed_since=last.started_at)
    # A restricted person's records stay as they are, changed at source or not.
    held = service.held_out(session=session)
    records = service.without_held(records, held)
    stages.lap("read")
    if records.num_rows == 0:
        summary: dict[str, Any] = {"records_changed": 0, "records_linked": 0, "persons": 0}
        finish_run(run, summary=summary)
        session.flush()
        return summary | {"run_id": run.id, "model_version": model.version}
    # Work on a copy and swap it in at the end: readers (the web search) keep the old file
    # open meanwhile, and a failed run leaves the cache as it was.
    working = cache.with_suffix(".incremental.duckdb")
    shutil.copyfile(cache, working)
    con = pipeline.connect()
    try:
        con.execute(f"attach '{working}' as cache")
        stages.lap("copy cache")
        scope = _scope(con, records, model.settings, review_probability, held)
        stages.lap("candidates")
        result = pipeline.run(
            con,
            "fh_subset_raw",
            trained=model.settings,
            decisions=service.load_decisions(session=session),
            link_probability=link_probability,
            review_probability=review_probability,
            tf_schema="cache",
        )
        stages.update(result.stages)
        stages.mark()
        summary = service._write_results(
            session,
            con,
            run_id=run.id,
            model_id=model.id,
            scope=scope,
            link_probability=link_probability,
            held=held,
        )
        stages.lap("write")
        _update_cache(con)
        con.execute("detach cache")
    finally:
        con.close()
    working.replace(cache)
    stages.lap("update cache")
    summary.update(
        {
            "records_changed": records.num_rows,
            "persons_in_scope": len(scope),
            "model_version": model.version,
            "clustering": asdict(result.clusters),
            **stages.summary(),
            "warnings": result.features.warnings,
            "review_queue_open": session.scalar(
                select(func.count()).select_from(ReviewPair).where(ReviewPair.status == "open")
            ),
        }
    )
    finish_run(run, summary=summary)
    session.flush()
    summary["run_id"] = run.id
    return summary


def _scope(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table,
    trained: dict[str, Any],
    review_probability: float,
    held: service.Held,
) -> set[str]:
    """Build ``fh_subset_raw`` (rows to re-cluster) and return the previous persons it covers.

    A restricted person's records are not scored against, so no new record can pull that
    person into the scope (the cache may predate the restriction).
    """
    con.register("fh_held_in", pa.table({"id": pa.array(sorted(held.record_ids), pa.int64())}))
    con.execute("create table fh_held as select * from fh_held_in")
    con.unregister("fh_held_in")
    con.register("fh_changed_in", records)
    con.execute("create table fh_changed as select * from fh_changed_in")
    con.unregister("fh_changed_in")
    con.execute(
        "create table fh_withdrawn as select id from fh_changed "
        "where coalesce(status, 'active') <> 'active'"
    )
    # Prepare the changed records on their own to find what they touch.
    features.prepare(con, "fh_changed", table="fh_new_records")
    con.execute(
        "create view fh_cached_records as select * from cache.fh_records "
        "where unique_id not in (select id from fh_changed) "
        "and unique_id not in (select id from fh_held)"
    )
    touched: set[int] = set()
    if con.sql("select count(*) from fh_new_records").fetchall()[0][0]:
        linker, db_api = scorer.linker_over(con, "fh_cached_records", trained, tf_schema="cache")
        between = linker.inference.predict_between(
            db_api.register("fh_new_records", table_name="fh_new_records_in"),
            db_api.register("fh_cached_records", table_name="fh_cached_records_in"),
            threshold_match_probability=review_probability,
            warning_mode="never",
        )
        touched |= {
            int(u)
            for (u,) in con.sql(
                f"select unique_id_l from {between.physical_name} "
                f"union select unique_id_r from {between.physical_name}"
            ).fetchall()
        }
        touched |= {
            int(u)
            for (u,) in con.sql(
                "select c.unique_id from fh_cached_records c join fh_new_records n "
                "on c.source = n.source and c.partner_person_id = n.partner_person_id"
            ).fetchall()
        }
    touched |= {int(i) for (i,) in con.sql("select id from fh_changed").fetchall()}
    con.register("fh_touched_in", pa.table({"id": pa.array(sorted(touched), pa.int64())}))
    con.execute(
        """
        create table fh_scope_persons as
        select distinct l.person_id from cache.fh_link_rows l
        join cache.fh_unit_members m on m.id = l.id
        where (l.id in (select id from fh_touched_in)
               or m.unit_id in (select id from fh_touched_in))
          and l.id not in (select id from fh_held)
        """
    )
    con.execute(
        """
        create table fh_subset_raw as
        select * from cache.fh_raw
        where id in (select l.id from cache.fh_link_rows l
                     join fh_scope_persons s using (person_id))
          and id not in (select id from fh_changed)
        union all by name
        select * from fh_changed where coalesce(status, 'active') = 'active'
        """
    )
    return {str(p) for (p,) in con.sql("select person_id from fh_scope_persons").fetchall()}


def _update_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the scope's rows in the linkage cache with this run's."""
    con.execute(
        "create temp table fh_gone as select id from fh_subset_raw union select id from fh_changed"
    )
    con.execute("delete from cache.fh_raw where id in (select id from fh_gone)")
    con.execute("delete from cache.fh_unit_members where id in (select id from fh_gone)")
    con.execute("delete from cache.fh_link_rows where id in (select id from fh_gone)")
    con.execute("delete from cache.fh_records where unique_id in (select id from fh_gone)")
    con.execute(
        "delete from cache.fh_pairs_checked where unique_id_l in (select id from fh_gone) "
        "or unique_id_r in (select id from fh_gone)"
    )
    con.execute("insert into cache.fh_raw by name select * from fh_raw")
    con.execute("insert into cache.fh_unit_members by name select * from fh_unit_members")
    con.execute("insert into cache.fh_link_rows by name select * from fh_link_rows")
    con.execute("insert into cache.fh_records by name select * from fh_records")
    con.execute("insert into cache.fh_pairs_checked by name select * from fh_pairs_checked")
    con.execute("checkpoint cache")

"""Linkage services: run the pipeline over the loaded source records and keep the results.

``link`` reads every source record, scores and clusters them in DuckDB (``pipeline``), keeps
person ids stable (``persons``), and writes links, persons, golden values, id history and the
review queue back in bulk, in the caller's transaction. The prepared records, links and model
stay in a DuckDB file under the data directory so that ``match`` and incremental runs need not
reread everything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from familyhub.config import get_settings
from familyhub.linkage import changes, corrections, golden, persons, pipeline, store
from familyhub.linkage.models import LinkageModel, ManualDecision, Person, PersonLink, ReviewPair
from familyhub.linkage.settings import MODEL_NAME
from familyhub.runs import finish_run, start_run, utcnow

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

# Tables a full run rewrites whole (see ``store.indexes_built_after``).
REWRITTEN_TABLES = ("person", "person_link", "golden_value")
# Their indexes that rows are written in the order of (links by record, all of one run;
# golden values by person and field; new persons all active), so kept up as they go.
INDEXES_IN_WRITE_ORDER = (
    "ix_person_link_run_id",
    "ix_golden_value_person_field",
    "ix_person_status",
)
PERSON_COLUMNS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "postcode",
    "record_count",
    "has_conflicts",
]


@dataclass(frozen=True)
class Held:
    """Persons whose processing is restricted (UK GDPR Art 18), and their source records.

    Linkage leaves them exactly as they are: their records are neither scored, clustered,
    merged nor split, and their person, links and golden values are not rewritten.
    """

    person_ids: frozenset[str] = frozenset()
    record_ids: frozenset[int] = frozenset()


def held_out(*, session: Session) -> Held:
    """What a run must leave alone today (``rights.service.restricted_person_ids``)."""
    from familyhub.rights.service import restricted_person_ids

    persons = restricted_person_ids(session)
    if not persons:
        return Held()
    records: set[int] = set()
    ordered = sorted(persons)
    for i in range(0, len(ordered), 500):
        records |= {
            int(r)
            for r in session.scalars(
                select(PersonLink.source_record_id).where(
                    PersonLink.person_id.in_(ordered[i : i + 500])
                )
            )
        }
    return Held(frozenset(persons), frozenset(records))


def without_held(records: pa.Table, held: Held) -> pa.Table:
    """``records`` without the rows of persons whose processing is restricted."""
    if not held.record_ids or records.num_rows == 0:
        return records
    import pyarrow.compute as pc

    keep = pc.invert(pc.is_in(records["id"], value_set=pa.array(sorted(held.record_ids))))
    return records.filter(keep)


def cache_path() -> Path:
    """The DuckDB file holding the last run's prepared records, links and model."""
    path = get_settings().data_dir / "linkage" / "linkage.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def active_model(*, session: Session) -> LinkageModel | None:
    return session.scalars(
        select(LinkageModel)
        .where(LinkageModel.status == "active")
        .order_by(LinkageModel.id.desc())
        .limit(1)
    ).first()


def save_model(
    *,
    session: Session,
    trained: dict[str, Any],
    summary: dict[str, Any],
    actor: str,
    run_id: int | None,
) -> LinkageModel:
    """Keep a trained model as the active one; earlier models are retired, not deleted."""
    session.execute(
        update(LinkageModel).where(LinkageModel.status == "active").values(status="retired")
    )
    version = f"{MODEL_NAME}@{utcnow().strftime('%Y%m%dT%H%M%S%f')}"
    saved = LinkageModel(
        version=version,
        status="active",
        dialect="duckdb",
        settings=trained,
        training_summary=summary,
        trained_by=actor,
        run_id=run_id,
    )
    session.add(saved)
    session.flush()
    return saved


def load_decisions(*, session: Session) -> pipeline.Decisions:
    """Every manual decision; the latest about a pair stands (someone changed their mind)."""
    latest: dict[tuple[int, int], str] = {}
    for row in session.scalars(select(ManualDecision).order_by(ManualDecision.id)):
        latest[(int(row.record_a), int(row.record_b))] = row.decision
    decisions = pipeline.Decisions()
    for pair, decision in latest.items():
        (decisions.links if decision == "link" else decisions.do_not_link).append(pair)
    return decisions


def export_links(*, session: Session, out: Path) -> int:
    """Write ``source, source_record_id, person_id`` for every current link (CSV or Parquet)."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = store.read_arrow(
        session,
        "select source, record_id as source_record_id, person_id from person_link "
        "order by source, record_id",
    )
    table = table.cast(
        pa.schema(
            [
                ("source", pa.string()),
                ("source_record_id", pa.string()),
                ("person_id", pa.string()),
            ]
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(table, out)
    elif suffix == ".csv":
        pa_csv.write_csv(table, out)
    else:
        raise ValueError(f"write links as .csv or .parquet, not {suffix or 'no extension'}")
    return table.num_rows


def link(
    *,
    session: Session,
    actor: str,
    retrain: bool = False,
    records: pa.Table | None = None,
    link_probability: float = pipeline.LINK_PROBABILITY,
    review_probability: float = pipeline.REVIEW_PROBABILITY,
    cache: Path | None = None,
    scorer: pipeline.Scorer | None = None,
) -> dict[str, Any]:
    """Full linkage run over every source record; returns the run summary.

    ``scorer``: score pairs on another backend (``spark.score_on_spark``); default DuckDB.

    ``records`` replaces reading ``source_record`` (benchmarks feed Arrow tables directly).
    """
    run = start_run(
        session,
        stage="link",
        actor=actor,
        parameters={
            "mode": "full",
            "retrain": retrain,
            "backend": "duckdb" if scorer is None else "spark",
            "link_probability": link_probability,
            "review_probability": review_probability,
        },
    )
    stages = pipeline.Stages()
    if records is None:
        records = store.source_records(session)
    held = held_out(session=session)
    records = without_held(records, held)
    stages.lap("read")
    saved = None if retrain else active_model(session=session)
    cache = cache or cache_path()
    tmp_cache = cache.with_suffix(".tmp.duckdb")
    tmp_cache.unlink(missing_ok=True)
    con = pipeline.connect(str(tmp_cache))
    try:
        result = pipeline.run(
            con,
            records,
            trained=saved.settings if saved else None,
            decisions=load_decisions(session=session),
            link_probability=link_probability,
            review_probability=review_probability,
            scorer_on=scorer,
        )
        stages.update(result.stages)
        if saved is None:
            saved = save_model(
                session=session,
                trained=result.trained,
                summary=result.training_summary or {},
                actor=actor,
                run_id=run.id,
            )
        stages.mark()
        summary = _write_results(
            session,
            con,
            run_id=run.id,
            model_id=saved.id,
            scope=None,
            link_probability=link_probability,
            held=held,
        )
        stages.lap("write")
        con.execute(
            "create or replace table fh_meta as select ? as model_id, ? as run_id, "
            "? as link_probability, ? as review_probability",
            [saved.id, run.id, link_probability, review_probability],
        )
        _keep_placeholders(con, result.features.placeholders)
        con.execute("checkpoint")
    finally:
        con.close()
    tmp_cache.replace(cache)
    summary.update(
        {
            "model_version": saved.version,
            "features": asdict(result.features),
            "clustering": asdict(result.clusters),
            "pairs_scored": result.pairs_scored,
            "restricted_persons_left_as_they_were": len(held.person_ids),
            **stages.summary(),
            "warnings": result.features.warnings + _cluster_warnings(result),
        }
    )
    finish_run(run, summary=summary)
    session.flush()
    summary["run_id"] = run.id
    return summary


def _keep_placeholders(con: duckdb.DuckDBPyConnection, found: list[dict[str, Any]]) -> None:
    """Keep what this run blanked as placeholders, so that ``match`` blanks the same values
    (an implausibly common date of birth is only found by looking at everyone)."""
    table = pa.table(
        {
            "field": pa.array([str(p["field"]) for p in found], pa.string()),
            "value": pa.array([str(p["value"]) for p in found], pa.string()),
        }
    )
    con.register("fh_placeholders_in", table)
    con.execute("create or replace table fh_placeholders as select * from fh_placeholders_in")
    con.unregister("fh_placeholders_in")


def _cluster_warnings(result: pipeline.PipelineResult) -> list[str]:
    warnings = []
    for item in result.clusters.oversized_clusters:
        warnings.append(
            f"cluster of {item['records']} linkage units around record {item['cluster_id']} "
            "is larger than any real person's: it was rebuilt under the cannot-link rules; "
            "check for a placeholder value"
        )
    for item in result.features.placeholders:
        warnings.append(
            f"placeholder {item['field']} '{item['value']}' on {item['records']} records "
            "was ignored for linkage"
        )
    return warnings


def _previous_links(session: Session, con: duckdb.DuckDBPyConnection, held: Held) -> None:
    """Table ``fh_prev``: every stored link (a full run may keep, split, merge or retire any
    person); an incremental run reads its scope's (``changes.read_previous``)."""
    previous = store.read_rows(
        session,
        "select source_record_id as id, person_id from person_link",
        pa.schema([("id", pa.int64()), ("person_id", pa.string())]),
    )
    # A restricted person is out of this run: not kept, merged, split or retired by it.
    previous = without_held(previous, held)
    con.register("fh_prev_in", previous)
    con.execute(
        "create or replace table fh_prev as select id::bigint as unique_id, "
        "person_id::varchar as person_id from fh_prev_in"
    )
    con.unregister("fh_prev_in")


def _write_results(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: int,
    model_id: int,
    scope: set[str] | None,
    link_probability: float,
    held: Held,
) -> dict[str, Any]:
    """Assign ids and write persons, links, golden values, id events and the review queue.

    ``scope``: the previous persons this run re-clustered (incremental); None for all.
    ``held``: restricted persons, whose links and golden values stay as they are.
    """
    if scope is None:
        _previous_links(session, con, held)
    else:
        changes.read_previous(
            session,
            con,
            scope=scope,
            changed=[int(i) for (i,) in con.sql("select id from fh_changed").fetchall()],
            held_records=held.record_ids,
        )
    con.execute(
        "create or replace table fh_rc as select id as unique_id, cluster_id from fh_record_cluster"
    )
    assignment = persons.assign(con, clusters="fh_rc", previous="fh_prev", scope_person_ids=scope)
    decisions = load_decisions(session=session)
    manual_ids = {r for pair in decisions.links for r in pair}
    pipeline.build_link_rows(con, assignment.person_of_cluster, manual_ids)
    golden.build(con, raw="fh_raw", record_person="fh_record_person")
    rectified = corrections.apply_in_run(session, con, merged=assignment.merged)
    # A full run rewrites (nearly) every person, link and golden value: on SQLite (and on
    # PostgreSQL into empty tables) their secondary indexes are built once afterwards rather
    # than kept up row by row.
    with store.indexes_built_after(
        session, REWRITTEN_TABLES if scope is None else (), kept=INDEXES_IN_WRITE_ORDER
    ):
        counts = _write_rows(
            session, con, assignment, run_id=run_id, model_id=model_id, scope=scope, held=held
        )
    queue = _write_review_queue(
        session,
        con,
        assignment,
        run_id=run_id,
        link_probability=link_probability,
        scope=scope,
        held=held,
    )
    events: dict[str, int] = {}
    for e in assignment.events:
        events[e.event] = events.get(e.event, 0) + 1
    return {
        **counts,
        "persons": len(set(assignment.person_of_cluster.values())),
        "id_events": events,
        "review_queue_open": queue,
        "corrections": rectified,
    }


def _write_rows(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    assignment: persons.Assignment,
    *,
    run_id: int,
    model_id: int,
    scope: set[str] | None,
    held: Held,
) -> dict[str, Any]:
    """Persons, links, golden values and id events; returns the links and values written."""
    now = utcnow()
    _write_persons(session, con, assignment, run_id=run_id, now=now)
    if scope is not None:
        # Only what changed is written: most of the scope's rows are as they were.
        touched = {
            str(p) for (p,) in con.sql("select distinct person_id from fh_link_rows").fetchall()
        }
        counts = changes.write(
            session,
            con,
            run_id=run_id,
            model_id=model_id,
            golden_persons=touched | set(assignment.merged) | assignment.retired,
        )
        _write_id_events(session, assignment, run_id=run_id, now=now)
        return counts
    if not held.person_ids:
        session.execute(text("delete from person_link"))
        session.execute(text("delete from golden_value"))
    else:
        kept = sorted(held.person_ids)
        marks = ", ".join(f":p{i}" for i in range(len(kept)))
        values = {f"p{i}": p for i, p in enumerate(kept)}
        session.execute(text(f"delete from person_link where person_id not in ({marks})"), values)
        session.execute(text(f"delete from golden_value where person_id not in ({marks})"), values)
    # Values are rendered for the database inside DuckDB (text timestamps, JSON text,
    # integer booleans), so rows go to the driver without per-value work in Python.
    postgres = store.is_postgres(session)
    stamp = store.timestamp_sql(postgres)
    flag = "chosen" if postgres else "chosen::int"
    n_links = store.insert_query(
        session,
        "person_link",
        ["source_record_id", "source", "record_id", "person_id", "kind", "score",
         "match_probability", "model_id", "run_id", "linked_at"],
        con,
        "select id, source, record_id, person_id, kind, score, match_probability, "
        f"{int(model_id)}, {int(run_id)}, {stamp.format('now()::timestamp')} from fh_link_rows "
        "order by id",
    )  # fmt: skip
    n_golden = store.insert_query(
        session,
        "golden_value",
        ["person_id", "field", "value", "chosen", "sources", "source_count", "last_seen", "rule"],
        con,
        f"select person_id, field, value, {flag}, sources, source_count, "
        f"{stamp.format('last_seen')}, rule from fh_golden order by person_id, field",
    )  # fmt: skip
    _write_id_events(session, assignment, run_id=run_id, now=now)
    return {"records_linked": n_links, "golden_values": n_golden}


def _write_id_events(
    session: Session, assignment: persons.Assignment, *, run_id: int, now: datetime
) -> None:
    postgres = store.is_postgres(session)
    store.bulk_insert(
        session,
        "person_id_event",
        ["run_id", "event", "person_id", "other_person_id", "records_moved", "reason", "at"],
        # One per person on a first run: the time is rendered once, not per row.
        (
            (run_id, e.event, e.person_id, e.other_person_id, e.records_moved, e.reason, at)
            for at in [store.timestamp_text(now, postgres)]
            for e in assignment.events
        ),
        prepared=True,
    )


def _write_persons(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    assignment: persons.Assignment,
    *,
    run_id: int,
    now: datetime,
) -> None:
    postgres = store.is_postgres(session)
    rendered = [
        "date_of_birth::varchar" if c == "date_of_birth" else
        ("has_conflicts" if postgres else "has_conflicts::int") if c == "has_conflicts" else c
        for c in PERSON_COLUMNS
    ]  # fmt: skip
    if session.execute(text("select 1 from person limit 1")).first() is None:
        # The first run: every person is new, so no staging table and no update.
        stamp = store.timestamp_sql(postgres).format(f"'{now.isoformat()}'::timestamptz")
        store.insert_query(
            session,
            "person",
            ["id", "status", "created_at", "updated_at", "last_run_id", *PERSON_COLUMNS],
            con,
            f"select person_id, 'active', {stamp}, {stamp}, {int(run_id)}, "
            f"{', '.join(rendered)} from fh_person_summary order by person_id",
        )
        return
    temp = "fh_tmp_person"
    session.execute(text(f"drop table if exists {temp}"))
    session.execute(
        text(
            f"create temporary table {temp} (id varchar(32) primary key, given_name varchar(200),"
            " family_name varchar(200), date_of_birth date, sex varchar(1),"
            " nhs_number varchar(10), postcode varchar(8), record_count integer,"
            " has_conflicts boolean)"
        )
    )
    store.insert_query(
        session,
        temp,
        ["id", *PERSON_COLUMNS],
        con,
        f"select person_id, {', '.join(rendered)} from fh_person_summary",
    )
    columns = ", ".join(PERSON_COLUMNS)
    prefixed = ", ".join(f"t.{c}" for c in PERSON_COLUMNS)
    session.execute(
        text(
            f"insert into person (id, status, created_at, updated_at, last_run_id, {columns}) "
            f"select t.id, 'active', :now, :now, :run, {prefixed} "
            f"from {temp} t where not exists (select 1 from person p where p.id = t.id)"
        ),
        {"now": now, "run": run_id},
    )
    sets = ", ".join(f"{c} = {temp}.{c}" for c in PERSON_COLUMNS)
    # A person whose headline values are as they were is left as it was (updated_at and
    # last_run_id say when it last changed): an incremental run re-clusters thousands.
    distinct = "is distinct from" if postgres else "is not"
    differs = " or ".join(f"person.{c} {distinct} {temp}.{c}" for c in PERSON_COLUMNS)
    session.execute(
        text(
            f"update person set {sets}, status = 'active', merged_into = null, "
            f"updated_at = :now, last_run_id = :run from {temp} where person.id = {temp}.id "
            f"and (person.status <> 'active' or person.merged_into is not null or {differs})"
        ),
        {"now": now, "run": run_id},
    )
    session.execute(text(f"drop table {temp}"))
    for old_id, target in assignment.merged.items():
        session.execute(
            update(Person)
            .where(Person.id == old_id)
            .values(status="merged", merged_into=target, updated_at=now, last_run_id=run_id)
        )
    for old_id in assignment.retired:
        session.execute(
            update(Person)
            .where(Person.id == old_id)
            .values(status="retired", updated_at=now, last_run_id=run_id, record_count=0)
        )


def _write_review_queue(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    assignment: persons.Assignment,
    *,
    run_id: int,
    link_probability: float,
    scope: set[str] | None,
    held: Held,
) -> int:
    """Open a review item for each uncertain pair; earlier open items no longer found go stale.

    ``scope`` (incremental runs): only items whose two records were both re-clustered (so
    their pair was scored again) can go stale; an item with one record outside the run
    stays as it was. Items about a restricted person's records wait, as the person does.
    """
    candidates = pipeline.review_candidates(con, link_probability=link_probability)
    decided = {
        (min(a, b), max(a, b))
        for a, b in session.execute(select(ManualDecision.record_a, ManualDecision.record_b))
    }
    # Every open or stale item as (id, status): only those this run changes become objects
    # (an incremental run changes a few hundred of tens of thousands).
    existing: dict[tuple[int, int], tuple[int, str]] = {
        (int(a), int(b)): (int(i), str(status))
        for i, a, b, status in session.execute(
            select(
                ReviewPair.id, ReviewPair.record_a, ReviewPair.record_b, ReviewPair.status
            ).where(ReviewPair.status.in_(["open", "stale"]))
        )
    }
    wanted: dict[tuple[int, int], tuple[Any, ...]] = {}
    for a, b, weight, probability, cluster_a, cluster_b, reason in candidates:
        key = (int(a), int(b))
        if key in decided:
            continue
        wanted[key] = (
            float(weight),
            float(probability),
            assignment.person_of_cluster.get(int(cluster_a)),
            assignment.person_of_cluster.get(int(cluster_b)),
            str(reason),
        )
    in_scope = (
        None
        if scope is None
        else {int(u) for (u,) in con.sql("select unique_id from fh_records").fetchall()}
    )
    going_stale = []
    for key, (item_id, status) in existing.items():
        if key in wanted or status != "open":
            continue
        if key[0] in held.record_ids or key[1] in held.record_ids:
            continue
        # An incremental run re-scores a pair only when it re-clusters both its records.
        if in_scope is None or (key[0] in in_scope and key[1] in in_scope):
            going_stale.append(item_id)
    changing = going_stale + [existing[k][0] for k in wanted if k in existing]
    items = {
        (item.record_a, item.record_b): item
        for i in range(0, len(changing), 500)
        for item in session.scalars(
            select(ReviewPair).where(ReviewPair.id.in_(changing[i : i + 500]))
        )
    }
    stale_ids = set(going_stale)
    for item in items.values():
        if item.id in stale_ids:
            item.status = "stale"
    new_rows: list[tuple[Any, ...]] = []
    for key, (weight, probability, person_a, person_b, reason) in wanted.items():
        found = items.get(key)
        if found is not None:
            found.status = "open"
            found.match_weight, found.match_probability = weight, probability
            found.person_a, found.person_b, found.reason, found.run_id = (
                person_a,
                person_b,
                reason,
                run_id,
            )
        else:
            new_rows.append(
                (*key, person_a, person_b, weight, probability, reason, "open", run_id, utcnow())
            )
    store.bulk_insert(
        session,
        "review_pair",
        ["record_a", "record_b", "person_a", "person_b", "match_weight", "match_probability",
         "reason", "status", "run_id", "created_at"],
        new_rows,
    )  # fmt: skip
    session.flush()
    return len(wanted)

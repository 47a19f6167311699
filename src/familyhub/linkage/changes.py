"""An incremental run writes only the links and golden values it changed.

An incremental run re-clusters the persons its new records touch (10,000 new records against
1,000,000 people: about 10,700 persons, 130,000 links, as many golden values) and finds most of
their links exactly as they were. Deleting every such row and inserting it again cost most of
the run: each link sits in the table and four indexes. Here the stored rows of the persons in
scope are read once, compared with this run's rows inside DuckDB, and only the difference is
written: a row that is the same is left alone (its id, run and time kept); a row that differs
is updated in place; a row that went is deleted; a new one is inserted. The tables end up
holding the same rows as a delete-and-insert would leave, apart from the ids, run and time of
the rows that did not change.

A full run still rewrites everything (``service._write_rows``): it changes nearly every row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from familyhub.linkage import store

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

LINK_COLUMNS = ["source", "record_id", "person_id", "kind", "score", "match_probability"]
GOLDEN_COLUMNS = ["chosen", "sources", "source_count", "last_seen", "rule"]


def _keys(session: Session, name: str, sql_type: str, values: Iterable[Any]) -> str:
    """A temporary table ``name (k)`` of ``values`` in the application database, so that the
    rows of thousands of persons come in one indexed join instead of lists of parameters."""
    session.execute(text(f"drop table if exists {name}"))
    session.execute(text(f"create temporary table {name} (k {sql_type} primary key)"))
    store.bulk_insert(session, name, ["k"], ((v,) for v in sorted(set(values))), prepared=True)
    return name


def _drop(session: Session, *names: str) -> None:
    for name in names:
        session.execute(text(f"drop table if exists {name}"))


def read_previous(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    *,
    scope: set[str],
    changed: list[int],
    held_records: frozenset[int],
) -> None:
    """Tables ``fh_prev_links`` (the stored links this run may change, every column it
    compares) and ``fh_prev`` (``unique_id, person_id``: the scope's, for ``persons.assign``).

    The links that may change are the scope's persons' and the changed records' (a changed
    record's link is replaced even where its person is out of scope). A restricted person's
    links are neither: they stay as they are.
    """
    persons = _keys(session, "fh_tmp_scope", "varchar(32)", scope)
    records = _keys(session, "fh_tmp_changed", "bigint", changed)
    postgres = store.is_postgres(session)
    columns = (
        "id, source_record_id, source, record_id, person_id, kind, "
        f"{store.double_text_sql('score', postgres)} as score, "
        f"{store.double_text_sql('match_probability', postgres)} as match_probability, model_id"
    )
    previous = store.read_rows(
        session,
        f"select {columns} from person_link where person_id in (select k from {persons}) "
        f"union all select {columns} from person_link "
        f"where source_record_id in (select k from {records}) "
        f"and person_id not in (select k from {persons})",
        pa.schema(
            [
                ("id", pa.int64()),
                ("source_record_id", pa.int64()),
                ("source", pa.string()),
                ("record_id", pa.string()),
                ("person_id", pa.string()),
                ("kind", pa.string()),
                ("score", pa.string()),
                ("match_probability", pa.string()),
                ("model_id", pa.int64()),
            ]
        ),
    )
    _drop(session, persons, records)
    con.register("fh_prev_links_in", previous)
    con.register(
        "fh_held_links_in",
        pa.table({"id": pa.array(sorted(held_records), pa.int64())}),
    )
    con.execute(
        """
        create or replace table fh_prev_links as
        select id::bigint as row_id, source_record_id::bigint as source_record_id,
               source::varchar as source, record_id::varchar as record_id,
               person_id::varchar as person_id, kind::varchar as kind, score::double as score,
               match_probability::double as match_probability, model_id::bigint as model_id
        from fh_prev_links_in
        where source_record_id::bigint not in (select id from fh_held_links_in)
        """
    )
    con.unregister("fh_prev_links_in")
    con.unregister("fh_held_links_in")
    con.register(
        "fh_scope_in",
        pa.table({"person_id": pa.array(sorted(scope), pa.string())}),
    )
    con.execute(
        "create or replace table fh_prev as select source_record_id as unique_id, person_id "
        "from fh_prev_links where person_id in (select person_id from fh_scope_in)"
    )
    con.unregister("fh_scope_in")


def write(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: int,
    model_id: int,
    golden_persons: set[str],
) -> dict[str, Any]:
    """Write the difference between ``fh_link_rows`` / ``fh_golden`` and what is stored.

    ``golden_persons``: every person whose golden values this run rewrites (the persons it
    links, merges away or retires); their stored values not in ``fh_golden`` are deleted.
    Returns the rows in scope and the rows inserted, updated and deleted per table.
    """
    links = _write_links(session, con, run_id=run_id, model_id=model_id)
    golden = _write_golden(session, con, persons=golden_persons)
    return {
        "records_linked": int(con.sql("select count(*) from fh_link_rows").fetchall()[0][0]),
        "golden_values": int(con.sql("select count(*) from fh_golden").fetchall()[0][0]),
        "rows_written": {"person_link": links, "golden_value": golden},
    }


def _write_links(
    session: Session, con: duckdb.DuckDBPyConnection, *, run_id: int, model_id: int
) -> dict[str, int]:
    differs = " or ".join(f"p.{c} is distinct from n.{c}" for c in LINK_COLUMNS)
    con.execute(
        f"""
        create or replace table fh_link_diff as
        select p.row_id,
               case when p.row_id is null then 'insert' when n.id is null then 'delete'
                    else 'update' end as op,
               n.id as source_record_id, {", ".join(f"n.{c}" for c in LINK_COLUMNS)}
        from fh_prev_links p full outer join fh_link_rows n on p.source_record_id = n.id
        where p.row_id is null or n.id is null or {differs}
           or p.model_id is distinct from {int(model_id)}
        """
    )
    postgres = store.is_postgres(session)
    return _apply(
        session,
        con,
        table="person_link",
        diff="fh_link_diff",
        columns={
            "source_record_id": "bigint",
            "source": "varchar(64)",
            "record_id": "varchar(128)",
            "person_id": "varchar(32)",
            "kind": "varchar(8)",
            "score": "double precision",
            "match_probability": "double precision",
            "model_id": "integer",
            "run_id": "integer",
            "linked_at": "timestamp with time zone" if postgres else "varchar(40)",
        },
        rendered={
            "model_id": str(int(model_id)),
            "run_id": str(int(run_id)),
            "linked_at": store.timestamp_sql(postgres).format("now()::timestamp"),
        },
        # The record is what a link is matched by: it never changes.
        keys=("source_record_id",),
        order="source_record_id",
    )


def _read_previous_golden(
    session: Session, con: duckdb.DuckDBPyConnection, persons: set[str]
) -> None:
    postgres = store.is_postgres(session)
    keys = _keys(session, "fh_tmp_golden_persons", "varchar(32)", persons)
    sources = "sources::text" if postgres else "sources"
    last_seen = store.utc_text_sql("last_seen") if postgres else "last_seen"
    chosen = "chosen::int" if postgres else "chosen"
    previous = store.read_rows(
        session,
        f"select id, person_id, field, value, {chosen} as chosen, {sources} as sources, "
        f"source_count, {last_seen} as last_seen, rule from golden_value "
        f"where person_id in (select k from {keys})",
        pa.schema(
            [
                ("id", pa.int64()),
                ("person_id", pa.string()),
                ("field", pa.string()),
                ("value", pa.string()),
                ("chosen", pa.int64()),
                ("sources", pa.string()),
                ("source_count", pa.int64()),
                ("last_seen", pa.string()),
                ("rule", pa.string()),
            ]
        ),
    )
    _drop(session, keys)
    con.register("fh_prev_golden_in", previous)
    con.execute(
        """
        create or replace table fh_prev_golden as
        select id::bigint as row_id, person_id::varchar as person_id, field::varchar as field,
               value::varchar as value, chosen::boolean as chosen, sources::varchar as sources,
               source_count::bigint as source_count, last_seen::timestamp as last_seen,
               rule::varchar as rule
        from fh_prev_golden_in
        """
    )
    con.unregister("fh_prev_golden_in")


def _write_golden(
    session: Session, con: duckdb.DuckDBPyConnection, *, persons: set[str]
) -> dict[str, int]:
    _read_previous_golden(session, con, persons)
    # Values a person holds twice (a correction that says what another source says) are
    # paired in one order on both sides, so identical rows always meet.
    order = "chosen, rule, sources, source_count, last_seen"
    differs = " or ".join(f"p.{c} is distinct from n.{c}" for c in GOLDEN_COLUMNS)
    con.execute(
        f"""
        create or replace table fh_golden_diff as
        with n as (
            select person_id, field, value, chosen, sources, source_count::bigint as source_count,
                   last_seen::timestamp as last_seen, rule,
                   row_number() over (partition by person_id, field, value order by {order}) as k
            from fh_golden
        ), p as (
            select *, row_number() over (
                partition by person_id, field, value order by {order}, row_id) as k
            from fh_prev_golden
        )
        select p.row_id,
               case when p.row_id is null then 'insert' when n.person_id is null then 'delete'
                    else 'update' end as op,
               n.person_id, n.field, n.value, {", ".join(f"n.{c}" for c in GOLDEN_COLUMNS)}
        from p full outer join n
          on p.person_id = n.person_id and p.field = n.field and p.value = n.value and p.k = n.k
        where p.row_id is null or n.person_id is null or {differs}
        """
    )
    postgres = store.is_postgres(session)
    return _apply(
        session,
        con,
        table="golden_value",
        diff="fh_golden_diff",
        columns={
            "person_id": "varchar(32)",
            "field": "varchar(40)",
            "value": "varchar(500)",
            "chosen": "boolean",
            "sources": "text",
            "source_count": "integer",
            "last_seen": "timestamp with time zone" if postgres else "varchar(40)",
            "rule": "varchar(200)",
        },
        rendered={
            "chosen": "chosen" if postgres else "chosen::int",
            "last_seen": store.timestamp_sql(postgres).format("last_seen"),
        },
        keys=("person_id", "field", "value"),
        order="person_id, field, value",
    )


def _apply(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    diff: str,
    columns: dict[str, str],
    rendered: dict[str, str],
    keys: tuple[str, ...],
    order: str,
) -> dict[str, int]:
    """Apply the DuckDB table ``diff`` (``op``: insert, update or delete the row ``row_id``)
    to ``table``, through a temporary table (COPY on PostgreSQL) and three set statements.

    ``columns``: column -> its SQL type in the temporary table; ``rendered``: column -> the
    DuckDB expression of its value in the database's text form; ``keys``: columns an update
    leaves alone (the row is matched by them, so they are the same); ``order``: insert order.
    """
    counts = dict.fromkeys(("insert", "update", "delete"), 0)
    counts.update(
        {
            str(op): int(n)
            for op, n in con.sql(f"select op, count(*) from {diff} group by 1").fetchall()
        }
    )
    if not any(counts.values()):
        return counts
    postgres = store.is_postgres(session)
    temp = f"fh_tmp_{table}"
    names = list(columns)
    _drop(session, temp)
    session.execute(
        text(
            f"create temporary table {temp} (row_id bigint, op varchar(8), "
            + ", ".join(f"{c} {t}" for c, t in columns.items())
            + ")"
        )
    )
    store.insert_query(
        session,
        temp,
        ["row_id", "op", *names],
        con,
        f"select row_id, op, {', '.join(rendered.get(c, c) for c in names)} from {diff} "
        f"order by {order}",
    )

    def value(column: str, prefix: str = "") -> str:
        # JSON goes through the temporary table as text: PostgreSQL wants it cast back.
        return f"{prefix}{column}::json" if postgres and column == "sources" else prefix + column

    if counts["delete"]:
        session.execute(
            text(f"delete from {table} where id in (select row_id from {temp} where op = 'delete')")
        )
    if counts["update"]:
        sets = ", ".join(f"{c} = {value(c, f'{temp}.')}" for c in names if c not in keys)
        session.execute(
            text(
                f"update {table} set {sets} from {temp} "
                f"where {table}.id = {temp}.row_id and {temp}.op = 'update'"
            )
        )
    if counts["insert"]:
        session.execute(
            text(
                f"insert into {table} ({', '.join(names)}) "
                f"select {', '.join(value(c) for c in names)} from {temp} "
                f"where op = 'insert' order by {order}"
            )
        )
    _drop(session, temp)
    return counts

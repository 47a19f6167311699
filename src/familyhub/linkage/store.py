"""Moving data in bulk between the application database and DuckDB.

Linkage reads every active source record and writes a link per record, a person per cluster
and a handful of golden values per person: hundreds of thousands of rows. Rows go through the
driver directly inside the session's transaction (COPY on PostgreSQL, executemany on SQLite),
so a run still commits everything or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from familyhub.linkage.features import SOURCE_COLUMNS

FETCH_BATCH = 50_000
JSON_BATCH = 200_000


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def read_arrow(session: Session, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
    """Run ``sql`` and return its rows as an Arrow table (columns named as selected)."""
    result = session.execute(text(sql), params or {})
    names = list(result.keys())
    batches: list[pa.RecordBatch] = []
    while rows := result.fetchmany(FETCH_BATCH):
        columns = list(zip(*rows, strict=True))
        batches.append(
            pa.RecordBatch.from_arrays([pa.array(list(c)) for c in columns], names=names)
        )
    if not batches:
        return pa.table({n: pa.array([], pa.string()) for n in names})
    return _unify(batches)


def _unify(batches: list[pa.RecordBatch]) -> pa.Table:
    # A column that is all null in one batch has type null there; promote per column.
    tables = [pa.Table.from_batches([b]) for b in batches]
    return pa.concat_tables(tables, promote_options="permissive")


def source_records(session: Session, *, changed_since: datetime | None = None) -> pa.Table:
    """Active and withdrawn source records (``features.SOURCE_COLUMNS``) as Arrow."""
    columns = ", ".join(SOURCE_COLUMNS)
    if not is_postgres(session):
        where = "" if changed_since is None else " where updated_at > ?"
        params = [] if changed_since is None else [_sqlite_value(changed_since)]
        return _sqlite_as_json(session, f"from source_record{where}", params)
    if changed_since is None:
        return read_arrow(session, f"select {columns} from source_record")  # noqa: S608
    return read_arrow(
        session,
        f"select {columns} from source_record where updated_at > :since",  # noqa: S608
        {"since": changed_since},
    )


# SQLite's page cache while a run writes (negative: KiB): the indexes being filled stay in
# memory instead of being read back page by page (the default is 2 MB).
WRITE_CACHE_KIB = 262_144
SORT_THREADS = 2


def sqlite_indexes(session: Session, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of ``table``'s indexes that back no constraint, exactly as
    SQLite holds them, so that dropping and running the statements again changes nothing."""
    rows = session.execute(
        text(
            "select name, sql from sqlite_master where type = 'index' and tbl_name = :t "
            "and sql is not null order by name"
        ),
        {"t": table},
    )
    return [(str(name), str(sql)) for name, sql in rows]


@contextmanager
def indexes_built_after(
    session: Session, tables: Sequence[str], *, kept: Sequence[str] = ()
) -> Iterator[None]:
    """On SQLite, write ``tables`` with their secondary indexes dropped, and build them again
    with the same statements when the block ends (PostgreSQL: nothing changes).

    ``kept``: indexes left in place because rows arrive in their order (appending to a
    B-tree costs less than sorting it afresh).

    For writes that replace (nearly) every row: one sort per index instead of millions of
    scattered B-tree inserts. It all happens in the caller's transaction, so a failed run
    rolls the drop back with everything else. PostgreSQL is left alone: dropping an index
    there would lock every reader out of the table until commit.
    """
    if is_postgres(session):
        yield
        return
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    threads = cursor.execute("PRAGMA threads").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
    # Building an index is a sort: SQLite may sort on helper threads (none by default).
    cursor.execute(f"PRAGMA threads = {SORT_THREADS}")
    statements: list[str] = []
    for table in tables:
        for name, sql in sqlite_indexes(session, table):
            if name in kept:
                continue
            session.connection().exec_driver_sql(f'drop index "{name}"')
            statements.append(sql)
    try:
        yield
        for sql in statements:
            session.connection().exec_driver_sql(sql)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.execute(f"PRAGMA threads = {int(threads)}")
        cursor.close()


def _sqlite_as_json(session: Session, from_sql: str, params: list[Any]) -> pa.Table:
    """Source records from SQLite, each row as one JSON object that SQLite writes and Arrow
    parses (in C, batch by batch): one Python string per row instead of one object per value
    (at 1,000,000 people, 3.9 million rows: 23 CPU-s instead of 40). Values keep SQLite's text
    form, as the row-by-row read gave them."""
    import io

    import pyarrow.json as pa_json

    schema = pa.schema([(c, pa.int64() if c == "id" else pa.string()) for c in SOURCE_COLUMNS])
    pairs = ", ".join(f"'{c}', {c}" for c in SOURCE_COLUMNS)
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    cursor.execute(f"select json_object({pairs}) {from_sql}", params)
    options = pa_json.ParseOptions(explicit_schema=schema)
    tables = [schema.empty_table()]
    while rows := cursor.fetchmany(JSON_BATCH):
        data = "\n".join([r[0] for r in rows]).encode()
        tables.append(pa_json.read_json(io.BytesIO(data), parse_options=options))
    cursor.close()
    return pa.concat_tables(tables)


def _copy_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def timestamp_sql(postgres: bool) -> str:
    """A DuckDB expression template rendering a UTC timestamp as the database stores it."""
    if postgres:
        return "strftime({}, '%Y-%m-%d %H:%M:%S.%f+00')"
    return "strftime({}, '%Y-%m-%d %H:%M:%S.%f')"


def timestamp_text(value: datetime, postgres: bool) -> str:
    """``value`` (UTC) as the database stores it, for rows that go in ``prepared``."""
    if postgres:
        return str(_copy_value(value).isoformat())
    return str(_sqlite_value(value))


def stream(con: Any, sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a DuckDB query as tuples, converted a column at a time through Arrow."""
    table = con.sql(sql).to_arrow_table()
    for batch in table.to_batches(FETCH_BATCH):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def bulk_insert(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: bool = False,
) -> int:
    """Insert ``rows`` into ``table`` within the session's transaction; returns the count.

    ``prepared``: the values are already in the database's text form (see ``stream`` and
    ``timestamp_sql``), so they go to the driver untouched.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    count = 0
    column_list = ", ".join(columns)
    if is_postgres(session):
        cursor = raw.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row if prepared else [_copy_value(v) for v in row])
                count += 1
        return count
    cursor = raw.cursor()  # type: ignore[union-attr]
    marks = ", ".join("?" for _ in columns)
    batch: list[Sequence[Any]] = []
    sql = f"insert into {table} ({column_list}) values ({marks})"  # noqa: S608
    for row in rows:
        batch.append(row if prepared else [_sqlite_value(v) for v in row])
        if len(batch) >= FETCH_BATCH:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff' text in SQLite.
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return _copy_value(value)

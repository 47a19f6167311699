"""Moving data in bulk between the application database and DuckDB.

Linkage reads every active source record and writes a link per record, a person per cluster
and a handful of golden values per person: hundreds of thousands of rows. Rows go through the
driver directly inside the session's transaction (COPY on PostgreSQL, executemany on SQLite),
so a run still commits everything or nothing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from familyhub.linkage.features import SOURCE_COLUMNS

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

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
    """Active and withdrawn source records (``features.SOURCE_COLUMNS``) as Arrow.

    Every value but the id comes as text, in the same form from either database (dates
    ``YYYY-MM-DD``, times UTC ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    schema = pa.schema([(c, pa.int64() if c == "id" else pa.string()) for c in SOURCE_COLUMNS])
    if not is_postgres(session):
        where = "" if changed_since is None else " where updated_at > ?"
        params = [] if changed_since is None else [_sqlite_value(changed_since)]
        columns = ", ".join(SOURCE_COLUMNS)
        return read_rows(session, f"select {columns} from source_record{where}", schema, params)
    rendered = {
        "date_of_birth": "to_char(date_of_birth, 'YYYY-MM-DD')",
        "updated_at": utc_text_sql("updated_at"),
    }
    where = ""
    if changed_since is not None:
        # COPY takes no parameters: the time is ours, rendered as a literal.
        since = changed_since.astimezone(UTC) if changed_since.tzinfo else changed_since
        where = f" where updated_at > '{since.replace(tzinfo=None).isoformat(sep=' ')}+00'"
    select = ", ".join(f"{rendered.get(c, c)} as {c}" for c in SOURCE_COLUMNS)
    return read_rows(session, f"select {select} from source_record{where}", schema)


def utc_text_sql(column: str) -> str:
    """PostgreSQL: a timestamptz as UTC text in SQLite's form ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return f"to_char({column} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"


def double_text_sql(column: str, postgres: bool) -> str:
    """A double as text that reads back to the same double (SQLite's JSON keeps only 15
    digits; PostgreSQL's text form is already the shortest exact one)."""
    if postgres:
        return f"{column}::text"
    return f"case when {column} is null then null else printf('%!.17g', {column}) end"


def read_rows(
    session: Session, sql: str, schema: pa.Schema, params: Sequence[Any] = ()
) -> pa.Table:
    """The rows of ``sql`` (columns named as ``schema``'s) as an Arrow table of ``schema``,
    parsed by Arrow in C rather than as a Python object per value: SQLite writes each row as
    one JSON object, PostgreSQL sends CSV (``COPY ... TO STDOUT``). Types other than
    integers and text: render them as text in ``sql`` (``utc_text_sql``, ``double_text_sql``).
    ``params``: SQLite only (``?``); COPY takes none."""
    if is_postgres(session):
        return _postgres_as_csv(session, sql, schema)
    return _sqlite_as_json(session, sql, schema, list(params))


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
    with the same statements when the block ends (PostgreSQL: only into empty tables).

    ``kept``: indexes left in place because rows arrive in their order (appending to a
    B-tree costs less than sorting it afresh).

    For writes that replace (nearly) every row: one sort per index instead of millions of
    scattered B-tree inserts. It all happens in the caller's transaction, so a failed run
    rolls the drop back with everything else. On PostgreSQL dropping an index locks every
    reader out of the table until commit, so it is done only on a first run, into empty
    tables (``_postgres_indexes_built_after``; ``kept`` does not apply there).
    """
    if is_postgres(session):
        with _postgres_indexes_built_after(session, tables):
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


def postgres_indexes(session: Session, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of ``table``'s indexes that back no constraint, as
    ``pg_get_indexdef`` gives them (running them again builds the same indexes)."""
    rows = session.execute(
        text(
            "select i.relname, pg_get_indexdef(i.oid) from pg_index x "
            "join pg_class i on i.oid = x.indexrelid "
            "where x.indrelid = to_regclass(:t) "
            "and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid) "
            "order by i.relname"
        ),
        {"t": table},
    )
    return [(str(name), str(sql)) for name, sql in rows]


@contextmanager
def _postgres_indexes_built_after(session: Session, tables: Sequence[str]) -> Iterator[None]:
    """PostgreSQL: only when every table is empty (the first run), drop their secondary
    indexes and build them after the rows are in (one sort each instead of millions of
    scattered inserts: at 1,000,000 people 3.9 million links and 4.7 million golden values).
    Dropping an index locks the table until commit, so readers wait for the run then; with
    nothing in the tables yet there is nothing they miss. Once the tables hold rows the
    indexes stay (a later run must not lock the single view out for minutes)."""
    empty = bool(tables) and all(
        session.execute(text(f"select 1 from {t} limit 1")).first() is None for t in tables
    )
    statements: list[str] = []
    if empty:
        for table in tables:
            for name, sql in postgres_indexes(session, table):
                session.execute(text(f'drop index "{name}"'))
                statements.append(sql)
    yield
    if statements:
        # Each build sorts in memory up to this much (the default, 64 MB, spills to disk).
        session.execute(text("set local maintenance_work_mem = '256MB'"))
        for sql in statements:
            session.execute(text(sql))


def _sqlite_as_json(session: Session, sql: str, schema: pa.Schema, params: list[Any]) -> pa.Table:
    """Each row as one JSON object that SQLite writes and Arrow parses (in C, batch by
    batch): one Python string per row instead of one object per value (source records at
    1,000,000 people, 3.9 million rows: 23 CPU-s instead of 40)."""
    import pyarrow.json as pa_json

    pairs = ", ".join(f"'{c}', {c}" for c in schema.names)
    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    cursor.execute(f"select json_object({pairs}) from ({sql})", params)
    options = pa_json.ParseOptions(explicit_schema=schema)
    tables = [schema.empty_table()]
    while rows := cursor.fetchmany(JSON_BATCH):
        data = "\n".join([r[0] for r in rows]).encode()
        tables.append(pa_json.read_json(io.BytesIO(data), parse_options=options))
    cursor.close()
    return pa.concat_tables(tables).select(schema.names)


class _CopyOut(io.RawIOBase):
    """A file over a ``COPY ... TO STDOUT`` (one message a row), for Arrow's CSV reader."""

    def __init__(self, copy: Any) -> None:
        self._messages = iter(copy)
        self._left = b""

    def readable(self) -> bool:
        return True

    def empty(self) -> bool:
        """No rows at all (Arrow's reader refuses an empty file)."""
        if not self._left:
            message = next(self._messages, None)
            self._left = b"" if message is None else bytes(message)
        return not self._left

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        parts, size = [self._left], len(self._left)
        while size < wanted:
            message = next(self._messages, None)
            if message is None:
                break
            parts.append(bytes(message))
            size += len(parts[-1])
        data = b"".join(parts)
        n = min(wanted, len(data))
        buffer[:n] = data[:n]
        self._left = data[n:]
        return n


def _postgres_as_csv(session: Session, sql: str, schema: pa.Schema) -> pa.Table:
    """Rows as CSV (``COPY ... TO STDOUT``) that Arrow parses in C. PostgreSQL's CSV quotes
    an empty string and leaves a null bare, which the reader keeps apart."""
    import pyarrow.csv as pa_csv

    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        stream = _CopyOut(copy)
        if stream.empty():
            return schema.empty_table()
        table = pa_csv.read_csv(
            io.BufferedReader(stream, 1 << 22),
            read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    return table.select(schema.names).cast(schema)


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


def insert_query(session: Session, table: str, columns: Sequence[str], con: Any, sql: str) -> int:
    """Insert the rows of the DuckDB query ``sql`` (values in the database's text form, see
    ``timestamp_sql``) into ``table``; returns the count.

    PostgreSQL: Arrow writes each batch as CSV and ``COPY ... (FORMAT csv)`` reads it, so
    no row becomes Python objects (links and golden values at 1,000,000 people are 8.6
    million rows). Arrow quotes every string and leaves nulls bare, which is how PostgreSQL's
    CSV tells an empty string from a null; doubles are written in their shortest exact form.
    SQLite: the rows go through ``executemany`` (``stream``).
    """
    if not is_postgres(session):
        return bulk_insert(session, table, columns, stream(con, sql), prepared=True)
    import pyarrow.csv as pa_csv

    raw = session.connection().connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    options = pa_csv.WriteOptions(include_header=False)
    count = 0
    reader = con.sql(sql).to_arrow_reader(FETCH_BATCH * 4)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
        for batch in reader:
            buffer = io.BytesIO()
            pa_csv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())
            count += batch.num_rows
    return count


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
    sql = f"insert into {table} ({column_list}) values ({marks})"
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

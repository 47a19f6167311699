"""Moving whole tables between the database and Arrow, fast, on SQLite and PostgreSQL.

Families and needs are computed set-based in DuckDB over Arrow tables; these helpers read the
inputs out of the database and write the results back without a Python object per row:
PostgreSQL uses COPY both ways, SQLite a raw cursor with ``executemany``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import inspect
from sqlalchemy.orm import Session

BATCH = 50_000


def _raw_connection(session: Session) -> Any:
    return session.connection().connection.driver_connection


def read_arrow(session: Session, sql: str, schema: pa.Schema) -> pa.Table:
    """The rows of a SELECT as an Arrow table with ``schema`` (columns in order)."""
    conn = _raw_connection(session)
    if session.get_bind().dialect.name == "postgresql":
        buffer = io.BytesIO()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER false)") as copy,
        ):
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        if not buffer.getbuffer().nbytes:
            return schema.empty_table()
        return pa_csv.read_csv(
            buffer,
            read_options=pa_csv.ReadOptions(column_names=schema.names),
            convert_options=pa_csv.ConvertOptions(
                column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        batches = []
        while rows := cursor.fetchmany(BATCH):
            columns = list(zip(*rows, strict=True))
            batches.append(
                pa.record_batch(
                    [_column(col, field.type) for col, field in zip(columns, schema, strict=True)],
                    schema=schema,
                )
            )
    finally:
        cursor.close()
    return pa.Table.from_batches(batches, schema=schema)


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    # SQLite hands back dates as ISO text (always, for aggregates like min()).
    if pa.types.is_date(kind) and any(isinstance(v, str) for v in values):
        return pa.array([v[:10] if isinstance(v, str) else v for v in values], pa.string()).cast(
            kind
        )
    return pa.array(values, type=kind)


def table_exists(session: Session, name: str) -> bool:
    return inspect(session.connection()).has_table(name)


def write_arrow(session: Session, table: str, data: pa.Table, columns: Sequence[str]) -> int:
    """Append ``data``'s ``columns`` to ``table`` in bulk; returns the number of rows."""
    if data.num_rows == 0:
        return 0
    conn = _raw_connection(session)
    names = ", ".join(columns)
    if session.get_bind().dialect.name == "postgresql":
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for batch in data.select(list(columns)).to_batches(BATCH):
                for row in zip(*(_pg_values(c) for c in batch.columns), strict=True):
                    copy.write_row(row)
        return data.num_rows
    marks = ", ".join("?" for _ in columns)
    cursor = conn.cursor()
    try:
        for batch in data.select(list(columns)).to_batches(BATCH):
            rows = zip(*(_sqlite_values(c) for c in batch.columns), strict=True)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()
    return data.num_rows


def _pg_values(column: pa.Array) -> list[Any]:
    values = column.to_pylist()
    if pa.types.is_list(column.type):
        return [json.dumps(v) if v is not None else None for v in values]
    return values


def _sqlite_values(column: pa.Array) -> list[Any]:
    values = column.to_pylist()
    if pa.types.is_date(column.type):
        return [v.isoformat() if v is not None else None for v in values]
    if pa.types.is_list(column.type):
        return [json.dumps(v) if v is not None else None for v in values]
    return values


def write_csv(path: Path, header: Sequence[str], rows: Any) -> int:
    """Write rows to a CSV file (UTF-8, header first); returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count

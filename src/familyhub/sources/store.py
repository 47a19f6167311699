"""Bulk writes below the ORM: COPY on PostgreSQL, big ``executemany`` batches on SQLite.

Both run on the session's own connection, inside its transaction, so a load is still all or
nothing. Values are converted here to what SQLAlchemy itself would have stored, so the ORM
reads bulk-written rows exactly as it reads its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection


def _sqlite_value(value: Any) -> Any:
    # SQLAlchemy stores SQLite dates as ISO text and datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff'.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class BulkWriter:
    def __init__(self, connection: Connection) -> None:
        self.dialect = connection.dialect.name
        raw: Any = connection.connection.driver_connection
        self._raw = raw
        self._sqlite = self.dialect == "sqlite"
        if self._sqlite:
            # A bigger page cache keeps the indexes being filled in memory during a load.
            self._raw.execute("PRAGMA cache_size = -262144")

    def _marks(self, n: int) -> str:
        return ", ".join(["?" if self._sqlite else "%s"] * n)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cols = ", ".join(columns)
        if self._sqlite:
            cursor = self._raw.cursor()
            # Rows come ready to store (dates and timestamps as text): no per-value work here.
            cursor.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({self._marks(len(columns))})",  # noqa: S608
                rows,
            )
            cursor.close()
            return
        with self._raw.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``sql`` (with ``?`` placeholders) once per row of parameters."""
        if not rows:
            return
        if self._sqlite:
            cursor = self._raw.cursor()
            cursor.executemany(sql, [[_sqlite_value(v) for v in row] for row in rows])
            cursor.close()
            return
        with self._raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement (``?`` placeholders); returns the rows it changed."""
        if self._sqlite:
            cursor = self._raw.cursor()
            cursor.execute(sql, [_sqlite_value(v) for v in params])
            count = int(cursor.rowcount)
            cursor.close()
            return count
        with self._raw.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return int(cursor.rowcount)

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        """(name, CREATE statement) of ``table``'s indexes that back no constraint, exactly as
        the database holds them (so dropping and re-creating them changes nothing): SQLite's
        own text, PostgreSQL's ``pg_get_indexdef``. Primary keys and unique constraints are
        never among them: they guard the data during the load."""
        if self._sqlite:
            sql = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY name"
            )
        else:
            # to_regclass finds the table the way the load's own statements do (search_path).
            sql = (
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = to_regclass(?) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname"
            )
        return [(name, create) for name, create in self.query(sql, (table,))]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._sqlite:
            cursor = self._raw.cursor()
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
            cursor.close()
            return [tuple(r) for r in rows]
        with self._raw.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return [tuple(r) for r in cursor.fetchall()]

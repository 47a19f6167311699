"""Database engine, sessions and the unit of work.

One declarative ``Base`` for every table in every domain package. Code that changes data
runs inside :func:`unit_of_work`, which commits everything or nothing. Bulk loads use the
same engine but may go below the ORM (COPY on PostgreSQL, executemany on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from familyhub.config import get_settings

# Constraint names are explicit so that migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 module starts and ends transactions behind SQLAlchemy's back, which
    # breaks SAVEPOINTs (releasing the first one commits everything). Turn that off here and
    # let SQLAlchemy emit BEGIN itself (see _sqlite_begin), as SQLAlchemy's docs advise.
    dbapi_connection.isolation_level = None
    # WAL lets the web server read while a load writes; foreign keys are off by default in
    # SQLite and we rely on them; busy_timeout stops "database is locked" under light contention.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Execution option naming how a SQLite transaction begins. A deferred BEGIN reads without a
# lock and asks for the write lock at its first write; if another connection wrote in
# between, SQLite refuses at once ("database is locked"): the busy timeout cannot help, as
# waiting would not make the reader's snapshot current. BEGIN IMMEDIATE takes the write lock
# first, so concurrent writers wait their turn (up to the busy timeout) instead.
SQLITE_BEGIN = "familyhub_sqlite_begin"


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: the configured database), creating SQLite's folder."""
    url = url or get_settings().resolved_database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if kwargs.get("isolation_level") != "AUTOCOMMIT":
            event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


_engine: Engine | None = None


def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def reset_engine() -> None:
    """Forget the process-wide engine (after settings change, e.g. in tests)."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    _engine = None


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def writer_session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions for short transactions that read and then write while others do the same
    (a web request: sign-in, an audited view): on SQLite each transaction takes the write
    lock when it begins, so they queue instead of failing. The same as
    :func:`session_factory` on PostgreSQL, whose row locks already queue writers."""
    engine = engine or get_engine()
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{SQLITE_BEGIN: "immediate"})
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose changes are committed together at the end, or rolled back on error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

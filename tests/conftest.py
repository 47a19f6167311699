"""Test fixtures: every test that touches the database gets a clean one.

The database is SQLite by default, or whatever ``FAMILYHUB_DATABASE_URL`` names (CI runs the
suite a second time against PostgreSQL). Two kinds of clean database:

* ``session``: a SQLAlchemy session inside a transaction on a migrated database, rolled back
  after the test (fast; for service-level tests).
* ``fresh_db_url``: a brand-new migrated database of its own (a copy of a migrated template:
  a SQLite file, or a PostgreSQL database made with CREATE DATABASE ... TEMPLATE), for tests
  that open their own connections: the CLI, killed processes, concurrent writers.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from familyhub import db as fh_db
from familyhub.config import get_settings
from familyhub.migrate import upgrade

DB_FIXTURES = {"session", "fresh_db_url", "migrated_url", "fh_env", "db_engine", "_databases"}
_db_tests_passed = {"count": 0}

# Read once, before any test changes the environment: the server CI points the suite at.
_BASE_DATABASE_URL = os.environ.get("FAMILYHUB_DATABASE_URL") or None


def _base_url() -> str | None:
    return _BASE_DATABASE_URL


def backend_name() -> str:
    url = _base_url()
    return make_url(url).get_backend_name() if url else "sqlite"


def _server_url() -> str:
    base = _base_url()
    assert base is not None, "only called when FAMILYHUB_DATABASE_URL names a server"
    return base


def _admin_execute(statement: str) -> None:
    """Run a statement that cannot run in a transaction (CREATE/DROP DATABASE)."""
    engine = fh_db.make_engine(_server_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _postgres_url(database: str) -> str:
    return make_url(_server_url()).set(database=database).render_as_string(hide_password=False)


def _is_postgres() -> bool:
    base = _base_url()
    return base is not None and make_url(base).get_backend_name() == "postgresql"


class _DatabaseFactory:
    """Hands out brand-new migrated databases quickly.

    The migrations run once, into a template; each new database is a copy of it (PostgreSQL
    ``CREATE DATABASE ... TEMPLATE``, or a file copy for SQLite). Running every migration per
    test made the PostgreSQL suite minutes slower.
    """

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.run = uuid.uuid4().hex[:8]
        if _is_postgres():
            self.template = f"fh_tmpl_{self.run}"
            _admin_execute(f'CREATE DATABASE "{self.template}"')
            upgrade(_postgres_url(self.template))
        else:
            self.template = str(tmp_dir / "template.db")
            upgrade(f"sqlite:///{self.template}")
        fh_db.reset_engine()

    def new(self) -> tuple[str, str]:
        """A new migrated database: (url, handle for drop)."""
        name = f"fh_test_{self.run}_{uuid.uuid4().hex[:8]}"
        if _is_postgres():
            _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            return _postgres_url(name), name
        path = self.tmp_dir / f"{name}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}", str(path)

    def drop(self, handle: str) -> None:
        fh_db.reset_engine()
        if _is_postgres():
            _admin_execute(f'DROP DATABASE IF EXISTS "{handle}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(handle + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        if _is_postgres():
            _admin_execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_DatabaseFactory]:
    factory = _DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the developer's ./var or the server's default schema.

    Code that reaches for the configured database without being given one (``fh_env``) gets
    an empty database of the test's own, so the mistake shows as "no such table" instead of
    leaving rows behind for the next test.
    """
    monkeypatch.setenv("FAMILYHUB_DATA_DIR", str(tmp_path / "unconfigured-var"))
    monkeypatch.setenv(
        "FAMILYHUB_DATABASE_URL", f"sqlite:///{tmp_path / 'unconfigured-var' / 'empty.db'}"
    )
    get_settings.cache_clear()
    fh_db.reset_engine()
    yield
    get_settings.cache_clear()
    fh_db.reset_engine()


@pytest.fixture(scope="session")
def migrated_url(_databases: _DatabaseFactory) -> Iterator[str]:
    """One migrated database shared by the session's transactional tests."""
    url, handle = _databases.new()
    yield url
    _databases.drop(handle)


@pytest.fixture(scope="session")
def db_engine(migrated_url: str) -> Iterator[Engine]:
    engine = fh_db.make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session whose every change, commits included, is rolled back after the test."""
    connection = db_engine.connect()
    outer = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield db_session
    finally:
        db_session.close()
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def fresh_db_url(_databases: _DatabaseFactory) -> Iterator[str]:
    """A database of this test's own, migrated to head."""
    url, handle = _databases.new()
    yield url
    _databases.drop(handle)


@pytest.fixture
def fh_env(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """Environment for running familyhub end to end: own data dir and own database."""
    data_dir = tmp_path / "var"
    env = {"FAMILYHUB_DATA_DIR": str(data_dir), "FAMILYHUB_DATABASE_URL": fresh_db_url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    fh_db.reset_engine()
    yield env
    get_settings.cache_clear()
    fh_db.reset_engine()


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.when == "call" and call.excinfo is None:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & DB_FIXTURES:
            _db_tests_passed["count"] += 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if set(getattr(item, "fixturenames", ())) & DB_FIXTURES:
            item.add_marker(pytest.mark.db)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    backend = backend_name()
    count = _db_tests_passed["count"]
    terminalreporter.write_line(f"database tests passed on {backend}: {count}")
    report = os.environ.get("FAMILYHUB_TEST_DB_REPORT")
    if report:
        Path(report).write_text(f"{backend} {count}\n")

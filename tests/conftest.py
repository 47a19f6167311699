"""Test fixtures: every test that touches the database gets a clean one.

The database is SQLite by default, or whatever ``FAMILYHUB_DATABASE_URL`` names (CI runs the
suite a second time against PostgreSQL). Two kinds of clean database:

* ``session``: a SQLAlchemy session inside a transaction on a migrated database, rolled back
  after the test (fast; for service-level tests).
* ``fresh_db_url``: a brand-new migrated database of its own (a temporary SQLite file, or a new
  PostgreSQL schema), for tests that open their own connections: the CLI, killed processes,
  concurrent writers.
"""

from __future__ import annotations

import os
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

DB_FIXTURES = {"session", "fresh_db_url", "migrated_url", "fh_env", "db_engine"}
_db_tests_passed = {"count": 0}


def _base_url() -> str | None:
    return os.environ.get("FAMILYHUB_DATABASE_URL") or None


def backend_name() -> str:
    url = _base_url()
    return make_url(url).get_backend_name() if url else "sqlite"


def _new_postgres_schema(base_url: str) -> tuple[str, str]:
    schema = f"fh_test_{uuid.uuid4().hex[:12]}"
    engine = fh_db.make_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def _drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = fh_db.make_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _new_database(tmp_dir: Path) -> tuple[str, object]:
    """A new empty database URL and a handle for dropping it."""
    base = _base_url()
    if base and make_url(base).get_backend_name() == "postgresql":
        schema, url = _new_postgres_schema(base)
        return url, schema
    return f"sqlite:///{tmp_dir / f'fh-{uuid.uuid4().hex[:8]}.db'}", None


def _drop_database(handle: object) -> None:
    base = _base_url()
    if base and isinstance(handle, str):
        _drop_postgres_schema(base, handle)


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database shared by the session's transactional tests."""
    url, handle = _new_database(tmp_path_factory.mktemp("db"))
    upgrade(url)
    yield url
    fh_db.reset_engine()
    _drop_database(handle)


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
def fresh_db_url(tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, migrated to head."""
    url, handle = _new_database(tmp_path)
    upgrade(url)
    yield url
    fh_db.reset_engine()
    _drop_database(handle)


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

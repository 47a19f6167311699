"""A big first load of a source drops the record and event tables' secondary indexes and
builds them again in the same transaction (SQLite and PostgreSQL): the schema afterwards is
exactly as before, the indexes answer queries, and a refused load leaves them where they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from familyhub.db import make_engine, session_factory
from familyhub.sources.load import _Loader
from familyhub.sources.registry import find_contract
from familyhub.sources.service import ingest_file
from tests.unit.sources.extracts import police_row, write_police

POLICE = find_contract("police_incidents").contract

pytestmark = pytest.mark.db


def _indexes(url: str) -> list[tuple[str, str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name IN ('source_record', 'source_event') ORDER BY name"
                )
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename IN ('source_record', 'source_event') "
                    "ORDER BY indexname"
                )
            )
        found = [(r[0], r[1]) for r in rows]
    engine.dispose()
    return found


def _constraint_indexes(url: str) -> set[str]:
    """The indexes that back a primary key or unique constraint (never dropped)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name IN ('source_record', 'source_event') AND sql IS NULL"
                )
            )
        else:
            names = conn.execute(
                text(
                    "SELECT conindid::regclass::text FROM pg_constraint WHERE conrelid IN "
                    "(to_regclass('source_record'), to_regclass('source_event')) "
                    "AND conindid <> 0"
                )
            )
        found = {r[0] for r in names}
    engine.dispose()
    return found


def _load(url: str, path: Path) -> str:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        outcome = ingest_file(path, POLICE, session=session, actor="test")
        session.commit()
    engine.dispose()
    return outcome.status


def test_indexes_are_rebuilt_after_a_big_first_load(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("familyhub.sources.load.REINDEX_FROM_BYTES", 0)
    rebuilt: list[str] = []
    drop = _Loader._drop_indexes_for_a_big_first_load

    def spy(self: _Loader, existing: dict[str, tuple[int, str, str]]) -> list[str]:
        rebuilt.extend(statements := drop(self, existing))
        return statements

    monkeypatch.setattr(_Loader, "_drop_indexes_for_a_big_first_load", spy)
    before = _indexes(fresh_db_url)
    assert len(before) >= 9
    rows = [police_row(i) for i in range(200)]
    path = write_police(tmp_path / "police_incidents_2026-09-30.csv", rows)
    assert _load(fresh_db_url, path) == "loaded"
    assert _indexes(fresh_db_url) == before
    # The rebuild really ran: every secondary index, none of the constraints' own.
    kept = _constraint_indexes(fresh_db_url)
    assert len(kept) >= 2  # the two unique constraints (and PostgreSQL's primary keys)
    assert sorted(rebuilt) == sorted(sql for name, sql in before if name not in kept)
    engine = make_engine(fresh_db_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM source_record")) == 200
        query = "SELECT id FROM source_record WHERE nhs_number = 'x'"
        if engine.dialect.name == "sqlite":
            plan = conn.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = conn.execute(text(f"EXPLAIN {query}")).all()
        assert "ix_source_record_nhs_number" in str(plan)
        # The rebuilt index holds the loaded rows (read through it: no table scan allowed).
        found = conn.scalar(text("SELECT count(*) FROM source_record WHERE nhs_number > ''"))
        assert found == sum(1 for row in rows if row["nhs_number"]) > 0
    engine.dispose()


def test_a_refused_big_first_load_leaves_the_indexes(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("familyhub.sources.load.REINDEX_FROM_BYTES", 0)
    before = _indexes(fresh_db_url)
    rows = [police_row(i, dob="31/02/2015") for i in range(50)]  # every row quarantined
    path = write_police(tmp_path / "police_incidents_2026-09-30.csv", rows)
    assert _load(fresh_db_url, path) == "refused"
    assert _indexes(fresh_db_url) == before

"""A big first load of a source on SQLite drops the record and event indexes and builds them
again in the same transaction: the schema afterwards is exactly as before, and a refused load
leaves the indexes where they were."""

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
    path = write_police(
        tmp_path / "police_incidents_2026-09-30.csv", [police_row(i) for i in range(200)]
    )
    assert _load(fresh_db_url, path) == "loaded"
    assert _indexes(fresh_db_url) == before
    # The rebuild really ran on SQLite (every secondary index); PostgreSQL keeps its indexes.
    if fresh_db_url.startswith("sqlite"):
        assert sorted(rebuilt) == sorted(sql for _, sql in before if sql)
    else:
        assert rebuilt == []
    engine = make_engine(fresh_db_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM source_record")) == 200
        if engine.dialect.name == "sqlite":
            plan = conn.execute(
                text("EXPLAIN QUERY PLAN SELECT id FROM source_record WHERE nhs_number = 'x'")
            ).all()
            assert "ix_source_record_nhs_number" in str(plan)
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

"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from familyhub.migrate import downgrade, upgrade
from familyhub.models import load_all_models


def test_migrations_match_models(db_engine: Engine) -> None:
    metadata = load_all_models().metadata
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_back(fresh_db_url: str) -> None:
    downgrade(fresh_db_url, "base")
    from familyhub.db import make_engine

    engine = make_engine(fresh_db_url)
    assert "run" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    assert "run" in inspect(engine).get_table_names()
    engine.dispose()

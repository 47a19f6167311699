"""Alembic environment: one metadata for every domain, same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from familyhub.db import make_engine
from familyhub.models import load_all_models

target_metadata = load_all_models().metadata


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

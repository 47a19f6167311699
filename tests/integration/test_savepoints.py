"""A nested transaction's release must not commit the outer one (SQLite's driver did)."""

from sqlalchemy import func, select

from familyhub.db import make_engine
from familyhub.runs import Run, start_run


def test_released_savepoint_is_rolled_back_with_its_outer_transaction(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    with engine.connect() as connection:
        outer = connection.begin()
        nested = connection.begin_nested()
        from sqlalchemy.orm import Session

        with Session(bind=connection) as session:
            start_run(session, stage="ingest", actor="tester", parameters={})
        nested.commit()
        outer.rollback()
    with engine.connect() as connection, Session(bind=connection) as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
    engine.dispose()

import pytest
from sqlalchemy import func, select

from familyhub.db import make_engine, unit_of_work
from familyhub.runs import Run, start_run


def test_unit_of_work_commits_all_or_nothing(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    with unit_of_work(engine) as session:
        start_run(session, stage="ingest", actor="tester", parameters={})
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        start_run(session, stage="link", actor="tester", parameters={})
        raise RuntimeError("crash mid-way")
    with unit_of_work(engine) as session:
        stages = session.scalars(select(Run.stage)).all()
        assert stages == ["ingest"]
        assert session.scalar(select(func.count()).select_from(Run)) == 1
    engine.dispose()

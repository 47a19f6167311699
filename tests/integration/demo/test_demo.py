"""`familyhub demo --no-serve` prepares a working, repeatable demonstration."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from familyhub.access.auth import authenticate
from familyhub.casework.models import Involvement
from familyhub.cli import app
from familyhub.db import unit_of_work
from familyhub.demo.story import DEMO_USERS


@pytest.mark.slow
def test_demo_prepares_story_and_signins_and_is_safe_to_rerun(fh_env: dict[str, str]) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--no-serve", "--people", "1500"])
    assert first.exit_code == 0, first.output
    for user in DEMO_USERS:
        assert user.username in first.output
    assert "early help leads family" in first.output

    passwords = json.loads((Path(fh_env["FAMILYHUB_DATA_DIR"]) / "demo-signins.json").read_text())
    with unit_of_work() as session:
        # The printed sign-ins work.
        for user in DEMO_USERS:
            signed_in = authenticate(
                session, username=user.username, password=passwords[user.username]
            )
            assert signed_in is not None, user.username
        leads = session.scalars(
            select(Involvement).where(Involvement.kind == "lead_practitioner")
        ).all()
        assert len(leads) == 1

    second = runner.invoke(app, ["demo", "--no-serve", "--people", "1500"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert "Person id changes: none" in second.output
    with unit_of_work() as session:
        involvements = session.scalars(select(Involvement)).all()
        # Nothing doubled: one lead, two team members, one allocated social worker at most.
        assert len([i for i in involvements if i.kind == "lead_practitioner"]) == 1
        assert len([i for i in involvements if i.kind == "team_member"]) == 2

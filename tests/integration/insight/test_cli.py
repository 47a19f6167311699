"""The insight commands as a user runs them: clear refusals, nothing written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from familyhub.cli import app

runner = CliRunner()


def test_extract_without_a_master_key_says_how_to_create_one(fh_env, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["insight", "extract", "--purpose", "research", "--out", str(out)])
    assert result.exit_code == 2
    assert "familyhub insight keys init" in result.output
    assert not out.exists()


def test_keys_lifecycle_and_unknown_purpose(fh_env) -> None:
    assert runner.invoke(app, ["insight", "keys", "init"]).exit_code == 0
    again = runner.invoke(app, ["insight", "keys", "init"])
    assert again.exit_code == 2
    assert "already exists" in again.output
    created = runner.invoke(app, ["insight", "keys", "create", "--purpose", "research"])
    assert "key version 1" in created.output
    rotated = runner.invoke(app, ["insight", "keys", "rotate", "--purpose", "research"])
    assert "key version 2" in rotated.output
    listed = runner.invoke(app, ["insight", "keys", "list"])
    assert "research  v1  retired" in listed.output
    unknown = runner.invoke(app, ["insight", "keys", "create", "--purpose", "marketing"])
    assert unknown.exit_code == 2
    assert "Unknown purpose 'marketing'" in unknown.output


def test_counts_with_nothing_assessed_yet_is_refused(fh_env, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    result = runner.invoke(app, ["insight", "counts", "--by", "need,area", "--out", str(out)])
    assert result.exit_code == 2
    assert "nothing to count" in result.output
    assert not out.exists()
    bad = runner.invoke(app, ["insight", "counts", "--by", "need,postcode", "--out", str(out)])
    assert bad.exit_code == 2
    assert "need, area, month" in bad.output


def test_evaluation_return_refused_by_policy_is_kept_in_the_audit_log(
    fh_env, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from familyhub.access.models import Organisation, User
    from familyhub.audit.models import AuditEvent
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        org = Organisation(code="nc-planning", name="Northshire Council", kind="council_service")
        session.add(org)
        session.flush()
        session.add(
            User(username="planner1", display_name="P", organisation_id=org.id, roles=["planner"])
        )
    out = tmp_path / "return.csv"
    result = runner.invoke(
        app,
        [
            "insight", "evaluation-return", "--user", "planner1",
            "--recipient", "Department for Work and Pensions",
            "--agreement", "dwp-supporting-families-dsa-2025", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Refused" in result.output
    assert not out.exists()
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "insight.evaluation_return")
        ).one()
        assert event.actor_username == "planner1"
        assert event.decision == "deny"


def test_extract_of_an_empty_database_says_there_is_nobody(fh_env, tmp_path: Path) -> None:
    assert runner.invoke(app, ["insight", "keys", "init"]).exit_code == 0
    runner.invoke(app, ["insight", "keys", "create", "--purpose", "research"])
    out = tmp_path / "x.csv"
    result = runner.invoke(app, ["insight", "extract", "--purpose", "research", "--out", str(out)])
    assert result.exit_code == 2
    assert "nobody to extract" in result.output
    assert not out.exists()

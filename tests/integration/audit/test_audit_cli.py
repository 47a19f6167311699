"""`familyhub audit verify | who-viewed | alerts | checkpoint` end to end, own database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from familyhub.access import service
from familyhub.audit.models import AuditEvent
from familyhub.cli import app
from familyhub.db import unit_of_work

from ..access.people import organisation, person, user
from .chain_helpers import write_events

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def cli_env(fh_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from familyhub.config import get_settings

    keys = tmp_path / "cli-keys"
    monkeypatch.setenv("FAMILYHUB_KEYS_DIR", str(keys))
    get_settings.cache_clear()
    return keys


def test_verify_exits_zero_on_an_intact_log_and_names_the_first_bad_event(cli_env: Path) -> None:
    with unit_of_work() as session:
        write_events(session, 120)
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "Audit log intact: 120 events, 1 signed checkpoints" in ok.output
    with unit_of_work() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 42).values(action="x"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "First bad event: 42" in bad.output
    assert "Event 42 has been modified" in bad.output


def test_checkpoint_signs_the_head_and_copies_it_outside_the_database(cli_env: Path) -> None:
    with unit_of_work() as session:
        write_events(session, 7)
    result = runner.invoke(app, ["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert "Signed event 7" in result.output
    assert (cli_env / "audit-checkpoints.jsonl").read_text().count("\n") == 1


def test_who_viewed_lists_who_when_and_why_and_is_itself_audited(cli_env: Path) -> None:
    with unit_of_work() as session:
        sw = user(
            session,
            organisation(session, name="Northshire Children's Services"),
            "social_worker",
            username="sam.khan",
        )
        child = person(session)
        service.authorize(
            session, user=sw, action="view", purpose="safeguarding", request_id="r", person_id=child
        )
    result = runner.invoke(app, ["audit", "who-viewed", child])
    assert result.exit_code == 0, result.output
    assert "sam.khan" in result.output
    assert "safeguarding" in result.output
    assert "opened their" in result.output
    with unit_of_work() as session:
        last = session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert last is not None
        assert last.action == "audit.who_viewed"


def test_alerts_are_listed_and_closed_with_a_note(cli_env: Path) -> None:
    with unit_of_work() as session:
        org = organisation(session)
        hv = user(session, org, "health_visitor")
        user(session, org, "information_governance_officer", username="ig.officer")
        service.break_glass(
            session,
            user=hv,
            person_id=person(session),
            purpose="safeguarding",
            justification="child missing overnight, police asking",
            request_id="bg",
        )
    listed = runner.invoke(app, ["audit", "alerts"])
    assert listed.exit_code == 0, listed.output
    assert "break glass" in listed.output
    refused = runner.invoke(app, ["audit", "alerts", "--close", "1"])
    assert refused.exit_code == 1
    assert "review note" in refused.output
    closed = runner.invoke(
        app,
        [
            "audit",
            "alerts",
            "--close",
            "1",
            "--note",
            "Checked with duty manager",
            "--by",
            "ig.officer",
        ],
    )
    assert closed.exit_code == 0, closed.output
    assert "No open alerts" in runner.invoke(app, ["audit", "alerts"]).output


def test_who_viewed_by_a_named_user_needs_information_governance(cli_env: Path) -> None:
    with unit_of_work() as session:
        org = organisation(session)
        user(session, org, "information_governance_officer", username="ig.officer")
        user(session, org, "social_worker", username="nosy.worker")
        child = person(session)
    allowed = runner.invoke(app, ["audit", "who-viewed", child, "--by", "ig.officer"])
    assert allowed.exit_code == 0, allowed.output
    denied = runner.invoke(app, ["audit", "who-viewed", child, "--by", "nosy.worker"])
    assert denied.exit_code == 1
    assert "Only information governance" in denied.output
    unknown = runner.invoke(app, ["audit", "who-viewed", child, "--by", "nobody"])
    assert unknown.exit_code == 1
    with unit_of_work() as session:
        decisions = [
            e.decision
            for e in session.query(AuditEvent)
            .filter(AuditEvent.action == "audit.who_viewed")
            .order_by(AuditEvent.seq)
        ]
    assert decisions == ["allow", "deny", "refused"]

"""`familyhub organisations` and `familyhub users` end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from familyhub.access.auth import authenticate
from familyhub.access.models import User
from familyhub.cli import app
from familyhub.db import unit_of_work

runner = CliRunner(env={"COLUMNS": "200"})


def test_add_list_set_roles_and_disable_a_user(fh_env: dict[str, str]) -> None:
    org = runner.invoke(
        app,
        [
            "organisations",
            "add",
            "nhs",
            "--name",
            "Northshire Community Health NHS Trust",
            "--kind",
            "nhs_trust",
        ],
    )
    assert org.exit_code == 0, org.output
    added = runner.invoke(
        app,
        [
            "users",
            "add",
            "alex.jones",
            "--name",
            "Alex Jones",
            "--organisation",
            "nhs",
            "--role",
            "health_visitor",
        ],
        input="a long synthetic passphrase\na long synthetic passphrase\n",
    )
    assert added.exit_code == 0, added.output
    with unit_of_work() as session:
        assert authenticate(session, username="alex.jones", password="a long synthetic passphrase")
    listed = runner.invoke(app, ["users", "list"])
    assert "alex.jones" in listed.output
    assert "health_visitor" in listed.output
    roles = runner.invoke(app, ["users", "roles", "alex.jones", "--role", "school_nurse"])
    assert roles.exit_code == 0, roles.output
    disabled = runner.invoke(app, ["users", "disable", "alex.jones"])
    assert disabled.exit_code == 0, disabled.output
    with unit_of_work() as session:
        alex = session.query(User).filter_by(username="alex.jones").one()
        assert alex.roles == ["school_nurse"]
        assert alex.disabled
    assert "disabled" in runner.invoke(app, ["users", "list"]).output


def test_bad_input_is_refused_with_a_clear_message(fh_env: dict[str, str]) -> None:
    assert (
        "Unknown kind"
        in runner.invoke(app, ["organisations", "add", "x", "--name", "X", "--kind", "bank"]).output
    )
    unknown_role = runner.invoke(
        app,
        [
            "users",
            "add",
            "a",
            "--name",
            "A",
            "--organisation",
            "x",
            "--role",
            "wizard",
            "--no-password",
        ],
    )
    assert unknown_role.exit_code == 1
    assert "Unknown roles: wizard" in unknown_role.output
    no_org = runner.invoke(
        app,
        [
            "users",
            "add",
            "a",
            "--name",
            "A",
            "--organisation",
            "nowhere",
            "--role",
            "gp",
            "--no-password",
        ],
    )
    assert "No organisation 'nowhere'" in no_org.output
    runner.invoke(app, ["organisations", "add", "gp1", "--name", "GP", "--kind", "gp_practice"])
    short = runner.invoke(
        app,
        ["users", "add", "b", "--name", "B", "--organisation", "gp1", "--role", "gp"],
        input="short\nshort\n",
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output


def test_check_policies_reports_the_count(fh_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["access", "check-policies"])
    assert result.exit_code == 0
    assert "policies parse and validate" in result.output


def test_a_broken_policy_folder_is_refused_with_file_and_line_and_audited(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    from familyhub.access.policy_files import POLICY_DIR
    from familyhub.audit.models import AuditEvent

    folder = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, folder)
    (folder / "90_local.cedar").write_text(
        '\n@id("local.typo")\npermit (principal, action, resource) when { context.purpse };\n'
    )
    result = runner.invoke(app, ["access", "check-policies", "--directory", str(folder)])
    assert result.exit_code == 1
    assert "90_local.cedar:2" in result.output
    with unit_of_work() as session:
        event = session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert event is not None
        assert (event.action, event.decision) == ("access.policy_check", "refused")
        assert event.details["line"] == 2


def test_an_organisation_is_set_to_receive_a_kind_of_referral(fh_env: dict[str, str]) -> None:
    from familyhub.casework.service import default_receiver

    added = runner.invoke(
        app,
        ["organisations", "add", "ns-mash", "--name", "Northshire MASH",
         "--kind", "council_service", "--receives", "mash_referral"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    wrong = runner.invoke(
        app,
        ["organisations", "add", "x", "--name", "X", "--kind", "council_service",
         "--receives", "letter"],
    )  # fmt: skip
    assert wrong.exit_code == 1
    assert "Unknown referral kinds" in wrong.output
    with unit_of_work() as session:
        receiver = default_receiver(session, kind="mash_referral")
        assert receiver is not None
        assert receiver.code == "ns-mash"
        assert default_receiver(session, kind="request_for_support") is None

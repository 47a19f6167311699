"""The web service refuses to start with an access policy that does not validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.access.policy_files import POLICY_DIR, PolicyFileError
from familyhub.audit.models import AuditEvent
from familyhub.db import unit_of_work
from familyhub.web.app import create_app


def _broken_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "council-policies"
    shutil.copytree(POLICY_DIR, folder)
    (folder / "90_local.cedar").write_text(
        "// A council's own rule, with a typo in the context attribute.\n"
        "\n"
        '@id("local.typo")\n'
        "permit (principal, action, resource) when { context.purpse };\n"
    )
    return folder


def test_a_policy_that_does_not_validate_stops_start_up_naming_file_and_line(
    web_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAMILYHUB_ACCESS_POLICIES", str(_broken_policies(tmp_path)))
    with pytest.raises(PolicyFileError) as refused:
        create_app()
    assert refused.value.path.name == "90_local.cedar"
    assert refused.value.line == 3
    assert "90_local.cedar:3" in str(refused.value)
    with unit_of_work() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.policy_check")
        ).one()
        assert event.decision == "refused"
        assert event.actor_username == "web"
        assert event.details["file"].endswith("90_local.cedar")
        assert event.details["line"] == 3


def test_the_policies_in_force_are_the_ones_start_up_checked(
    web_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "council-policies"
    shutil.copytree(POLICY_DIR, folder)
    monkeypatch.setenv("FAMILYHUB_ACCESS_POLICIES", str(folder))
    with TestClient(create_app(), base_url="https://testserver") as client:
        assert client.get("/health").json() == {"status": "ok"}
    with unit_of_work() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.policy_check")
        ).all()
        assert refused == []

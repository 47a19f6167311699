from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from familyhub.cli import app
from familyhub.migrate import alembic_config


def test_help_lists_stages() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "db" in result.output


def test_db_upgrade_reports_head(fh_env: dict[str, str]) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"revision {head}" in result.output

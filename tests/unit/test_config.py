from pathlib import Path

import pytest

from familyhub.config import Settings


def test_default_database_is_sqlite_file_in_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAMILYHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("FAMILYHUB_DATA_DIR", "/srv/fh")
    settings = Settings()
    assert settings.resolved_database_url == "sqlite:////srv/fh/familyhub.db"
    assert settings.resolved_keys_dir == Path("/srv/fh/keys")


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAMILYHUB_DATABASE_URL", "postgresql+psycopg://u@h/d")
    assert Settings().resolved_database_url == "postgresql+psycopg://u@h/d"

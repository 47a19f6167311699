"""DuckDB spills into the data directory, never into the directory a command ran from."""

from __future__ import annotations

from pathlib import Path

import pytest

from familyhub import duck
from familyhub.config import get_settings


def test_duckdb_spills_into_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    con = duck.connect()
    spill = con.execute("SELECT current_setting('temp_directory')").fetchone()
    con.close()
    assert spill is not None
    assert Path(spill[0]) == get_settings().data_dir / "duckdb-tmp"
    assert not (tmp_path / ".tmp").exists()

"""Each test signs audit checkpoints with a key of its own, in a temporary keys directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from familyhub.config import get_settings


@pytest.fixture(autouse=True)
def _own_keys_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    keys = tmp_path / "keys"
    monkeypatch.setenv("FAMILYHUB_KEYS_DIR", str(keys))
    get_settings.cache_clear()
    yield keys
    get_settings.cache_clear()

"""Audit checkpoints signed with a key in a temporary keys directory, for the test folders
that write audit events (their conftest imports these fixtures).

One directory for the whole test session: the shared test database keeps every committed
checkpoint, and they must all verify with the same key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from familyhub.config import get_settings


@pytest.fixture(scope="session")
def _session_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def _own_keys_dir(_session_keys_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAMILYHUB_KEYS_DIR", str(_session_keys_dir))
    get_settings.cache_clear()
    yield _session_keys_dir
    get_settings.cache_clear()

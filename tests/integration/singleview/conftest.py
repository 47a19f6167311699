"""Each test signs audit checkpoints with a temporary key and has a data directory of its
own, so search never scores against a linkage cache left behind by someone's demo.

One keys directory for the whole test session: the shared test database keeps every
committed checkpoint, and they must all verify with the same key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from familyhub.config import get_settings

from .scenario import Scenario, build


@pytest.fixture(scope="session")
def _session_keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def _own_dirs(
    _session_keys_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.setenv("FAMILYHUB_KEYS_DIR", str(_session_keys_dir))
    monkeypatch.setenv("FAMILYHUB_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield _session_keys_dir
    get_settings.cache_clear()


@pytest.fixture
def scenario(session: Session) -> Scenario:
    return build(session)

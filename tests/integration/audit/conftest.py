"""Audit checkpoints in these tests are signed with a key in a temporary keys directory.

One directory for the whole test session: the shared test database keeps every committed
checkpoint, and they must all verify with the same key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from familyhub.config import get_settings
from tests.audit_keys import _own_keys_dir, _session_keys_dir  # noqa: F401


# Asking for ``_own_keys_dir`` (imported above) makes it set up first, so this override wins.
@pytest.fixture
def own_keys_dir(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    _own_keys_dir: Path,  # noqa: F811
) -> Path:
    """A keys directory of the test's own (for a database of its own)."""
    keys = tmp_path / "own-keys"
    monkeypatch.setenv("FAMILYHUB_KEYS_DIR", str(keys))
    get_settings.cache_clear()
    return keys


@pytest.fixture
def own_session(fresh_db_url: str, own_keys_dir: Path) -> Iterator[Session]:
    """A session on a database of the test's own, so the whole chain is the test's."""
    from familyhub.db import make_engine

    engine = make_engine(fresh_db_url)
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session
    engine.dispose()

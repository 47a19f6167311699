"""``familyhub serve`` runs several server processes, so one busy process does not hold every
user up: one per core on PostgreSQL by default, as many as ``--workers`` says."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import psutil
import pytest

from familyhub.web.app import default_workers
from familyhub.web.settings import get_web_settings
from tests.e2e.conftest import start_server, stop_server


def _worker_processes(pid: int) -> list[psutil.Process]:
    """uvicorn's workers: the server's children started by multiprocessing's spawn."""
    return [
        child
        for child in psutil.Process(pid).children(recursive=True)
        if any("spawn_main" in part for part in child.cmdline())
    ]


def test_serve_with_workers_answers_from_several_processes(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    server = start_server({**fh_env, "FAMILYHUB_WEB_WORKERS": "2"}, tmp_path / "server.log")
    try:
        deadline = time.monotonic() + 30
        while len(_worker_processes(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_worker_processes(server.process.pid)) == 2
        with httpx.Client(base_url=server.url) as client:
            for _ in range(6):
                page = client.get("/sign-in")
                assert page.status_code == 200
                assert "Sign in" in page.text
        # The request log reaches the server's log from the worker processes too.
        deadline = time.monotonic() + 10
        while "GET /sign-in 200" not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "GET /sign-in 200" in server.log.read_text()
        assert "2 server processes" in server.log.read_text()
        workers = _worker_processes(server.process.pid)
    finally:
        stop_server(server)
    # Stopping the server stops its workers too: none is left holding the port.
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []


def test_one_process_per_core_on_postgresql_and_one_on_sqlite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAMILYHUB_WEB_WORKERS", raising=False)
    get_web_settings.cache_clear()
    try:
        postgres = "postgresql+psycopg://familyhub@db/familyhub"
        assert default_workers(postgres) == (os.cpu_count() or 1)
        assert default_workers("sqlite:////srv/familyhub/familyhub.db") == 1
        monkeypatch.setenv("FAMILYHUB_WEB_WORKERS", "3")
        get_web_settings.cache_clear()
        assert default_workers(postgres) == 3
        assert default_workers("sqlite:////srv/familyhub/familyhub.db") == 3
    finally:
        get_web_settings.cache_clear()

"""Browser tests: Playwright driving Debian's Chromium against the real server.

The server is ``familyhub serve`` started as a process of its own on 127.0.0.1 and a free
port, with the test's own data directory and database (``fh_env``). Chromium is never
downloaded: the tests use /usr/bin/chromium and skip, saying so, when it is absent.
Every page a test visits can be checked with axe-core (from node_modules) for serious or
critical accessibility violations, and any Content-Security-Policy violation fails the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.web.oidc_provider import free_port

CHROMIUM = Path(os.environ.get("FAMILYHUB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Screenshots go to a temporary folder unless FAMILYHUB_SCREENSHOTS names one
# (`FAMILYHUB_SCREENSHOTS=docs/screenshots make test` refreshes the README's pictures).
SCREENSHOTS_ENV = "FAMILYHUB_SCREENSHOTS"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests skipped: no Chromium at {CHROMIUM} "
            "(install Debian's: apt-get install chromium)"
        )
    if not AXE.exists():
        pytest.skip("browser tests skipped: axe-core not installed (run `make assets`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(env: dict[str, str], log: Path) -> LiveServer:
    port = free_port()
    command = [str(Path(sys.executable).with_name("familyhub")), "serve", "--port", str(port)]
    handle = log.open("wb")
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return LiveServer(url=url, process=process, log=log)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"familyhub serve did not start:\n{log.read_text()}")
        time.sleep(0.1)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def server_env(fh_env: dict[str, str]) -> dict[str, str]:
    """The server's environment; tests may add to it before asking for ``live_server``."""
    return {**fh_env, "FAMILYHUB_COUNCIL_NAME": "Northmoor Council"}


@pytest.fixture
def live_server(server_env: dict[str, str], tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(server_env, tmp_path / "server.log")
    try:
        yield server
    finally:
        stop_server(server)


@dataclass
class Checks:
    """What the browser saw go wrong: console errors, CSP violations, uncaught errors."""

    problems: list[str] = field(default_factory=list)


@pytest.fixture
def checks() -> Checks:
    return Checks()


@pytest.fixture
def page(browser: Any, live_server: LiveServer, checks: Checks) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    # Injected by the DevTools protocol, so our CSP (no inline script) does not block it.
    context.add_init_script(path=str(AXE))
    browser_page = context.new_page()
    browser_page.on(
        "console",
        lambda message: (
            checks.problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    browser_page.on("pageerror", lambda error: checks.problems.append(f"page error: {error}"))
    yield browser_page
    context.close()
    assert not [
        p for p in checks.problems if "Content Security Policy" in p or "page error" in p
    ], checks.problems


def assert_accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in bad
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(details)


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")
    if not folder.is_absolute():
        folder = REPO / folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_as(page: Any, username: str, password: str, *, purpose: str | None = None) -> None:
    """Sign in through the form; with ``purpose`` (its label, e.g. "Safeguarding") state it too."""
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if purpose is not None:
        page.get_by_label(purpose, exact=True).check()
        page.get_by_role("button", name="Continue").click()

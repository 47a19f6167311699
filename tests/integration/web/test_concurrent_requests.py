"""Many practitioners at once: sign-ins and audited person views arriving together all succeed.

On SQLite a transaction that has read and then wants to write is refused at once ("database
is locked") when another connection wrote in between, whatever the busy timeout. The web's
transactions therefore take the write lock when they begin, and wait for it. The server here
is the real ``familyhub serve`` (threads in one process, as the demo runs it), driven by
threads of our own.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from familyhub.db import unit_of_work
from tests.e2e.conftest import start_server, stop_server
from tests.integration.singleview.scenario import build
from tests.integration.web.support import PASSWORD, make_user

USERS = 10
VIEWS_EACH = 4
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION = re.compile(r"__Host-familyhub-session=([^;]*)")


class Browser:
    """A client that carries the session cookie over plain HTTP to 127.0.0.1 as a browser
    does (httpx, unlike a browser, keeps a Secure cookie off http://127.0.0.1)."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        self.cookie = ""

    def send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Cookie": f"__Host-familyhub-session={self.cookie}"} if self.cookie else {}
        response = self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        found = SESSION.search(response.headers.get("set-cookie", ""))
        if found:
            self.cookie = found.group(1)
        return response


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, html[:500]
    return match.group(1)


def _work(url: str, username: str, person_id: str, start: threading.Barrier) -> list[int]:
    """Sign in, state the purpose, open the person's page a few times: the status codes."""
    statuses: list[int] = []
    client = Browser(url)
    with client.client:
        form = client.send("GET", "/sign-in")
        start.wait()  # every user posts the sign-in form at the same moment
        signed_in = client.send(
            "POST",
            "/sign-in",
            data={"username": username, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        )
        statuses.append(signed_in.status_code)
        if signed_in.status_code != 303:
            return statuses
        purpose = client.send("GET", "/purpose")
        chosen = client.send(
            "POST", "/purpose", data={"purpose": "safeguarding", "csrf_token": _csrf(purpose.text)}
        )
        statuses.append(chosen.status_code)
        for _ in range(VIEWS_EACH if chosen.status_code == 303 else 0):
            page = client.send("GET", f"/people/{person_id}")
            statuses.append(page.status_code)
            if page.status_code == 200:
                assert "Your access was recorded in the audit log" in page.text
    return statuses


def test_simultaneous_sign_ins_and_views_all_succeed(
    fh_env: dict[str, str], tmp_path: Path
) -> None:
    with unit_of_work() as session:
        person_id = build(session).child
    usernames = [f"sw.concurrent.{i}" for i in range(USERS)]
    for username in usernames:
        make_user(
            username,
            roles=("social_worker",),
            organisation_code="northmoor-csc",
            organisation_name="Northmoor Children's Services",
        )
    server = start_server(
        {**fh_env, "FAMILYHUB_COUNCIL_NAME": "Northmoor Council"}, tmp_path / "server.log"
    )
    try:
        start = threading.Barrier(USERS)
        with ThreadPoolExecutor(max_workers=USERS) as pool:
            results = list(
                pool.map(lambda name: _work(server.url, name, person_id, start), usernames)
            )
    finally:
        stop_server(server)
    log = server.log.read_text()
    assert "OperationalError" not in log, log[-3000:]
    assert results == [[303, 303] + [200] * VIEWS_EACH] * USERS

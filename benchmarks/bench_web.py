"""What the web layer itself costs a signed-in request, under concurrency.

The person view and search (issue 7: 95th percentile under 150 ms and 300 ms with 20
concurrent users) pay this on top of their own work: the session lookup and checks, the
user re-read, the page render or JSON, and the security headers. Measured against
``familyhub serve`` on 127.0.0.1 with 20 concurrent signed-in clients alternating
``GET /me`` (a page, cookie session) and ``GET /api/v1/me`` (JSON, bearer token).

Usage: ``python -m benchmarks web``. FAMILYHUB_BENCH_WEB_SECONDS (default 20) and
FAMILYHUB_BENCH_WEB_CLIENTS (default 20); FAMILYHUB_BENCH_WEB_DATABASE_URL a PostgreSQL
URL to run there (in a schema of its own, dropped after), otherwise a temporary SQLite file.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from familyhub.access.auth import hash_password
from familyhub.access.models import Organisation, User
from familyhub.db import make_engine, session_factory
from familyhub.migrate import upgrade
from familyhub.web.tokens import issue_api_token

PASSWORD = "benchmark password 2026"  # noqa: S105 (synthetic accounts in a throwaway database)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION = re.compile(r"__Host-familyhub-session=([^;]*)")


class CookieClient:
    """httpx keeps Secure cookies off plain HTTP; browsers count 127.0.0.1 as secure and do
    send them, so carry the session cookie by hand as a browser would."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.session = ""

    def send(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if self.session:
            headers["Cookie"] = f"__Host-familyhub-session={self.session}"
        response = self.http.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        found = SESSION.search(response.headers.get("set-cookie", ""))
        if found:
            self.session = found.group(1)
        return response


def _database(tmp: Path) -> tuple[str, str | None]:
    base = os.environ.get("FAMILYHUB_BENCH_WEB_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp / 'bench.db'}", None
    schema = f"fh_bench_{uuid.uuid4().hex[:10]}"
    engine = make_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _seed(url: str, clients: int) -> list[tuple[str, str]]:
    engine = make_engine(url)
    session = session_factory(engine)()
    organisation = Organisation(code="bench-org", name="Bench Early Help", kind="council_service")
    session.add(organisation)
    session.flush()
    password_hash = hash_password(PASSWORD)
    accounts = []
    for i in range(clients):
        user = User(
            username=f"bench.{i}",
            display_name=f"Bench User {i}",
            organisation_id=organisation.id,
            roles=["early_help_worker"],
            password_hash=password_hash,
        )
        session.add(user)
        session.flush()
        token = issue_api_token(session, user=user, purpose="early_help_support", label="bench")
        accounts.append((user.username, token.token))
    session.commit()
    session.close()
    engine.dispose()
    return accounts


def _client_loop(
    base: str,
    username: str,
    token: str,
    start: threading.Barrier,
    seconds: float,
    samples: list[float],
    errors: list[str],
) -> None:
    client = CookieClient(base)
    page = client.send("GET", "/sign-in")
    credentials = {"username": username, "password": PASSWORD}
    client.send("POST", "/sign-in", data={**credentials, "csrf_token": CSRF.findall(page.text)[0]})
    form = client.send("GET", "/purpose")
    client.send(
        "POST",
        "/purpose",
        data={"purpose": "early_help_support", "csrf_token": CSRF.findall(form.text)[0]},
    )
    api_headers = {"Authorization": f"Bearer {token}"}
    requests = [("/me", {}), ("/api/v1/me", api_headers)]
    n = 0
    start.wait()  # everyone signed in: measure only the steady state
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        path, headers = requests[n % 2]
        started = time.perf_counter()
        response = client.send("GET", path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors.append(f"{path} {response.status_code}")
        n += 1
    client.http.close()


def main() -> None:
    seconds = float(os.environ.get("FAMILYHUB_BENCH_WEB_SECONDS", "20"))
    clients = int(os.environ.get("FAMILYHUB_BENCH_WEB_CLIENTS", "20"))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url, schema = _database(tmp)
        try:
            upgrade(url)
            accounts = _seed(url, clients)
            env = {
                **os.environ,
                "FAMILYHUB_DATA_DIR": str(tmp / "var"),
                "FAMILYHUB_DATABASE_URL": url,
            }
            port = 18000 + os.getpid() % 1000
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("familyhub")), "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(300):
                    try:
                        if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                samples: list[float] = []
                errors: list[str] = []
                start = threading.Barrier(len(accounts))
                threads = [
                    threading.Thread(
                        target=_client_loop,
                        args=(base, name, token, start, seconds, samples, errors),
                    )
                    for name, token in accounts
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = seconds
            finally:
                server.terminate()
                server.wait(timeout=10)
        finally:
            if schema is not None:
                engine = make_engine(os.environ["FAMILYHUB_BENCH_WEB_DATABASE_URL"])
                with engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                engine.dispose()
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    backend = make_url(url).get_backend_name()
    print(
        f"web ({backend}, {clients} clients, {elapsed:.0f} s): {len(samples):,} requests, "
        f"{len(samples) / elapsed:.0f}/s, p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, "
        f"p99 {pick(0.99):.1f} ms, mean {statistics.fmean(ordered):.1f} ms, "
        f"errors {len(errors)}"
    )


if __name__ == "__main__":
    main()

"""Load on the practitioner's pages: 20 practitioners at once opening person views and
searching, through ``familyhub serve`` on 127.0.0.1, driven by locust (headless).

Issue 7's targets: person view 95th percentile under 150 ms, search under 300 ms, no
errors, for at least 5 minutes, with 1,000,000 people in PostgreSQL. Each simulated user
signs in through the forms with the safeguarding purpose (a social worker, who may open
anyone's full view), then opens person pages and searches (a misspelt name with a date of
birth, or a date of birth alone) three to one. Every request is decided and audited as in
production.

Usage: ``python -m benchmarks web_load``. Environment:

- FAMILYHUB_BENCH_LOAD_DATABASE_URL and FAMILYHUB_BENCH_LOAD_DATA_DIR: the data to serve
  (e.g. the 1,000,000-people PostgreSQL and the data directory its linkage ran in). If the
  database holds no people yet, ``familyhub demo --no-serve`` builds
  FAMILYHUB_BENCH_LOAD_PEOPLE (default 2,000) there first. Default: a temporary SQLite.
- FAMILYHUB_BENCH_LOAD_USERS (default 20), FAMILYHUB_BENCH_LOAD_SECONDS (default 60; the
  issue asks for 300), FAMILYHUB_BENCH_LOAD_PORT (default 18765).
- FAMILYHUB_BENCH_LOAD_THINK (default "1,3"): each practitioner reads a page for a random
  1 to 3 seconds before the next request (far quicker than anyone reads a chronology, so
  20 of these are a heavy 20 users); "0,0" asks without pause, which measures how many
  requests the machine can serve rather than how 20 people fare.
- FAMILYHUB_BENCH_LOAD_WORKERS: server processes (``familyhub serve --workers``; default
  what ``serve`` chooses: one per core on PostgreSQL, one on SQLite).

The benchmark's practitioner accounts (``bench.sw.N``) are added to the database if missing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from familyhub.access.auth import hash_password
from familyhub.access.models import Organisation, User
from familyhub.db import make_engine, session_factory
from familyhub.linkage.models import Person

BIN = Path(sys.executable).parent
PASSWORD = "benchmark password 2026"  # noqa: S105 (synthetic accounts for a benchmark)
LOCUSTFILE = Path(__file__).with_name("locust_practitioner.py")


def _prepare(url: str, data_dir: Path, people: int) -> None:
    # Data prepared by an older familyhub is upgraded first, as `familyhub serve` expects.
    subprocess.run(
        [str(BIN / "familyhub"), "db", "upgrade"], env=_env(url, data_dir), check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            count = session.scalar(select(func.count()).select_from(Person))
    except DBAPIError:  # no tables yet: the demo migrates and builds
        count = 0
    engine.dispose()
    if count:
        print(f"serving the {count:,} people already in the database", flush=True)
        return
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "familyhub"), "demo", "--no-serve", "--people", str(people)],
        env=_env(url, data_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"built {people:,} people with the demo in {time.perf_counter() - started:.0f} s")


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "FAMILYHUB_DATA_DIR": str(data_dir), "FAMILYHUB_DATABASE_URL": url}


def _plan(url: str, users: int) -> dict[str, object]:
    """Accounts to sign in with and what to ask for (a random sample of active people)."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        organisation = session.scalar(
            select(Organisation).where(Organisation.code == "bench-childrens-services")
        )
        if organisation is None:
            organisation = Organisation(
                code="bench-childrens-services",
                name="Bench Children's Services",
                kind="council_service",
            )
            session.add(organisation)
            session.flush()
        password_hash = hash_password(PASSWORD)
        accounts = []
        for i in range(users):
            username = f"bench.sw.{i}"
            if session.scalar(select(User.id).where(User.username == username)) is None:
                session.add(
                    User(
                        username=username,
                        display_name=f"Bench Social Worker {i}",
                        organisation_id=organisation.id,
                        roles=["social_worker"],
                        password_hash=password_hash,
                    )
                )
            accounts.append((username, PASSWORD))
        session.commit()
        active = select(Person).where(Person.status == "active").order_by(func.random())
        person_ids = list(session.scalars(select(Person.id).where(Person.status == "active")
                                          .order_by(func.random()).limit(2000)))  # fmt: skip
        people = [
            (p.given_name, p.family_name, f"{p.date_of_birth:%d/%m/%Y}")
            for p in session.scalars(active.limit(500))
            if p.given_name and p.family_name and p.date_of_birth
        ]
    engine.dispose()
    return {"accounts": accounts, "person_ids": person_ids, "people": people}


def _serve(url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    workers = os.environ.get("FAMILYHUB_BENCH_LOAD_WORKERS")
    server = subprocess.Popen(
        [str(BIN / "familyhub"), "serve", "--port", str(port)]
        + (["--workers", workers] if workers else []),
        env=_env(url, data_dir),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"familyhub serve did not start: see {log}")


def _report(prefix: Path, users: int, seconds: int, backend: str, think: str) -> None:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"web load ({backend}, {users} users thinking {think} s between requests, {seconds} s, "
        f"load average {_load()}):"
    )
    for row in rows:
        print(
            f"  {row['Name']:<22} {int(row['Request Count']):>7,} requests "
            f"{float(row['Requests/s']):6.1f}/s  p50 {row['50%']:>6} ms  p95 {row['95%']:>6} ms"
            f"  p99 {row['99%']:>6} ms  errors {row['Failure Count']}",
            flush=True,
        )
    failures = prefix.parent / f"{prefix.name}_failures.csv"
    if failures.exists():
        for row in list(csv.DictReader(failures.open(newline="")))[:10]:
            print(f"  error: {row['Name']}: {row['Error']} x{row['Occurrences']}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    users = int(os.environ.get("FAMILYHUB_BENCH_LOAD_USERS", "20"))
    seconds = int(os.environ.get("FAMILYHUB_BENCH_LOAD_SECONDS", "60"))
    people = int(os.environ.get("FAMILYHUB_BENCH_LOAD_PEOPLE", "2000"))
    port = int(os.environ.get("FAMILYHUB_BENCH_LOAD_PORT", "18765"))
    think = os.environ.get("FAMILYHUB_BENCH_LOAD_THINK", "1,3")
    low, high = (float(x) for x in think.split(","))  # refused early if mistyped
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data_dir = Path(os.environ.get("FAMILYHUB_BENCH_LOAD_DATA_DIR") or tmp / "var")
        url = os.environ.get("FAMILYHUB_BENCH_LOAD_DATABASE_URL") or (
            f"sqlite:///{data_dir / 'familyhub.db'}"
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        _prepare(url, data_dir, people)
        plan = tmp / "plan.json"
        plan.write_text(json.dumps(_plan(url, users)))
        server = _serve(url, data_dir, port, data_dir / "bench-web-load-server.log")
        try:
            prefix = tmp / "load"
            subprocess.run(
                [
                    str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless",
                    # Sign-ins staggered, and figures from when all users are working.
                    "--users", str(users), "--spawn-rate", "2", "--reset-stats",
                    "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
                ],
                env={**os.environ, "FAMILYHUB_LOAD_PLAN": str(plan),
                     "FAMILYHUB_LOAD_THINK": f"{low},{high}"},
                check=False,  # locust exits 1 when any request failed: the report says so
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
        _report(prefix, users, seconds, make_url(url).get_backend_name(), think)


if __name__ == "__main__":
    main()

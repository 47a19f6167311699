"""How fast are the single view's person view and search, on a populated database?

Targets (issue 7, measured there through the web server with 20 users on 1,000,000 people):
person view p95 under 150 ms, search under 300 ms. This measures the service layer alone,
one request at a time, each in its own transaction including its audit event.

By default it builds a database of its own: ``familyhub synth`` (FAMILYHUB_BENCH_PEOPLE,
default 3,000) -> ingest -> link -> families -> assess, in a temporary SQLite data
directory. Point FAMILYHUB_BENCH_DATABASE_URL and FAMILYHUB_BENCH_DATA_DIR at a database
and data directory that already hold a pipeline's results (e.g. the 1,000,000-people
PostgreSQL) to measure that instead. FAMILYHUB_BENCH_REQUESTS sets the number of requests.

Usage: ``python -m benchmarks singleview``
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FAMILYHUB = str(Path(sys.executable).parent / "familyhub")
PIPELINE = (
    ["synth", "--people", "{people}", "--seed", "7", "--out", "{data}/synth"],
    ["ingest", "{data}/synth/extracts"],
    ["link"],
    ["families"],
    ["assess"],
)


def _percentiles(label: str, timed: tuple[list[float], float]) -> None:
    samples, cpu = timed
    ms = sorted(s * 1000 for s in samples)
    at = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    print(
        f"{label:<34} p50 {at(0.50):7.1f} ms  p95 {at(0.95):7.1f} ms  "
        f"max {ms[-1]:7.1f} ms  mean {statistics.fmean(ms):7.1f} ms  "
        f"CPU {cpu * 1000 / len(ms):6.1f} ms/request  ({len(ms)} requests)",
        flush=True,
    )


def _build(data: Path, people: int) -> str:
    url = f"sqlite:///{data / 'familyhub.db'}"
    env = {
        **os.environ,
        "FAMILYHUB_DATA_DIR": str(data),
        "FAMILYHUB_DATABASE_URL": url,
        "FAMILYHUB_KEYS_DIR": str(data / "keys"),
    }
    started = time.perf_counter()
    subprocess.run(
        [FAMILYHUB, "db", "upgrade"], env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    for step in PIPELINE:
        args = [a.format(people=people, data=data) for a in step]
        done = subprocess.run([FAMILYHUB, *args], env=env, capture_output=True)
        if done.returncode not in (0, 1):  # ingest exits 1 when a tiny extract is refused
            raise SystemExit(f"familyhub {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    print(f"built {people:,} people in {time.perf_counter() - started:.0f} s", flush=True)
    return url


Request = Callable[["Session"], object]


def _time(requests: list[Request]) -> tuple[list[float], float]:
    """Each request in a transaction of its own; the time includes writing its audit event.

    Returns the wall-clock time of each and the process CPU time of all (on a shared machine
    the wall clock includes waiting for a core; the CPU time is this code's own cost)."""
    from familyhub.db import unit_of_work

    samples = []
    cpu = time.process_time()
    for request in requests:
        start = time.perf_counter()
        with unit_of_work() as session:
            request(session)
        samples.append(time.perf_counter() - start)
    return samples, time.process_time() - cpu


def main() -> None:
    people = int(os.environ.get("FAMILYHUB_BENCH_PEOPLE", "3000"))
    count = int(os.environ.get("FAMILYHUB_BENCH_REQUESTS", "200"))
    url = os.environ.get("FAMILYHUB_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="fh-bench-singleview-") as tmp:
        data = Path(os.environ.get("FAMILYHUB_BENCH_DATA_DIR") or tmp)
        if url is None:
            url = _build(data, people)
        os.environ["FAMILYHUB_DATABASE_URL"] = url
        os.environ["FAMILYHUB_DATA_DIR"] = str(data)
        os.environ.setdefault("FAMILYHUB_KEYS_DIR", str(Path(tmp) / "keys"))
        _run(count)


def _run(count: int) -> None:
    from sqlalchemy import select

    from familyhub.access.models import Organisation, User
    from familyhub.config import get_settings
    from familyhub.db import reset_engine, unit_of_work
    from familyhub.families.models import FamilyMember
    from familyhub.linkage.models import Person
    from familyhub.singleview.service import SearchQuery, family_view, person_view, search

    get_settings.cache_clear()
    reset_engine()
    rng = random.Random(7)
    with unit_of_work() as session:
        # Made once per database (the benchmark may run again on the same data).
        code = f"bench-{rng.randrange(10**8)}"
        org = session.scalar(select(Organisation).where(Organisation.code == code))
        if org is None:
            org = Organisation(
                code=code, name="Children's Social Care (bench)", kind="council_service"
            )
            session.add(org)
            session.flush()
        user = session.scalar(select(User).where(User.username == f"bench.sw.{code}"))
        if user is None:
            user = User(
                username=f"bench.sw.{code}", display_name="Bench Social Worker",
                organisation_id=org.id, roles=["social_worker"],
            )  # fmt: skip
            session.add(user)
            session.flush()
        user_id = user.id
        persons = list(
            session.execute(
                select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth,
                       Person.postcode)
                .where(Person.status == "active", Person.given_name.is_not(None))
                .limit(20_000)
            )
        )  # fmt: skip
        family_ids = sorted(set(session.scalars(select(FamilyMember.family_id).limit(20_000))))
    sample = rng.sample(persons, min(count, len(persons)))
    families = rng.sample(family_ids, min(count, len(family_ids)))

    def as_user(session: Session) -> User:
        found = session.get(User, user_id)
        assert found is not None
        return found

    def view(pid: str) -> Request:
        return lambda s: person_view(s, user=as_user(s), purpose="safeguarding", person_id=pid)

    def family(fid: str) -> Request:
        return lambda s: family_view(s, user=as_user(s), purpose="safeguarding", family_id=fid)

    def find(query: SearchQuery) -> Request:
        return lambda s: search(s, user=as_user(s), purpose="safeguarding", query=query)

    def typo(name: str | None) -> str | None:
        return name[0] + name[2] + name[1] + name[3:] if name and len(name) > 3 else name

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    _time([view(sample[0][0]), find(SearchQuery(name=f"{sample[0][1]} {sample[0][2]}"))])  # warm
    _percentiles("person view (social worker, full)", _time([view(p[0]) for p in sample]))
    _percentiles("family view (social worker, full)", _time([family(f) for f in families]))
    subset = sample[: max(count // 4, 10)]
    _percentiles(
        "search: name with a typo + dob",
        _time(
            [
                find(
                    SearchQuery(
                        given_name=typo(p[1]),
                        family_name=p[2],
                        date_of_birth=p[3].isoformat() if p[3] else None,
                    )
                )
                for p in subset
            ]
        ),
    )
    _percentiles(
        "search: date of birth only",
        _time([find(SearchQuery(date_of_birth=p[3].isoformat())) for p in subset if p[3]]),
    )
    _percentiles(
        "search: postcode only",
        _time([find(SearchQuery(postcode=p[4])) for p in subset if p[4]]),
    )


if __name__ == "__main__":
    main()

"""How fast is one access decision? Target (issue 5): 95th percentile under 2 ms in process.

Two figures: ``decide()`` alone (Cedar, with the schema) over a random mix of roles,
actions, resources and facts; and ``facts.gather()`` + ``decide()`` together against a
small SQLite database, which is what a request pays.

Usage: ``python -m benchmarks access`` (FAMILYHUB_BENCH_DECISIONS to change the count).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from familyhub.access.decision import Context, Principal, Resource, decide, engine
from familyhub.access.vocabulary import load_vocabulary

ACTIONS = ["search", "view", "view_contact", "view_record", "record_consent", "break_glass"]


def _percentiles(samples_ns: list[int]) -> str:
    ms = sorted(s / 1e6 for s in samples_ns)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return (
        f"p50 {p(0.50):.3f} ms  p95 {p(0.95):.3f} ms  p99 {p(0.99):.3f} ms  "
        f"mean {statistics.fmean(ms):.3f} ms  ({len(ms):,} decisions)"
    )


def bench_decide(count: int, rng: random.Random) -> None:
    vocabulary = load_vocabulary()
    roles = sorted(vocabulary.roles)
    categories = sorted(vocabulary.data_categories)
    purposes = sorted(vocabulary.purposes)
    engine()  # parse and validate the policies once, as start-up does
    samples: list[int] = []
    cpu_samples: list[int] = []
    for i in range(count):
        principal = Principal(
            i % 50,
            "u",
            frozenset(rng.sample(roles, rng.randint(1, 2))),
            f"org-{i % 7}",
            rng.choice(sorted(vocabulary.organisation_kinds)),
        )
        action = rng.choice(ACTIONS)
        if action == "view_record":
            resource = Resource.record(
                f"r{i}", category=rng.choice(categories), supplier=f"org-{rng.randint(0, 9)}"
            )
        else:
            resource = Resource.person(f"P{i}", restricted=rng.random() < 0.05)
        context = Context(
            purpose=rng.choice(purposes),
            involved=rng.random() < 0.5,
            lead_practitioner=rng.random() < 0.2,
            consent=rng.choice(["none", "given", "declined", "withdrawn"]),
            consent_categories=frozenset(rng.sample(categories, 3)),
            override=rng.random() < 0.05,
            referred_to_my_service=rng.random() < 0.05,
        )
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        decide(principal, action, resource, context)
        samples.append(time.perf_counter_ns() - start)
        cpu_samples.append(time.thread_time_ns() - cpu)
    print(f"decide() in process, wall:      {_percentiles(samples)}", flush=True)
    # On a shared machine the wall clock includes waiting for a core; CPU time does not.
    print(f"decide() in process, CPU time:  {_percentiles(cpu_samples)}", flush=True)


def bench_gather_and_decide(count: int, rng: random.Random) -> None:
    from familyhub.access.facts import gather
    from familyhub.access.models import Organisation, User
    from familyhub.casework.models import Involvement
    from familyhub.consent.models import ConsentRecord
    from familyhub.db import make_engine, session_factory
    from familyhub.families.models import Family, FamilyMember
    from familyhub.linkage.models import Person
    from familyhub.migrate import upgrade
    from familyhub.runs import utcnow

    folder = Path(tempfile.mkdtemp(prefix="fh-bench-access-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = make_engine(url)
    with session_factory(db)() as session:
        org = Organisation(code="council", name="Council", kind="council_service")
        session.add(org)
        session.flush()
        users = [
            User(
                username=f"u{i}",
                display_name=f"U {i}",
                organisation_id=org.id,
                roles=[rng.choice(["early_help_worker", "social_worker", "health_visitor"])],
            )
            for i in range(50)
        ]
        session.add_all(users)
        session.flush()
        for f in range(2000):
            session.add(Family(id=f"F{f}"))
            session.add(Person(id=f"P{f}"))
        session.flush()
        for f in range(2000):
            session.add(FamilyMember(family_id=f"F{f}", person_id=f"P{f}", role="child"))
            if f % 3 == 0:
                session.add(
                    Involvement(
                        family_id=f"F{f}",
                        user_id=users[f % 50].id,
                        organisation_id=org.id,
                        kind="team_member",
                        started_at=utcnow(),
                        recorded_by_user_id=users[0].id,
                    )
                )
            if f % 4 == 0:
                session.add(
                    ConsentRecord(
                        family_id=f"F{f}",
                        state="given",
                        purposes=["early_help_support"],
                        recipient_organisations=["*"],
                        data_categories=["health"],
                        effective_at=utcnow(),
                        recorded_by_user_id=users[0].id,
                        evidence="form",
                    )
                )
        session.commit()
        samples: list[int] = []
        for _ in range(count):
            who = rng.choice(users)
            start = time.perf_counter_ns()
            facts = gather(
                session, user=who, person_id=f"P{rng.randrange(2000)}", purpose="early_help_support"
            )
            decide(facts.principal, "view", facts.resource, facts.context)
            samples.append(time.perf_counter_ns() - start)
    db.dispose()
    print(f"gather() + decide() on SQLite:  {_percentiles(samples)}", flush=True)


def main() -> None:
    count = int(os.environ.get("FAMILYHUB_BENCH_DECISIONS", "20000"))
    rng = random.Random(5)
    bench_decide(count, rng)
    bench_gather_and_decide(max(1000, count // 10), rng)


if __name__ == "__main__":
    main()

"""Property: over random sequences of requests through the services, the audit events added
are exactly one per request, and the records they name are exactly the person records
returned or changed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.access.service import RecordRef
from familyhub.audit.models import AuditEvent
from familyhub.audit.verify import verify
from familyhub.consent.service import ConsentError, record_consent

from ..access.people import family, organisation, person, user

ROLES = ["social_worker", "health_visitor", "early_help_worker", "planner", "police_officer"]
PURPOSES = ["safeguarding", "early_help_support", "direct_care", "statistics", "nosiness"]
CATEGORIES = ["personal", "health", "criminal_offence", "education"]

requests = st.lists(
    st.one_of(
        st.tuples(st.just("view"), st.integers(0, 3), st.sampled_from(PURPOSES)),
        st.tuples(st.just("list"), st.integers(0, 3), st.sampled_from(PURPOSES), st.integers(0, 6)),
        st.tuples(
            st.just("search"), st.lists(st.integers(0, 3), max_size=4), st.sampled_from(PURPOSES)
        ),
        st.tuples(
            st.just("consent"), st.integers(0, 3), st.sampled_from(["given", "withdrawn", "bogus"])
        ),
        st.tuples(
            st.just("break_glass"),
            st.integers(0, 3),
            st.sampled_from(["", "help", "a child is at risk tonight"]),
        ),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(role=st.sampled_from(ROLES), ops=requests)
def test_audit_events_equal_records_returned_or_changed(
    session: Session, role: str, ops: list[tuple[Any, ...]]
) -> None:
    who = user(session, organisation(session), role)
    people = [person(session) for _ in range(4)]
    family(session, *people[:2])
    before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    returned: Counter[str] = Counter()
    expected_events = 0
    for op in ops:
        kind = op[0]
        try:
            if kind == "view":
                target = people[op[1]]
                service.authorize(
                    session,
                    user=who,
                    action="view",
                    purpose=str(op[2]),
                    request_id="v",
                    person_id=target,
                )
                returned[f"person:{target}"] += 1
            elif kind == "list":
                target = people[op[1]]
                records = [
                    RecordRef(
                        f"source_event:{target}-{i}",
                        target,
                        CATEGORIES[i % len(CATEGORIES)],
                        "local_system",
                    )
                    for i in range(int(op[3]))
                ]
                shown = service.visible_records(
                    session, user=who, purpose=str(op[2]), records=records, request_id="l"
                )
                returned.update(r.ref for r in shown)
            elif kind == "search":
                ids = [people[i] for i in op[1]]
                found = service.search_visible(
                    session, user=who, purpose=str(op[2]), person_ids=ids, request_id="s"
                )
                returned.update(f"person:{p}" for p in found)
            elif kind == "consent":
                target = people[op[1]]
                record_consent(
                    session,
                    user=who,
                    person_id=target,
                    state=str(op[2]),
                    evidence="signed form",
                    purposes=["early_help_support"],
                    recipient_organisations=["*"],
                    data_categories=["health"],
                    purpose="early_help_support",
                    request_id="c",
                )
                returned[f"person:{target}"] += 1
            elif kind == "break_glass":
                target = people[op[1]]
                service.break_glass(
                    session,
                    user=who,
                    person_id=target,
                    purpose="safeguarding",
                    justification=str(op[2]),
                    request_id="b",
                )
                returned[f"person:{target}"] += 1
        except ConsentError:
            continue  # refused before any access: nothing read, nothing written, no event
        except service.AccessRefusedError as refused:
            refusal_audited = refused.event is not None
            assert refusal_audited, "every refusal is itself audited"
        expected_events += 1
    added = session.scalars(select(AuditEvent).where(AuditEvent.seq > before)).all()
    assert len(added) == expected_events
    audited = Counter(ref for e in added if e.decision == "allow" for ref in e.records)
    assert audited == returned
    # Whatever was shown or denied names the policies that decided it.
    assert all(e.policy_ids for e in added if e.records and e.decision != "refused")


def test_the_log_still_verifies_after_a_mixed_workload(session: Session) -> None:
    sw = user(session, organisation(session), "social_worker")
    for _ in range(20):
        service.authorize(
            session,
            user=sw,
            action="view",
            purpose="safeguarding",
            request_id="v",
            person_id=person(session),
        )
    assert verify(session).ok

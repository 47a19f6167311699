"""Search reads what it shows of every result together (access facts, lead practitioners,
headline values, merged ids followed); each must be exactly what the one-person functions
give, in every state the scenario can reach and for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.facts import utc
from familyhub.access.service import search_visible
from familyhub.audit.models import AuditEvent
from familyhub.casework import service as casework
from familyhub.linkage.corrections import RULE_PREFIX
from familyhub.linkage.models import GoldenValue, Person
from familyhub.linkage.persons import resolve
from familyhub.rights.models import Rectification
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.identity import headline, headlines
from familyhub.singleview.search import _resolve_all, search

from .scenario import NOW, ROLES, Scenario, build
from .test_batched_facts import STATES


def _persons(session: Session, scenario: Scenario) -> list[str]:
    outsider = build(session).child  # another family: no involvement, no consent
    # A lead practitioner named on the outsider alone, and one whose involvement has ended.
    early_help = scenario.user("early_help_worker")
    for role, started in (("social_worker", NOW - timedelta(days=3)), ("school_dsl", None)):
        involvement = casework.add_involvement(
            session, user=early_help, practitioner=scenario.user(role),
            kind="lead_practitioner", purpose="early_help_support", request_id="t",
            person_id=outsider, started_at=started or NOW - timedelta(days=9),
        )  # fmt: skip
        if started is None:
            involvement.ended_at = NOW - timedelta(days=1)
    session.flush()
    return [scenario.child, scenario.mother, scenario.sealed_sibling, outsider]


def _events(session: Session, after: int) -> list[tuple[object, ...]]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
    ).all()
    return [(e.action, e.decision, e.records, e.details, e.policy_ids) for e in rows]


@pytest.mark.parametrize("state", sorted(STATES))
def test_search_decides_each_result_as_alone_and_shows_their_own_leads(
    session: Session, state: str
) -> None:
    scenario = build(session)
    STATES[state](session, scenario)
    persons = _persons(session, scenario)
    for role in sorted(ROLES):
        user, purpose = scenario.user(role), scenario.purpose(role)
        seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        alone = search_visible(
            session, user=user, purpose=purpose, person_ids=persons, request_id="t", now=NOW
        )
        together = search_visible(
            session, user=user, purpose=purpose, person_ids=persons, request_id="t", now=NOW,
            known=gather_persons(session, user=user, person_ids=persons, purpose=purpose, now=NOW),
        )  # fmt: skip
        assert together == alone, (state, role)
        one, other = _events(session, seq or 0)
        assert one == other, (state, role)  # the same audit event either way
    families = gather_persons(
        session, user=scenario.user("social_worker"), person_ids=persons, purpose="safeguarding",
        now=NOW,
    )  # fmt: skip
    leads = casework.lead_practitioners_of(
        session, {p: f.family_ids for p, f in families.items()}, now=NOW
    )
    for pid in persons:
        assert leads[pid] == casework.lead_practitioners(session, person_id=pid, now=NOW), pid
    assert leads[persons[-1]], "the outsider's own lead practitioner is shown"


def test_headlines_read_together_equal_each_persons_own(session: Session) -> None:
    scenario = build(session)
    child = session.get(Person, scenario.child)
    mother = session.get(Person, scenario.mother)
    assert child is not None
    assert mother is not None
    # A correction linkage wrote into the golden record, one still pending that applies,
    # and one whose source has changed since (retired by reading it).
    session.add(
        GoldenValue(
            person_id=scenario.child, field="given_name", value=str(child.given_name),
            chosen=True, sources=[], source_count=0, rule=f"{RULE_PREFIX} 1: spelling",
        )
    )  # fmt: skip
    for field, source_value in (("family_name", mother.family_name), ("postcode", "ZZ1 1ZZ")):
        session.add(
            Rectification(
                person_id=scenario.mother, field=field, source_value=source_value,
                corrected_value="Corrected", reason="t", created_by="t",
            )
        )  # fmt: skip
    session.flush()
    ids = [scenario.child, scenario.mother, scenario.sealed_sibling, "no-such-person"]
    nested = session.begin_nested()
    together = headlines(session, ids)
    retired = {r.field: r.status for r in session.scalars(select(Rectification))}
    nested.rollback()
    alone = {pid: headline(session, pid) for pid in ids}
    assert together == alone
    assert together[scenario.mother]["family_name"] == "Corrected"
    assert retired == {r.field: r.status for r in session.scalars(select(Rectification))}
    assert retired["postcode"] == "superseded"


def test_merged_ids_are_followed_as_one_by_one(session: Session, scenario: Scenario) -> None:
    ids = [scenario.merged_id, scenario.child, scenario.mother, "no-such-person"]
    together = _resolve_all(session, ids)
    assert together == {pid: resolve(pid, session=session) for pid in ids}
    assert together[scenario.merged_id] is not None
    assert together[scenario.merged_id].status != "merged"  # type: ignore[union-attr]


def test_a_search_shows_each_results_own_lead_practitioner(
    session: Session, scenario: Scenario
) -> None:
    found = search(
        session, user=scenario.user("health_visitor"), purpose="direct_care",
        query="12/04/2019", now=NOW,
    )  # fmt: skip
    shown = {r.identity.person_id: r for r in found.results}
    child = shown[scenario.child]
    expected = casework.lead_practitioners(session, person_id=scenario.child, now=utc(NOW))
    assert [lead.name for lead in child.lead_practitioners] == [e.name for e in expected]
    assert child.lead_practitioners
    assert child.identity == search(
        session, user=scenario.user("health_visitor"), purpose="direct_care",
        query=f"Mason {scenario.surname} 12/04/2019", now=NOW,
    ).results[0].identity  # fmt: skip

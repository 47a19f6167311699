"""Retention: move the clock forward and nothing survives past its rule."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from familyhub.casework.models import Involvement
from familyhub.governance.flows import source_flows
from familyhub.governance.models import LegalHold
from familyhub.governance.retention import DueItem, due_for_destruction, run_retention
from familyhub.linkage.models import Person
from familyhub.rights.models import ErasureTombstone
from familyhub.sources.models import SourceRecord
from tests.integration.rights.synthetic_subject import Stored, find_identifiers, store_everywhere


def _run(session: Session, today: date, *, dry_run: bool = False):
    @contextmanager
    def savepoint() -> Iterator[Session]:
        # one transaction per person; here a savepoint inside the test's transaction
        with session.begin_nested():
            yield session

    return run_retention(
        flows=source_flows(), today=today, dry_run=dry_run, actor="retention", transaction=savepoint
    )


OURS = {"INV000000001", "INV000000002", "INV000000003", "CSC0001"}


def _sources(session: Session) -> list[str]:
    """The sources of the test's own records still held (the shared test database may hold
    other tests' rows)."""
    rows = session.scalars(select(SourceRecord.source).where(SourceRecord.record_id.in_(OURS)))
    return sorted(rows)


def _ours(due: list[DueItem], stored: Stored) -> list[DueItem]:
    people = {stored.person_id, stored.other_person_id}
    return [d for d in due if d.record_id in OURS or d.person_id in people]


def test_nothing_survives_past_its_rule_as_the_clock_moves_forward(session: Session) -> None:
    stored = store_everywhere(session)
    assert _ours(_run(session, date(2026, 11, 22)).due, stored) == []

    # 2033: the police records (6 years after last contact) are past their rule;
    # the social care record (until she is 25) is not.
    dry = _run(session, date(2033, 1, 1), dry_run=True)
    assert any(d.kind == "quarantine" for d in dry.due)  # her dropped bad date too
    assert {(d.source, d.record_id) for d in _ours(dry.due, stored) if d.kind == "record"} == {
        ("police_incidents", "INV000000001"),
        ("police_incidents", "INV000000002"),
        ("police_incidents", "INV000000003"),
    }
    assert _sources(session).count("police_incidents") == 3  # a dry run destroys nothing

    report = _run(session, date(2033, 1, 1))
    assert report.errors == []
    assert _sources(session) == ["childrens_social_care"]
    assert (
        _ours(due_for_destruction(session, flows=source_flows(), today=date(2033, 1, 1)), stored)
        == []
    )
    # her mother had nothing else: erased, with a tombstone; Zephyrine is still here
    assert session.get(Person, stored.other_person_id) is None
    assert session.get(Person, stored.person_id) is not None
    tombstones = session.scalars(
        select(ErasureTombstone).where(ErasureTombstone.person_ref == stored.other_person_id)
    )
    assert [t.cause for t in tombstones] == ["retention"]

    # 2040: the social care record's rule has run out too; an open involvement keeps her
    # casework (and person) until it ends, then she goes entirely.
    _run(session, date(2040, 1, 1))
    assert _sources(session) == []
    assert session.get(Person, stored.person_id) is not None
    session.execute(update(Involvement).values(ended_at=Involvement.started_at))
    _run(session, date(2040, 1, 2))
    assert session.get(Person, stored.person_id) is None
    assert find_identifiers(session) == []


def test_a_legal_hold_keeps_records_past_their_rule(session: Session) -> None:
    stored = store_everywhere(session)
    session.add(
        LegalHold(
            person_id=stored.person_id,
            reason="litigation",
            placed_by="dpo",
            placed_on=date(2032, 1, 1),
        )
    )
    report = _run(session, date(2033, 1, 1))
    assert report.persons_held == 1
    held = [d for d in report.due if d.held]
    assert {d.record_id for d in held} == {"INV000000001", "INV000000002"}
    assert _sources(session) == ["childrens_social_care", "police_incidents", "police_incidents"]


def test_a_restricted_person_is_kept_until_the_restriction_is_lifted(session: Session) -> None:
    from familyhub.rights.facts import lift, place

    stored = store_everywhere(session)
    place(
        session,
        person_id=stored.person_id,
        kind="restriction",
        grounds="needed for a claim",
        on=date(2032, 6, 1),
    )
    report = _run(session, date(2033, 1, 1))
    assert {d.record_id for d in report.due if d.held} == {"INV000000001", "INV000000002"}
    assert _sources(session).count("police_incidents") == 2
    lift(
        session,
        person_id=stored.person_id,
        kind="restriction",
        on=date(2033, 2, 1),
        reason="claim settled",
    )
    _run(session, date(2033, 2, 2))
    assert _sources(session) == ["childrens_social_care"]

"""A person whose processing is restricted (UK GDPR Art 18) is left out of linkage updates:
full re-links and incremental runs leave their person, links and golden record as they were,
while everyone else is re-linked as usual."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from familyhub.linkage import review, service
from familyhub.linkage.incremental import link_incremental
from familyhub.linkage.models import GoldenValue, Person, PersonLink
from familyhub.rights import facts
from familyhub.sources.models import SourceRecord
from tests.integration.linkage.conftest import load_records, synthetic

TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]


@pytest.fixture(scope="module")
def population() -> pa.Table:
    return synthetic(300, seed=17)


def _link_rows(session: Session, person_id: str) -> list[tuple[Any, ...]]:
    return sorted(
        session.execute(
            select(
                PersonLink.source_record_id,
                PersonLink.person_id,
                PersonLink.kind,
                PersonLink.score,
                PersonLink.run_id,
            ).where(PersonLink.person_id == person_id)
        ).all()
    )


def _golden(session: Session, person_id: str) -> list[tuple[Any, ...]]:
    return sorted(
        session.execute(
            select(GoldenValue.field, GoldenValue.value, GoldenValue.chosen).where(
                GoldenValue.person_id == person_id
            )
        ).all()
    )


def _person(session: Session, person_id: str) -> tuple[Any, ...]:
    person = session.get(Person, person_id)
    assert person is not None
    return (person.status, person.given_name, person.family_name, person.last_run_id)


def _two_people_with_records(session: Session) -> tuple[str, list[int], str, list[int]]:
    by_person: dict[str, list[int]] = {}
    for record, person in session.execute(
        select(PersonLink.source_record_id, PersonLink.person_id)
    ):
        by_person.setdefault(person, []).append(int(record))
    several = sorted((p, sorted(r)) for p, r in by_person.items() if len(r) >= 3)
    (restricted, held), (other, free) = several[0], several[1]
    return restricted, held, other, free


def _snapshot(session: Session, person_id: str) -> tuple[Any, ...]:
    return (
        _link_rows(session, person_id),
        _golden(session, person_id),
        _person(session, person_id),
    )


def _keep_apart(session: Session, a: int, b: int) -> None:
    review.decide(
        session=session,
        decision="do_not_link",
        decided_by="tester",
        reason="checked with the family",
        record_a=a,
        record_b=b,
    )


def test_a_full_relink_leaves_a_restricted_person_as_they_were(
    session: Session, population: pa.Table
) -> None:
    load_records(session, population.drop_columns(TRUTH))
    service.link(session=session, actor="test")
    restricted, held, _other, free = _two_people_with_records(session)
    facts.place(
        session, person_id=restricted, kind=facts.RESTRICTION, grounds="accuracy contested",
        on=date.today(),
    )  # fmt: skip
    before = _snapshot(session, restricted)
    # The same reason to split both persons: only the unrestricted one is split.
    _keep_apart(session, held[0], held[1])
    _keep_apart(session, free[0], free[1])

    summary = service.link(session=session, actor="test")

    assert _snapshot(session, restricted) == before
    assert summary["restricted_persons_left_as_they_were"] == 1
    links = dict(session.execute(select(PersonLink.source_record_id, PersonLink.person_id)).all())
    assert links[free[0]] != links[free[1]]
    # A retrained model is no different: still left as they were.
    service.link(session=session, actor="test", retrain=True)
    assert _snapshot(session, restricted) == before

    # Lifted, the person is processed again: the decision taken meanwhile now applies.
    facts.lift(
        session, person_id=restricted, kind=facts.RESTRICTION, on=date.today(), reason="settled"
    )
    service.link(session=session, actor="test")
    links = dict(session.execute(select(PersonLink.source_record_id, PersonLink.person_id)).all())
    assert links[held[0]] != links[held[1]]


def test_an_incremental_link_leaves_a_restricted_person_as_they_were(
    session: Session, population: pa.Table
) -> None:
    records = population.drop_columns(TRUTH)
    load_records(session, records)
    service.link(session=session, actor="test")
    restricted, held, other, free = _two_people_with_records(session)
    facts.place(
        session, person_id=restricted, kind=facts.RESTRICTION, grounds="accuracy contested",
        on=date.today(),
    )  # fmt: skip
    before = _snapshot(session, restricted)
    # New records: a further copy of one record of each person, as a partner would send.
    rows = {r["id"]: r for r in records.to_pylist()}
    next_id = max(rows) + 1
    copies = []
    for offset, source_id in enumerate((held[0], free[0])):
        copy = dict(rows[source_id])
        copy["id"] = next_id + offset
        copy["record_id"] = f"{copy['record_id']}-again"
        copy["partner_person_id"] = None
        copies.append(copy)
    load_records(session, pa.Table.from_pylist(copies, schema=records.schema))
    # And the restricted person's partner changes one of their records at source.
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == held[1])
        .values(family_name_match="changedatsource", updated_at=datetime.now(UTC))
    )
    session.flush()

    summary = link_incremental(session=session, actor="test")

    assert _snapshot(session, restricted) == before
    assert summary["records_changed"] == 2  # the restricted person's change is not taken
    links = dict(session.execute(select(PersonLink.source_record_id, PersonLink.person_id)).all())
    assert links[next_id + 1] == other  # the unrestricted person's copy joins them
    assert links[next_id] != restricted  # nothing is linked to the restricted person

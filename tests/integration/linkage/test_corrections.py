"""A rectification shows in the golden record linkage writes, with its own provenance,
outranks the sources through full and incremental re-links, and steps aside once the partner
fixes its own record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from familyhub.linkage import service
from familyhub.linkage.incremental import link_incremental
from familyhub.linkage.models import GoldenValue, Person, PersonLink
from familyhub.rights import requests as rr
from familyhub.rights.models import Rectification
from familyhub.rights.rectification import golden_with_corrections, rectify
from familyhub.singleview.identity import golden_record
from familyhub.sources.models import SourceRecord
from tests.integration.linkage.conftest import load_records, synthetic

TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]
CORRECTED = "Featherstonehaugh"


@pytest.fixture(scope="module")
def population() -> pa.Table:
    return synthetic(200, seed=29).drop_columns(TRUTH)


def _subject(session: Session) -> tuple[str, list[int], str]:
    """A person of several records that all give one family name."""
    names: dict[str, set[str | None]] = {}
    records: dict[str, list[int]] = {}
    for record, person, family in session.execute(
        select(PersonLink.source_record_id, PersonLink.person_id, SourceRecord.family_name).join(
            SourceRecord, SourceRecord.id == PersonLink.source_record_id
        )
    ):
        names.setdefault(person, set()).add(family)
        records.setdefault(person, []).append(int(record))
    person_id = next(
        p
        for p in sorted(records)
        if len(records[p]) >= 2 and len(names[p]) == 1 and None not in names[p]
    )
    (family_name,) = names[person_id]
    assert family_name is not None
    return person_id, sorted(records[person_id]), family_name


def _family_name_rows(session: Session, person_id: str) -> list[GoldenValue]:
    return list(
        session.scalars(
            select(GoldenValue)
            .where(GoldenValue.person_id == person_id, GoldenValue.field == "family_name")
            .order_by(GoldenValue.chosen.desc(), GoldenValue.value)
        )
    )


def _assert_corrected(session: Session, person_id: str, source_value: str) -> None:
    rows = _family_name_rows(session, person_id)
    chosen = [r for r in rows if r.chosen]
    assert [r.value for r in chosen] == [CORRECTED]
    assert chosen[0].rule is not None
    assert chosen[0].rule.startswith("corrected by request")
    assert "deed poll seen" in chosen[0].rule
    assert chosen[0].sources[0]["source"] == "rectification"
    # The sources' value stays visible beside it, no longer chosen.
    assert source_value in {r.value for r in rows if not r.chosen}
    person = session.get(Person, person_id)
    assert person is not None
    assert person.family_name == CORRECTED
    assert golden_with_corrections(session, person_id=person_id)["family_name"] == CORRECTED
    shown = golden_record(session, person_id, visible_sources=set())
    assert shown.headline["family_name"] == CORRECTED
    assert any(v.chosen and v.value == CORRECTED for v in shown.values)


def test_a_correction_outranks_the_sources_through_relinks_until_the_source_changes(
    session: Session, population: pa.Table
) -> None:
    load_records(session, population)
    service.link(session=session, actor="test")
    person_id, records, source_value = _subject(session)
    request = rr.register_request(
        session, kind="rectification", requester="the person", received_on=date.today(),
        identity_checked_on=date.today(), subject_details={}, person_id=person_id,
        details={"field": "family_name"}, actor="ig",
    ).request  # fmt: skip
    outcome = rectify(
        session, request_id=request.id, field="family_name", corrected_value=CORRECTED,
        reason="deed poll seen", actor="ig",
    )  # fmt: skip
    assert outcome.done, outcome.message
    _assert_corrected(session, person_id, source_value)  # at once, before any run

    service.link(session=session, actor="test")
    _assert_corrected(session, person_id, source_value)

    # An incremental run that re-clusters the person (a new copy of one of their records).
    copy = {**population.to_pylist()[records[0] - 1]}
    assert copy["id"] == records[0]
    copy |= {"id": 10_000, "record_id": "again-1", "partner_person_id": None}
    load_records(session, pa.Table.from_pylist([copy], schema=population.schema))
    summary = link_incremental(session=session, actor="test")
    assert summary["persons_in_scope"] >= 1
    links = dict(session.execute(select(PersonLink.source_record_id, PersonLink.person_id)).all())
    assert links[10_000] == person_id
    _assert_corrected(session, person_id, source_value)

    # The partner fixes its records itself: the source is the truth again.
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id.in_([*records, 10_000]))
        .values(family_name="Fetherstonhaugh", updated_at=datetime.now(UTC))
    )
    session.flush()
    service.link(session=session, actor="test")
    rows = _family_name_rows(session, person_id)
    assert [r.value for r in rows if r.chosen] == ["Fetherstonhaugh"]
    assert all(not (r.rule or "").startswith("corrected") for r in rows)
    rect = session.scalars(select(Rectification)).one()
    assert rect.status == "superseded"
    assert golden_with_corrections(session, person_id=person_id)["family_name"] == (
        "Fetherstonhaugh"
    )

"""An incremental run writes only the links, golden values and persons it changes, and leaves
the same rows a full rewrite would (``linkage.changes``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from familyhub.linkage import service, store
from familyhub.linkage.incremental import link_incremental
from familyhub.linkage.models import PersonLink, ReviewPair
from familyhub.sources.models import SourceRecord
from tests.integration.linkage.conftest import load_records, synthetic

TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]
# Scores are left out: a full run counts term frequencies afresh (one more copy of a name
# moves them), an incremental run scores with the stored ones.
LINKS = "select source_record_id, source, record_id, person_id, kind from person_link"
GOLDEN = (
    "select person_id, field, value, chosen, cast(sources as text), source_count, last_seen, "
    "rule from golden_value"
)
PERSONS = "select id, status, given_name, family_name, date_of_birth, record_count from person"


@pytest.fixture(scope="module")
def population() -> pa.Table:
    return synthetic(300, seed=23)


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in session.execute(text(sql)).all())


def _stored(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a run writes, every column (ids, runs and times included)."""
    return {
        "person_link": _rows(session, "select * from person_link"),
        "golden_value": _rows(
            session,
            "select id, person_id, field, value, chosen, cast(sources as text), source_count, "
            "last_seen, rule from golden_value",
        ),
        "person": _rows(session, "select * from person"),
    }


def _by_person(session: Session) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for record, person in session.execute(
        select(PersonLink.source_record_id, PersonLink.person_id).order_by(
            PersonLink.source_record_id
        )
    ):
        out.setdefault(person, []).append(int(record))
    return out


def _linked(session: Session, population: pa.Table) -> pa.Table:
    records = population.drop_columns(TRUTH)
    load_records(session, records)
    service.link(session=session, actor="test")
    return records


def test_an_incremental_run_that_changes_nothing_leaves_every_row_byte_identical(
    session: Session, population: pa.Table
) -> None:
    _linked(session, population)
    several = sorted(r for r in _by_person(session).values() if len(r) >= 3)[:20]
    ids = pa.array([i for records in several for i in records], pa.int64())
    # The persons' records sent again exactly as stored: they are re-scored and re-clustered.
    again = store.source_records(session)
    again = again.filter(pc.is_in(again["id"], value_set=ids))
    before = _stored(session)

    summary = link_incremental(session=session, actor="test", records=again)

    assert summary["persons_in_scope"] >= 20
    assert summary["records_linked"] >= len(ids)
    assert summary["rows_written"] == {
        "person_link": {"insert": 0, "update": 0, "delete": 0},
        "golden_value": {"insert": 0, "update": 0, "delete": 0},
    }
    assert _stored(session) == before


def test_an_incremental_run_writes_what_a_full_rewrite_would(
    session: Session, population: pa.Table
) -> None:
    """A new copy of a record, a changed name and a withdrawn record: the stored rows after
    the incremental run hold what a full run over the same data then writes afresh, and rows
    of the persons in scope that did not change keep their ids and first run."""
    records = _linked(session, population)
    first_run = session.scalar(select(PersonLink.run_id))
    by_person = _by_person(session)
    several = sorted(r for r in by_person.values() if len(r) >= 3)
    copied, renamed, withdrawn = several[0], several[1], several[2]
    rows = {r["id"]: r for r in records.to_pylist()}
    new_id = max(rows) + 1
    copy = dict(rows[copied[0]], id=new_id, record_id=f"{rows[copied[0]]['record_id']}-again")
    load_records(session, pa.Table.from_pylist([copy], schema=records.schema))
    now = datetime.now(UTC)
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == renamed[0])
        .values(other_names="Quentin", updated_at=now)
    )
    session.execute(
        update(SourceRecord)
        .where(SourceRecord.id == withdrawn[0])
        .values(status="withdrawn", updated_at=now)
    )
    session.flush()
    links_before = {r[1]: r for r in _rows(session, "select * from person_link")}

    summary = link_incremental(session=session, actor="test")

    written = summary["rows_written"]
    assert written["person_link"]["insert"] >= 1  # the copy
    assert written["person_link"]["delete"] >= 1  # the withdrawn record
    assert written["golden_value"]["insert"] >= 1  # 'Quentin'
    # Far fewer links written than re-clustered.
    assert sum(written["person_link"].values()) < summary["records_linked"] / 2
    links = {r[1]: r for r in _rows(session, "select * from person_link")}
    assert new_id in links
    assert withdrawn[0] not in links
    # Columns: id, source_record_id, source, record_id, person_id, kind, score,
    # match_probability, model_id, run_id, linked_at.
    assert links[new_id][9] == summary["run_id"]
    in_scope = [r for r in copied[1:] + renamed if r != renamed[0]]
    kept = [r for r in in_scope if links[r][2:9] == links_before[r][2:9]]
    assert kept
    for record in kept:  # left alone: the same row, run and time
        assert links[record] == links_before[record]
        assert links[record][9] == first_run
    golden, link_content, persons = (_rows(session, q) for q in (GOLDEN, LINKS, PERSONS))

    service.link(session=session, actor="test")  # rewrites every row from scratch

    assert _rows(session, GOLDEN) == golden
    assert _rows(session, LINKS) == link_content
    assert _rows(session, PERSONS) == persons


def test_an_incremental_run_leaves_review_items_it_did_not_score_again(
    session: Session, population: pa.Table
) -> None:
    """An open item goes stale only when the run re-clustered both its records (and so scored
    their pair again); an item with one record outside the run stays open."""
    records = _linked(session, population)
    con = duckdb.connect(str(service.cache_path()), read_only=True)
    unit = {
        int(r): int(u) for r, u in con.sql("select id, unit_id from fh_unit_members").fetchall()
    }
    con.close()
    several = sorted(r for r in _by_person(session).values() if len({unit[i] for i in r}) >= 2)
    inside, outside = several[0], several[-1]
    rows = {r["id"]: r for r in records.to_pylist()}
    assert rows[inside[0]]["family_name"] != rows[outside[0]]["family_name"]
    units_inside = sorted({unit[r] for r in inside})

    def item(a: int, b: int) -> ReviewPair:
        return ReviewPair(
            record_a=min(a, b),
            record_b=max(a, b),
            match_weight=1.0,
            match_probability=0.6,
            reason="uncertain score",
            status="open",
        )

    half_out = item(units_inside[0], unit[outside[0]])
    both_in = item(units_inside[0], units_inside[1])  # one person now: no longer uncertain
    session.add_all([half_out, both_in])
    session.flush()
    again = store.source_records(session)
    again = again.filter(pc.is_in(again["id"], value_set=pa.array(inside, pa.int64())))

    link_incremental(session=session, actor="test", records=again)

    session.refresh(half_out)
    session.refresh(both_in)
    assert half_out.status == "open"
    assert both_in.status == "stale"

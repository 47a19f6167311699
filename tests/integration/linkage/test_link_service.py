"""Full linkage runs over the database: persons, stable ids, golden records, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from familyhub.linkage import pipeline, review, service, store
from familyhub.linkage.features import SOURCE_COLUMNS
from familyhub.linkage.models import GoldenValue, Person, PersonIdEvent, PersonLink
from familyhub.linkage.persons import resolve
from tests.integration.linkage.conftest import load_records, synthetic

TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]
pytestmark = pytest.mark.usefixtures("with_model")


@pytest.fixture(scope="module")
def population() -> pa.Table:
    return synthetic(600)


@pytest.fixture(scope="module")
def trained(population: pa.Table) -> dict[str, Any]:
    """One model trained on the population, saved into each test's database (training is
    the slow part; every test still runs the rest of the pipeline for real)."""
    con = pipeline.connect()
    result = pipeline.run(con, population.drop_columns(TRUTH), trained=None)
    con.close()
    return result.trained


@pytest.fixture
def with_model(session: Session, trained: dict[str, Any]) -> None:
    service.save_model(session=session, trained=trained, summary={}, actor="test", run_id=None)


def _links(session: Session) -> dict[int, str]:
    # In record order, so the records a test picks are the same on every database.
    return dict(
        session.execute(
            select(PersonLink.source_record_id, PersonLink.person_id).order_by(
                PersonLink.source_record_id
            )
        ).all()
    )


def _twins(records: pa.Table) -> list[tuple[int, int]]:
    """Pairs of record ids of two different people born together in one household."""
    by_group: dict[str, dict[str, int]] = {}
    for r in records.to_pylist():
        by_group.setdefault(r["birth_group"], {}).setdefault(r["true_person"], r["id"])
    pairs = []
    for people in by_group.values():
        ids = list(people.values())
        pairs += [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    return pairs


def test_full_run_links_people_keeps_twins_apart_and_ids_stable(
    session: Session, population: pa.Table, tmp_path: Path
) -> None:
    load_records(session, population)
    cache = tmp_path / "linkage.duckdb"
    first = service.link(session=session, actor="test", cache=cache)
    assert first["records_linked"] == population.num_rows
    links = _links(session)
    truth = dict(
        zip(population["id"].to_pylist(), population["true_person"].to_pylist(), strict=True)
    )
    twins = _twins(population)
    assert twins, "the synthetic population should hold twins"
    assert all(links[a] != links[b] for a, b in twins)
    # Most people are one person each: far fewer persons than records.
    n_people = len(set(truth.values()))
    assert abs(first["persons"] - n_people) < 0.05 * n_people

    second = service.link(session=session, actor="test", cache=cache)
    assert _links(session) == links
    assert second["id_events"] == {}


def test_golden_record_keeps_every_value_with_its_sources(
    session: Session, population: pa.Table, tmp_path: Path
) -> None:
    load_records(session, population)
    service.link(session=session, actor="test", cache=tmp_path / "linkage.duckdb")
    person = session.scalars(select(Person).where(Person.record_count > 2)).first()
    assert person is not None
    values = list(session.scalars(select(GoldenValue).where(GoldenValue.person_id == person.id)))
    fields = {v.field for v in values}
    assert {"given_name", "family_name", "postcode"} <= fields
    for field in fields:
        assert sum(1 for v in values if v.field == field and v.chosen) == 1
    assert all(v.sources and v.sources[0]["source"] for v in values)
    conflicted = session.scalars(select(Person).where(Person.has_conflicts)).first()
    if conflicted is not None:
        dobs = session.scalars(
            select(GoldenValue.value).where(
                GoldenValue.person_id == conflicted.id,
                GoldenValue.field.in_(["date_of_birth", "nhs_number", "sex"]),
            )
        ).all()
        assert len(dobs) > len(set(dobs)) - 1


def test_do_not_link_splits_and_link_merges_with_history(
    session: Session, population: pa.Table, tmp_path: Path
) -> None:
    load_records(session, population)
    cache = tmp_path / "linkage.duckdb"
    service.link(session=session, actor="test", cache=cache)
    links = _links(session)
    # Two records of one person: a manual "do not link" must split them.
    person_records: dict[str, list[int]] = {}
    for record, person in links.items():
        person_records.setdefault(person, []).append(record)
    person_id, records = next((p, r) for p, r in person_records.items() if len(r) >= 2)
    a, b = sorted(records)[:2]
    review.decide(
        session=session,
        decision="do_not_link",
        decided_by="tester",
        reason="checked",
        record_a=a,
        record_b=b,
    )
    service.link(session=session, actor="test", cache=cache)
    after = _links(session)
    assert after[a] != after[b]
    assert person_id in (after[a], after[b]), "one side keeps the person's id"
    created = session.scalar(
        select(func.count()).select_from(PersonIdEvent).where(PersonIdEvent.event == "created")
    )
    assert (created or 0) >= 1

    # Two different persons joined by hand: one id merges into the other and still resolves.
    others = [p for p in person_records if p not in (after[a], after[b])]
    x = person_records[others[0]][0]
    y = person_records[others[1]][0]
    review.decide(
        session=session,
        decision="link",
        decided_by="tester",
        reason="same person",
        record_a=x,
        record_b=y,
    )
    service.link(session=session, actor="test", cache=cache)
    merged = _links(session)
    assert merged[x] == merged[y]
    gone = others[0] if merged[x] == others[1] else others[1]
    old = session.get(Person, gone)
    assert old is not None
    assert old.status == "merged"
    resolved = resolve(gone, session=session)
    assert resolved is not None
    assert resolved.id == merged[x]
    event = session.scalars(
        select(PersonIdEvent).where(
            PersonIdEvent.event == "merged", PersonIdEvent.person_id == gone
        )
    ).first()
    assert event is not None
    assert event.other_person_id == merged[x]
    # The decisions still hold after retraining.
    service.link(session=session, actor="test", cache=cache, retrain=True)
    final = _links(session)
    assert final[x] == final[y]
    assert final[a] != final[b]


def test_review_queue_and_export(session: Session, population: pa.Table, tmp_path: Path) -> None:
    load_records(session, population)
    summary = service.link(session=session, actor="test", cache=tmp_path / "linkage.duckdb")
    assert summary["review_queue_open"] == review.count_open(session=session)
    out = tmp_path / "links.csv"
    n = service.export_links(session=session, out=out)
    assert n == population.num_rows
    header = out.read_text().splitlines()[0]
    assert header.replace('"', "") == "source,source_record_id,person_id"
    with pytest.raises(ValueError, match=r"csv or \.parquet"):
        service.export_links(session=session, out=tmp_path / "links.txt")


def test_empty_source_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    session.execute(text("delete from source_record"))
    with pytest.raises(ValueError, match="nothing to link"):
        service.link(session=session, actor="test", cache=tmp_path / "linkage.duckdb")


def _index_definitions(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Each table's indexes as the database holds them (name, definition)."""
    tables = service.REWRITTEN_TABLES
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "select tablename, indexname, indexdef from pg_indexes "
                "where tablename = any(:t) order by 1, 2"
            ),
            {"t": list(tables)},
        )
    else:
        rows = session.execute(
            text(
                "select tbl_name, name, coalesce(sql, '') from sqlite_master "
                "where type = 'index' and tbl_name in ('person', 'person_link', 'golden_value') "
                "order by 1, 2"
            )
        )
    found: dict[str, list[tuple[str, str]]] = {t: [] for t in tables}
    for table, name, definition in rows:
        found[str(table)].append((str(name), str(definition)))
    return found


def test_full_runs_leave_every_index_as_it_was_and_a_failed_run_keeps_them(
    session: Session, population: pa.Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite builds the rewritten tables' indexes once after a full run's rows are in; the
    same indexes must be there afterwards (lookups by person, record and field rely on them),
    and a run that fails half way must not leave the tables without them."""
    before = _index_definitions(session)
    assert all(before[t] for t in service.REWRITTEN_TABLES)
    load_records(session, population)
    cache = tmp_path / "linkage.duckdb"
    service.link(session=session, actor="test", cache=cache)  # into empty tables
    assert _index_definitions(session) == before
    # Id events are written with the run's time, read back as a time.
    at = session.scalars(select(PersonIdEvent.at)).first()
    assert at is not None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - at).total_seconds()) < 600
    n_links = session.scalar(select(func.count()).select_from(PersonLink))
    service.link(session=session, actor="test", cache=cache)  # over the first run's rows
    assert _index_definitions(session) == before

    real = service._write_rows

    def fails_after_writing(*args: Any, **kwargs: Any) -> dict[str, int]:
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_write_rows", fails_after_writing)
    savepoint = session.begin_nested()
    with pytest.raises(RuntimeError, match="disk full"):
        service.link(session=session, actor="test", cache=cache)
    savepoint.rollback()
    assert _index_definitions(session) == before
    assert session.scalar(select(func.count()).select_from(PersonLink)) == n_links
    # The lookups still use them: a person's links come through the person index.
    if session.get_bind().dialect.name == "sqlite":
        plan = session.execute(
            text("explain query plan select id from person_link where person_id = 'x'")
        ).all()
        assert "ix_person_link_person_id" in " ".join(str(r[-1]) for r in plan)


def test_source_records_are_read_back_exactly_whatever_their_characters(
    session: Session,
) -> None:
    """SQLite rows come through JSON (``store._sqlite_as_json``): quotes, backslashes, line
    breaks, accents and emoji, empty strings and nulls come back as they were stored."""
    awkward = ['O\'Brien "Jr"', "back\\slash", "two\nlines", "Zoë Łukasz 王", "🙂", "", None]
    records = synthetic(30, seed=3).slice(0, len(awkward))
    records = records.set_column(
        records.schema.get_field_index("given_name"), "given_name", pa.array(awkward, pa.string())
    )
    load_records(session, records)
    read = store.source_records(session).sort_by("id")
    assert read.column_names == SOURCE_COLUMNS
    assert read["given_name"].to_pylist() == awkward
    assert read["id"].to_pylist() == sorted(records["id"].to_pylist())

    def as_text(values: list[Any]) -> list[str | None]:
        return [None if v is None else str(v) for v in values]

    assert as_text(read["date_of_birth"].to_pylist()) == as_text(
        records.sort_by("id")["date_of_birth"].to_pylist()
    )
    changed = store.source_records(session, changed_since=datetime.now(UTC) - timedelta(hours=1))
    assert changed.num_rows == len(awkward)
    assert store.source_records(session, changed_since=datetime.now(UTC)).num_rows == 0

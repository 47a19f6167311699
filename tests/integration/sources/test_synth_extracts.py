"""Every synthetic partner's extract loads under its contract alone, and nothing is lost."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from familyhub.db import make_engine, session_factory
from familyhub.sources.models import QuarantineRow, SourceEvent, SourceRecord, SourceRelationship
from familyhub.sources.service import ingest_file, plan_ingest
from familyhub.synth.generate import generate


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(people=500, seed=3, out=out)
    return out


def test_each_synthetic_file_is_claimed_by_exactly_one_contract(synth: Path) -> None:
    planned = plan_ingest(synth / "extracts")
    assert [p.problem for p in planned if p.entry is None] == []
    truth_sources = {row["source"] for row in csv.DictReader((synth / "truth/records.csv").open())}
    assert {p.entry.contract.name for p in planned if p.entry} == truth_sources
    assert len(planned) == 12


@pytest.mark.slow
def test_synthetic_extracts_load_end_to_end(synth: Path, fresh_db_url: str) -> None:
    manifest = json.loads((synth / "truth/manifest.json").read_text())["files"]
    engine = make_engine(fresh_db_url)
    factory = session_factory(engine)
    planned = plan_ingest(synth / "extracts")
    for item in planned:
        assert item.entry is not None
        with factory() as session:
            outcome = ingest_file(item.path, item.entry.contract, session=session, actor="test")
            session.commit()
        assert outcome.status == "loaded", outcome.message
        assert outcome.rows_read == manifest[f"extracts/{item.path.name}"]
        assert outcome.rows_loaded + outcome.rows_quarantined == outcome.rows_read
        # The synthetic error model makes identifiers wrong, never rows unreadable.
        assert outcome.rows_quarantined <= 0.01 * outcome.rows_read, outcome.message

    with factory() as session:
        loaded = set(session.execute(select(SourceRecord.source, SourceRecord.record_id)).all())
        quarantined = {
            (q.source, (q.raw_row or {}).get(_record_column(planned, q.source)))
            for q in session.scalars(
                select(QuarantineRow).where(QuarantineRow.action == "row_quarantined")
            )
        }
        truth = {
            (row["source"], row["record_id"])
            for row in csv.DictReader((synth / "truth/records.csv").open())
        }
        # Nothing lost: every row the partners sent is a source record or in quarantine.
        assert truth - loaded - quarantined == set()
        per_source = dict(
            session.execute(
                select(SourceEvent.source, func.count()).group_by(SourceEvent.source)
            ).all()
        )
        assert set(per_source) == {s for s, _ in truth}
        relationships = dict(
            session.execute(
                select(SourceRelationship.source, func.count()).group_by(SourceRelationship.source)
            ).all()
        )
        assert relationships.get("childrens_social_care", 0) > 0
        assert relationships.get("health_visiting", 0) > 0
        unresolved = session.scalar(
            select(func.count())
            .select_from(SourceRelationship)
            .where(SourceRelationship.related_record_id.is_(None))
        )
        assert unresolved == 0
        with_nhs = session.scalar(
            select(func.count())
            .select_from(SourceRecord)
            .where(SourceRecord.source == "health_visiting", SourceRecord.nhs_number.is_not(None))
        )
        assert (with_nhs or 0) > 0

    for item in planned:
        assert item.entry is not None
        with factory() as session:
            again = ingest_file(item.path, item.entry.contract, session=session, actor="test")
            session.commit()
        assert again.status == "unchanged"
    engine.dispose()


def _record_column(planned: list, source: str) -> str:
    for item in planned:
        if item.entry and item.entry.contract.name == source:
            return str(item.entry.contract.record_id)
    raise KeyError(source)

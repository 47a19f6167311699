"""Counts and extracts end to end over a synthetic population, with the output register."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.insight.aggregates import CountsSpec
from familyhub.insight.areas import AreaLookup
from familyhub.insight.disclosure import DisclosureError
from familyhub.insight.keys import (
    MissingMasterKeyError,
    create_purpose_key,
    init_master_key,
    rotate_purpose_key,
)
from familyhub.insight.models import InsightOutput
from familyhub.insight.service import InsightRefusedError, produce_counts, produce_extract

from .synthetic import population


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_counts_by_need_area_month_pass_disclosure_control(session: Session, tmp_path: Path):
    out = tmp_path / "needs.csv"
    outcome = produce_counts(
        session=session,
        data=population(),
        spec=CountsSpec(by=("need", "area", "month")),
        purpose="service_planning",
        out=out,
        actor="planner-test",
    )
    rows = read_csv(out)
    assert list(rows[0]) == ["need", "area", "month", "families"]
    shown = [r["families"] for r in rows]
    assert "c" in shown
    assert all(v == "c" or (int(v) % 5 == 0 and not 1 <= int(v) <= 7) for v in shown)
    # No total across needs (a family with two needs would be counted twice).
    assert all(r["need"] != "Total" for r in rows)
    registered = session.scalars(select(InsightOutput)).one()
    assert registered.kind == "counts"
    assert registered.summary["primary_suppressed"] == outcome.table.primary_suppressed


def test_families_with_three_plus_needs_too_fine_is_refused_and_nothing_written(
    session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "fine.csv"
    with pytest.raises(DisclosureError, match="too fine"):
        produce_counts(
            session=session,
            data=population(families=40),
            spec=CountsSpec(by=("need", "area", "month"), unit="people"),
            purpose="research",
            out=out,
            actor="t",
        )
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_a_lower_threshold_than_the_purpose_allows_is_refused(session: Session, tmp_path: Path):
    with pytest.raises(InsightRefusedError, match="at least 10"):
        produce_counts(
            session=session,
            data=population(),
            spec=CountsSpec(by=("area",)),
            purpose="research",
            out=tmp_path / "x.csv",
            actor="t",
            threshold=5,
        )


def test_an_area_lookup_that_misses_postcodes_is_reported(session: Session, tmp_path: Path):
    lookup_file = tmp_path / "lookup.csv"
    lookup_file.write_text("pcds,wd25cd,lsoa21cd\nNS1 1AB,W01,L001\nNS2 2AB,W02,L002\n")
    outcome = produce_counts(
        session=session,
        data=population(),
        spec=CountsSpec(by=("area",), area_level="ward"),
        purpose="service_planning",
        out=tmp_path / "wards.csv",
        actor="t",
        lookup=AreaLookup.from_csv(lookup_file),
    )
    coverage = outcome.raw.coverage
    assert coverage.uncovered_postcodes
    assert coverage.uncovered_people > 0
    areas = {r["area"] for r in read_csv(tmp_path / "wards.csv")}
    assert "Unknown" in areas  # counted, not dropped
    assert "uncovered_postcodes" in outcome.output.summary["area_coverage"]


def test_extract_is_pseudonymised_k_anonymous_and_unjoinable(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "keys"
    data = population()
    with pytest.raises(MissingMasterKeyError):
        produce_extract(
            session=session, data=data, purpose="needs_assessment", out=tmp_path / "a.csv",
            actor="t", keys_dir=keys,
        )  # fmt: skip
    assert not (tmp_path / "a.csv").exists()
    init_master_key(keys)
    for purpose in ("needs_assessment", "research"):
        create_purpose_key(session=session, purpose=purpose, actor="t", keys_dir=keys)

    def run(purpose: str, name: str) -> list[dict[str, str]]:
        produce_extract(
            session=session, data=data, purpose=purpose, out=tmp_path / name, actor="t",
            keys_dir=keys,
        )  # fmt: skip
        return read_csv(tmp_path / name)

    planning = run("needs_assessment", "a.csv")
    research = run("research", "b.csv")
    text = (tmp_path / "a.csv").read_text()
    assert "per00001" not in text
    assert "fam0000" not in text
    assert "NS1 " not in text  # no full postcodes, districts only
    assert {r["person_pseudonym"] for r in planning}.isdisjoint(
        {r["person_pseudonym"] for r in research}
    )
    quasi = Counter((r["age_band"], r["sex"], r["postcode_district"], r["household_type"])
                    for r in research)  # fmt: skip
    assert min(quasi.values()) >= 10
    registered = session.scalars(
        select(InsightOutput).where(InsightOutput.purpose == "research")
    ).one()
    assert (
        registered.summary["rows_in"]
        == registered.summary["rows_out"] + registered.summary["held_back"]
    )
    assert registered.key_version == 1
    from familyhub.audit.models import AuditEvent

    audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "insight.extract"))
    assert [e.details["insight_purpose"] for e in audited] == ["needs_assessment", "research"]

    rotate_purpose_key(session=session, purpose="needs_assessment", actor="t", keys_dir=keys)
    rotated = run("needs_assessment", "c.csv")
    before = {r["person_pseudonym"] for r in planning}
    assert before.isdisjoint({r["person_pseudonym"] for r in rotated})


def test_unknown_and_identifiable_purposes_are_refused(session: Session, tmp_path: Path):
    from familyhub.insight.purposes import UnknownPurposeError

    with pytest.raises(UnknownPurposeError, match="Unknown purpose"):
        produce_extract(
            session=session, data=population(10), purpose="marketing", out=tmp_path / "x.csv",
            actor="t",
        )  # fmt: skip
    with pytest.raises(InsightRefusedError, match="evaluation-return"):
        produce_counts(
            session=session, data=population(10), spec=CountsSpec(by=("area",)),
            purpose="national_evaluation", out=tmp_path / "x.csv", actor="t",
        )  # fmt: skip
    assert not (tmp_path / "x.csv").exists()


def test_extract_with_a_ward_and_lsoa_lookup_stays_k_anonymous(session: Session, tmp_path: Path):
    keys = tmp_path / "keys"
    init_master_key(keys)
    create_purpose_key(session=session, purpose="needs_assessment", actor="t", keys_dir=keys)
    data = population()
    lookup_file = tmp_path / "lookup.csv"
    postcodes = sorted(set(data.people.column("postcode").to_pylist()))
    lookup_file.write_text(
        "postcode,ward,lsoa\n"
        + "".join(f"{p},W{p[:3]},L{p.replace(' ', '')}\n" for p in postcodes[:-3])
    )
    outcome = produce_extract(
        session=session, data=data, purpose="needs_assessment", out=tmp_path / "x.csv",
        actor="t", keys_dir=keys, lookup=AreaLookup.from_csv(lookup_file),
    )  # fmt: skip
    rows = read_csv(tmp_path / "x.csv")
    assert {"postcode_district", "ward", "lsoa"} <= set(rows[0])
    classes = Counter(
        (r["postcode_district"], r["ward"], r["lsoa"], r["age_band"], r["household_type"],
         r["sex"]) for r in rows
    )  # fmt: skip
    assert min(classes.values()) >= 5
    # Some detail survives: not every row was generalised to the district.
    assert any(r["lsoa"] not in ("*", "Unknown") for r in rows)
    assert outcome.result.coverage.uncovered_postcodes == set(postcodes[-3:])


def test_month_counts_each_family_once_in_the_month_its_first_need_was_evidenced(
    session: Session, tmp_path: Path
) -> None:
    from datetime import date

    import pyarrow as pa

    from familyhub.insight.dataset import NEEDS_SCHEMA, PEOPLE_SCHEMA, SERVICES_SCHEMA, InsightData

    people, needs = [], []
    for f in range(60):
        people.append({"person_id": f"p{f}", "family_id": f"f{f}", "role": "parent",
                       "date_of_birth": None, "sex": "F", "postcode": "NS1 1AB"})  # fmt: skip
        # Families 0-19 first evidenced in January (and again later), 20-59 in March.
        first_month = 1 if f < 20 else 3
        for month, need in [(first_month, "housing"), (5, "health")]:
            needs.append({"family_id": f"f{f}", "person_id": f"p{f}", "need": need,
                          "status": "open", "first_evidence_date": date(2025, month, 2),
                          "last_evidence_date": date(2025, 6, 1)})  # fmt: skip
    data = InsightData(
        people=pa.Table.from_pylist(people, schema=PEOPLE_SCHEMA),
        needs=pa.Table.from_pylist(needs, schema=NEEDS_SCHEMA),
        services=SERVICES_SCHEMA.empty_table(),
        as_of=date(2026, 1, 1),
    )
    outcome = produce_counts(
        session=session, data=data, spec=CountsSpec(by=("month",)),
        purpose="service_planning", out=tmp_path / "m.csv", actor="t",
    )  # fmt: skip
    assert read_csv(tmp_path / "m.csv") == [
        {"month": "2025-01", "families": "20"},
        {"month": "2025-02", "families": "0"},
        {"month": "2025-03", "families": "40"},
        {"month": "Total", "families": "60"},
    ]
    assert outcome.table.suppressed == 0
    by_quarter = produce_counts(
        session=session, data=data, spec=CountsSpec(by=("quarter",)),
        purpose="service_planning", out=tmp_path / "q.csv", actor="t",
    )  # fmt: skip
    assert [c.shown for c in by_quarter.table.cells] == ["60", "60"]
    with pytest.raises(ValueError, match="one of month, quarter or year"):
        CountsSpec(by=("month", "year"))


def test_since_keeps_only_those_first_evidenced_from_that_month(session, tmp_path) -> None:
    data = population()
    everyone = produce_counts(
        session=session, data=data, spec=CountsSpec(by=("month",)),
        purpose="service_planning", out=tmp_path / "all.csv", actor="t",
    )  # fmt: skip
    recent = produce_counts(
        session=session, data=data, spec=CountsSpec(by=("month",), since="2025-04"),
        purpose="service_planning", out=tmp_path / "recent.csv", actor="t",
    )  # fmt: skip
    months = [r["month"] for r in read_csv(tmp_path / "recent.csv")]
    assert months == ["2025-04", "2025-05", "2025-06", "Total"]
    assert everyone.raw.counts[("2025-05",)] == recent.raw.counts[("2025-05",)]
    with pytest.raises(ValueError, match="YYYY-MM"):
        CountsSpec(by=("month",), since="April")

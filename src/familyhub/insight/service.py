"""Producing insight outputs: checks first, then an atomic write, then the register entry.

Every output is for a named purpose. Nothing is written until every check has passed
(purpose known, keys present, disclosure control or k-anonymity applied); files are written
to a temporary name and renamed, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from familyhub.access import Context, Principal, Resource, decide
from familyhub.audit.service import record
from familyhub.insight.aggregates import CountsSpec, RawCounts, controlled_counts
from familyhub.insight.areas import AreaLookup
from familyhub.insight.charts import Chart
from familyhub.insight.dataset import InsightData
from familyhub.insight.disclosure import ControlledTable, DisclosureRules
from familyhub.insight.extract import ExtractResult, build_extract
from familyhub.insight.geo import Boundaries
from familyhub.insight.keys import current_purpose_key
from familyhub.insight.models import InsightOutput
from familyhub.insight.pseudonyms import Pseudonymiser
from familyhub.insight.purposes import Purpose, get_purpose


class InsightRefusedError(ValueError):
    """A request insight will not fulfil, with the reason in words."""


@dataclass
class CountsOutcome:
    table: ControlledTable
    raw: RawCounts
    output: InsightOutput


@dataclass
class ExtractOutcome:
    result: ExtractResult
    output: InsightOutput


def aggregate_purpose(name: str) -> Purpose:
    purpose = get_purpose(name)
    if purpose.identifiable:
        raise InsightRefusedError(
            f"Purpose {name!r} carries identifiers; produce it with "
            "`familyhub insight evaluation-return`, never as counts or an extract."
        )
    return purpose


def rules_for(purpose: Purpose, threshold: int | None) -> DisclosureRules:
    if threshold is None:
        return purpose.rules
    if threshold < purpose.threshold:
        raise InsightRefusedError(
            f"The suppression threshold for {purpose.name!r} is at least {purpose.threshold}; "
            f"{threshold} would publish smaller counts than its agreement allows."
        )
    return DisclosureRules(threshold=threshold)


def _refuse_if_nothing(data: InsightData) -> None:
    if data.needs.num_rows == 0:
        reasons = "; ".join(data.gaps) or "no needs have been assessed"
        raise InsightRefusedError(f"There is nothing to count yet ({reasons}). Nothing written.")


def produce_counts(
    *,
    session: Session,
    data: InsightData,
    spec: CountsSpec,
    purpose: str,
    out: Path,
    actor: str,
    threshold: int | None = None,
    lookup: AreaLookup | None = None,
) -> CountsOutcome:
    chosen = aggregate_purpose(purpose)
    rules = rules_for(chosen, threshold)
    _refuse_if_nothing(data)
    table, raw = controlled_counts(data, spec, rules=rules, lookup=lookup)
    rows = table.rows()
    digest = write_csv_rows(out, [*spec.by, spec.unit], rows)
    with removed_on_failure(out):
        output = _register_counts(
            session=session, chosen=chosen, spec=spec, rules=rules, out=out, actor=actor,
            digest=digest, table=table, raw=raw, lookup=lookup, data=data,
        )  # fmt: skip
    return CountsOutcome(table=table, raw=raw, output=output)


def _register_counts(
    *,
    session: Session,
    chosen: Purpose,
    spec: CountsSpec,
    rules: DisclosureRules,
    out: Path,
    actor: str,
    digest: str,
    table: ControlledTable,
    raw: RawCounts,
    lookup: AreaLookup | None,
    data: InsightData,
) -> InsightOutput:
    return register_output(
        session=session,
        kind="counts",
        purpose=chosen.name,
        actor=actor,
        path=out,
        sha256=digest,
        row_count=len(table.cells),
        parameters={
            "by": list(spec.by),
            "unit": spec.unit,
            "statuses": list(spec.statuses),
            "min_needs": spec.min_needs,
            "area_level": spec.area_level,
            "threshold": rules.threshold,
            "area_lookup": lookup.source if lookup else None,
        },
        summary={
            "cells": len(table.cells),
            "primary_suppressed": table.primary_suppressed,
            "secondary_suppressed": table.secondary_suppressed,
            "area_coverage": raw.coverage.as_dict(),
            "gaps": data.gaps,
        },
    )


def produce_extract(
    *,
    session: Session,
    data: InsightData,
    purpose: str,
    out: Path,
    actor: str,
    lookup: AreaLookup | None = None,
    k: int | None = None,
    keys_dir: Path | None = None,
) -> ExtractOutcome:
    chosen = aggregate_purpose(purpose)
    if k is not None and k < chosen.k:
        raise InsightRefusedError(
            f"k for {chosen.name!r} is at least {chosen.k}; {k} would make rows easier to "
            "single out than its agreement allows."
        )
    # The key comes first: a missing master key stops the extract before any work is done.
    purpose_key = current_purpose_key(session=session, purpose=chosen.name, keys_dir=keys_dir)
    if data.people.num_rows == 0:
        reasons = "; ".join(data.gaps) or "no people"
        raise InsightRefusedError(f"There is nobody to extract yet ({reasons}). Nothing written.")
    result = build_extract(
        data, purpose=chosen, pseudonymiser=Pseudonymiser(purpose_key), lookup=lookup, k=k
    )
    if result.table.num_rows == 0:
        raise InsightRefusedError(
            "No row of the extract passed k-anonymity "
            f"({result.report.describe()}). Nothing written."
        )
    digest = write_table(out, result.table)
    with removed_on_failure(out):
        return _register_extract(
            session=session, chosen=chosen, actor=actor, out=out, digest=digest,
            result=result, key_version=purpose_key.version, k=k, lookup=lookup, data=data,
            keys_dir=keys_dir,
        )  # fmt: skip


def _register_extract(
    *,
    session: Session,
    chosen: Purpose,
    actor: str,
    out: Path,
    digest: str,
    result: ExtractResult,
    key_version: int,
    k: int | None,
    lookup: AreaLookup | None,
    data: InsightData,
    keys_dir: Path | None,
) -> ExtractOutcome:
    output = register_output(
        session=session,
        kind="extract",
        purpose=chosen.name,
        actor=actor,
        path=out,
        sha256=digest,
        row_count=result.table.num_rows,
        key_version=key_version,
        parameters={
            "level": chosen.level,
            "k": k or chosen.k,
            "area_lookup": lookup.source if lookup else None,
        },
        summary={
            "rows_in": result.report.rows_in,
            "rows_out": result.report.rows_out,
            "held_back": result.report.held_back,
            "rows_generalised": result.report.rows_generalised,
            "generalised_by": result.report.generalised_by,
            "smallest_class": result.report.smallest_class,
            "area_coverage": result.coverage.as_dict(),
            "gaps": data.gaps,
        },
    )
    # A person-level extract reads everyone's data, pseudonymised: the audit log says who
    # produced which file for which purpose (persons are not listed one by one).
    record(
        session,
        actor=actor,
        action="insight.extract",
        records=[],
        decision="allow",
        purpose=None,
        request_id=None,
        details={
            "insight_purpose": chosen.name,
            "file": str(out),
            "sha256": digest,
            "rows": result.table.num_rows,
            "key_version": key_version,
            "output_id": output.id,
        },
        keys_dir=keys_dir,
    )
    return ExtractOutcome(result=result, output=output)


def planner_dashboard(
    *,
    session: Session,
    principal: Principal | None = None,
    as_of: date | None = None,
    lookup: AreaLookup | None = None,
    boundaries: Boundaries | None = None,
    purpose: str = "service_planning",
) -> list[Chart]:
    """The planner dashboard's charts from the database: figures only, all controlled.

    With a ``principal`` (the web page's user) the access policies are asked first
    (``view_statistics`` for the purpose ``statistics``); a refusal raises
    :class:`InsightRefusedError` with the policies' reasons.
    """
    from familyhub.insight.charts import planner_charts
    from familyhub.insight.dataset import load_from_database

    if principal is not None:
        decision = decide(
            principal, "view_statistics", Resource.service(), Context(purpose="statistics")
        )
        if not decision.allowed:
            raise InsightRefusedError(" ".join(decision.reasons))
    chosen = aggregate_purpose(purpose)
    data = load_from_database(session=session, as_of=as_of or date.today())
    return planner_charts(data, rules=chosen.rules, lookup=lookup, boundaries=boundaries)


def write_charts(
    *, session: Session, charts: Sequence[Chart], folder: Path, purpose: str, actor: str
) -> list[Path]:
    """Each chart's SVG and the CSV of what it shows, registered; refused charts skipped."""
    written = []
    for chart in charts:
        if not chart.svg:
            continue
        svg, csv_path = folder / f"{chart.name}.svg", folder / f"{chart.name}.csv"
        fd, tmp = _atomic_target(svg)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(chart.svg)
        os.replace(tmp, svg)
        digest = write_csv_rows(csv_path, chart.fieldnames, chart.rows)
        register_output(
            session=session,
            kind="chart",
            purpose=purpose,
            actor=actor,
            path=csv_path,
            sha256=digest,
            row_count=len(chart.rows),
            parameters={"chart": chart.name, "svg": str(svg)},
            summary={"notes": chart.notes},
        )
        written += [svg, csv_path]
    return written


def register_output(
    *,
    session: Session,
    kind: str,
    purpose: str,
    actor: str,
    path: Path,
    sha256: str,
    row_count: int,
    parameters: dict[str, Any],
    summary: dict[str, Any],
    key_version: int | None = None,
    recipient: str | None = None,
    agreement: str | None = None,
) -> InsightOutput:
    output = InsightOutput(
        kind=kind,
        purpose=purpose,
        key_version=key_version,
        recipient=recipient,
        agreement=agreement,
        actor=actor,
        file_name=str(path),
        sha256=sha256,
        row_count=row_count,
        parameters=parameters,
        summary=summary,
    )
    session.add(output)
    session.flush()
    return output


@contextmanager
def removed_on_failure(path: Path) -> Iterator[None]:
    """Delete a file just written if recording it fails, so no unregistered output remains."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _atomic_target(path: Path) -> tuple[int, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    return fd, Path(tmp)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_csv_rows(path: Path, fieldnames: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    """Write rows as CSV via a temporary file and a rename; returns the file's SHA-256."""
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(fieldnames))
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _sha256(path)


def write_table(path: Path, table: pa.Table) -> str:
    """Write an Arrow table as Parquet (``.parquet``) or CSV, atomically."""
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        if path.suffix.lower() == ".parquet":
            pq.write_table(table, tmp)
        else:
            pa_csv.write_csv(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _sha256(path)

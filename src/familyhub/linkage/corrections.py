"""Rectifications in the golden record: a corrected value outranks the sources.

A correction made through a rights request (``rights.rectification``) is stored beside the
data. The golden record linkage writes shows it as the chosen value of its field, with its
own provenance ("corrected by request N: reason") and the sources' values kept beside it, for
as long as the sources still say what they said when it was made. Once the sources say
something else, the partner has fixed its record: the correction is marked ``superseded`` and
the sources' choice stands again.

Applied in two places so that the golden record never shows a corrected field wrongly:

* every run (full or incremental) applies the corrections of the persons it rewrites
  (:func:`apply_in_run`), so a re-link keeps them;
* a new correction is applied straight away to the stored golden record (:func:`apply_now`),
  without waiting for the next run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import duckdb
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from familyhub.linkage.models import GoldenValue, Person
from familyhub.linkage.persons import MAX_MERGE_HOPS
from familyhub.rights.models import Rectification
from familyhub.rights.rectification import GOLDEN_FIELDS  # the headline columns of person

SOURCE = "rectification"
RULE_PREFIX = "corrected by request"


def rule_text(rect: Rectification) -> str:
    return f"{RULE_PREFIX} {rect.request_id}: {rect.reason}"[:200]


def _sources(rect: Rectification) -> list[dict[str, Any]]:
    made = rect.created_at or datetime.now(UTC)
    return [
        {
            "source": SOURCE,
            "records": 0,
            "last_seen": made.strftime("%Y-%m-%dT%H:%M:%S"),
            "record_id": f"request-{rect.request_id}",
        }
    ]


def _summary_value(field: str, value: str) -> Any:
    if field == "date_of_birth":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return value


def active(session: Session) -> list[Rectification]:
    """Corrections in force, oldest first (a later one about the same field wins)."""
    return list(
        session.scalars(
            select(Rectification).where(Rectification.status == "active").order_by(Rectification.id)
        )
    )


def supersede(rect: Rectification) -> None:
    rect.status = "superseded"
    rect.superseded_at = datetime.now(UTC)


def apply_in_run(
    session: Session, con: duckdb.DuckDBPyConnection, *, merged: dict[str, str]
) -> dict[str, int]:
    """Apply corrections to this run's ``fh_golden`` and ``fh_person_summary`` (DuckDB).

    ``merged``: ids this run merged into others; a correction follows its person there.
    Returns how many were applied and how many stepped aside because the source changed.
    """
    corrections = active(session)
    if not corrections:
        return {"applied": 0, "superseded": 0}
    in_run = {str(p) for (p,) in con.sql("select person_id from fh_person_summary").fetchall()}
    chosen = {
        (str(p), str(f)): v
        for p, f, v in con.sql(
            "select person_id, field, value from fh_golden where chosen"
        ).fetchall()
    }
    counts = {"applied": 0, "superseded": 0}
    for rect in corrections:
        person_id = rect.person_id
        for _ in range(MAX_MERGE_HOPS):
            if person_id not in merged:
                break
            person_id = merged[person_id]
        if person_id not in in_run:
            continue  # a person this run did not rewrite keeps what is stored
        if person_id != rect.person_id:
            rect.person_id = person_id
        if chosen.get((person_id, rect.field)) != rect.source_value:
            supersede(rect)
            counts["superseded"] += 1
            continue
        con.execute(
            "update fh_golden set chosen = false where person_id = ? and field = ?",
            [person_id, rect.field],
        )
        source = _sources(rect)[0]
        con.execute(
            """
            insert into fh_golden by name
            select ? as person_id, ? as field, ? as value,
                   to_json([{'source': ?, 'records': 0, 'last_seen': ?, 'record_id': ?}])::varchar
                       as sources,
                   0 as source_count, ?::timestamp as last_seen, ? as rule, true as chosen
            """,
            [
                person_id,
                rect.field,
                rect.corrected_value,
                source["source"],
                source["last_seen"],
                source["record_id"],
                source["last_seen"].replace("T", " "),
                rule_text(rect),
            ],
        )
        if rect.field in GOLDEN_FIELDS:
            value = _summary_value(rect.field, rect.corrected_value)
            con.execute(
                f"update fh_person_summary set {rect.field} = ? where person_id = ?",  # noqa: S608
                [value, person_id],
            )
        counts["applied"] += 1
    session.flush()
    return counts


def apply_now(session: Session, rect: Rectification) -> bool:
    """Show a new correction in the stored golden record at once; False when the person has
    no golden record yet (the next run applies it)."""
    person = session.get(Person, rect.person_id)
    if person is None:
        return False
    session.execute(
        update(GoldenValue)
        .where(GoldenValue.person_id == rect.person_id, GoldenValue.field == rect.field)
        .values(chosen=False)
    )
    session.add(
        GoldenValue(
            person_id=rect.person_id,
            field=rect.field,
            value=rect.corrected_value,
            chosen=True,
            sources=_sources(rect),
            source_count=0,
            last_seen=rect.created_at or datetime.now(UTC),
            rule=rule_text(rect),
        )
    )
    if rect.field in GOLDEN_FIELDS:
        setattr(person, rect.field, _summary_value(rect.field, rect.corrected_value))
    session.flush()
    return True

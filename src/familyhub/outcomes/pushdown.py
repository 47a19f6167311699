"""Reading only the events the rules could match, filtered inside the database.

A million people's partners send millions of events, most of them routine (a school term
with good attendance, a health visiting contact without concerns). Each rule's simple
conditions are translated into the database's own SQL, so only candidate events leave the
database; the assessment then applies every condition exactly. A condition that cannot be
translated is simply left out here, so the filter only ever lets through more, never less.

Positive signs (e.g. good attendance) matter only for people who have the need, so they are
read in a second pass restricted to those people's records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from familyhub.families.inputs import EVENTS_SCHEMA
from familyhub.families.tables import read_arrow, write_arrow
from familyhub.outcomes.rules import Rule
from familyhub.outcomes.rules_conditions import NUMERIC_OPERATORS, Condition

EVENT_COLUMNS_SQL = (
    "e.source, e.record_id, e.event_id, e.event_type, e.event_date, e.end_date, "
    "e.description, CAST(e.attributes AS TEXT)"
)
KEYS_TABLE = "assess_record_keys"
NUMBER_START = re.compile(r"^\s*[-+.0-9]")
NUMBER_PATTERN = r"^\s*[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*$"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _attribute(name: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(e.attributes ->> '{name}')"
    return f"json_extract(e.attributes, '$.{name}')"


def _number_or_boolean(value: str) -> bool:
    return bool(NUMBER_START.match(value)) or any(
        word.startswith(value) for word in ("TRUE", "FALSE")
    )


def condition_where(condition: Condition, dialect: str) -> str | None:
    """The condition in the database's SQL, or None where only the assessment can tell."""
    if condition.attribute == "age":
        return None
    value = _attribute(condition.attribute, dialect)
    op = condition.op
    if op in NUMERIC_OPERATORS:
        if dialect == "postgresql":
            # A cast of text that is no number would fail the whole query on PostgreSQL.
            number = (
                f"(CASE WHEN {value} ~ '{NUMBER_PATTERN}' "
                f"THEN CAST({value} AS double precision) END)"
            )
        else:
            number = f"CAST({value} AS REAL)"
        return f"{number} {NUMERIC_OPERATORS[op]} {condition.number!r}"
    as_text = f"upper(trim(CAST({value} AS TEXT)))"
    values = condition.values
    # JSON numbers and booleans read back as text differently in each database (5.0 or 5,
    # true or 1): text comparisons with such values are left to the assessment.
    if op in ("equals", "one_of", "starts_with") and any(_number_or_boolean(v) for v in values):
        return None
    if op in ("equals", "one_of"):
        return f"{as_text} IN ({', '.join(_literal(v) for v in values)})"
    if op == "starts_with":
        if any("%" in v or "_" in v for v in values):
            return None
        return "(" + " OR ".join(f"{as_text} LIKE {_literal(v + '%')}" for v in values) + ")"
    return None  # not_one_of, contains_any: left to the assessment


def rules_where(rules: Iterable[Rule], dialect: str) -> str:
    clauses = []
    for rule in rules:
        types = ", ".join(_literal(t) for t in rule.event_types)
        parts = [f"e.event_type IN ({types})"]
        parts.extend(w for c in rule.conditions if (w := condition_where(c, dialect)) is not None)
        clauses.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(clauses) if clauses else "FALSE"


def read_candidate_events(session: Session, rules: Iterable[Rule]) -> pa.Table:
    dialect = session.get_bind().dialect.name
    # Literals are quoted by _literal; attribute names are checked identifiers.
    sql = f"SELECT {EVENT_COLUMNS_SQL} FROM source_event e WHERE {rules_where(rules, dialect)}"  # noqa: S608
    return read_arrow(session, sql, EVENTS_SCHEMA)


def read_events_of_records(session: Session, rules: Iterable[Rule], records: pa.Table) -> pa.Table:
    """Candidate events of the given (source, record_id) records only."""
    rules = list(rules)
    if not rules or records.num_rows == 0:
        return EVENTS_SCHEMA.empty_table()
    dialect = session.get_bind().dialect.name
    session.execute(text(f"DROP TABLE IF EXISTS {KEYS_TABLE}"))
    session.execute(
        text(f"CREATE TEMPORARY TABLE {KEYS_TABLE} (source VARCHAR(64), record_id VARCHAR(64))")
    )
    try:
        write_arrow(session, KEYS_TABLE, records, ["source", "record_id"])
        session.execute(text(f"CREATE INDEX ix_{KEYS_TABLE} ON {KEYS_TABLE} (source, record_id)"))
        where = rules_where(rules, dialect)
        sql = (
            f"SELECT {EVENT_COLUMNS_SQL} FROM {KEYS_TABLE} k JOIN source_event e "  # noqa: S608
            f"ON e.source = k.source AND e.record_id = k.record_id WHERE {where}"
        )
        return read_arrow(session, sql, EVENTS_SCHEMA)
    finally:
        session.execute(text(f"DROP TABLE IF EXISTS {KEYS_TABLE}"))

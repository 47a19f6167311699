"""The set-based assessment: every family's needs, evidence, progress and eligibility at once.

Runs in an in-process DuckDB over Arrow tables, so that a million people's events are
matched against the rules by a handful of columnar scans rather than a Python loop per
family. The inputs are plain tables (events, record -> person links, people's dates of birth,
family memberships), so the engine can be tested without a database and fed from any one.

Each rule becomes one SQL predicate (compiled from its conditions; attribute names are
checked identifiers and values are quoted literals). The status rules are the ones
:func:`familyhub.outcomes.progress.need_status` states in Python.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from familyhub import duck
from familyhub.outcomes.rules import Rule, RuleSet
from familyhub.outcomes.rules_conditions import NUMERIC_OPERATORS, Condition

EVENT_COLUMNS = (
    "source",
    "record_id",
    "event_id",
    "event_type",
    "event_date",
    "end_date",
    "description",
    "attributes",
)


@dataclass
class AssessmentInputs:
    """Plain tables: ``events`` (EVENT_COLUMNS; attributes as JSON text), ``links`` (source,
    record_id, person_id), ``people`` (person_id, date_of_birth), ``members`` (family_id,
    person_id, role, valid_from, valid_to) and the persons left out of flagging."""

    events: pa.Table
    links: pa.Table
    people: pa.Table
    members: pa.Table
    excluded_person_ids: frozenset[str] = frozenset()


@dataclass
class Assessment:
    evidence: (
        pa.Table
    )  # family_id, person_id, need, rule_id, signal, source, record_id, event_id, ...
    needs: pa.Table  # family_id, person_id, need, status, first/last_evidence_date, ongoing, ...
    families: pa.Table  # family_id, has_dependants, need_count, needs, eligible
    rejected: pa.Table  # source, record_id, event_id, person_id, event_date, reason
    as_of: date
    rules_version: str


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value_sql(attribute: str) -> str:
    if attribute == "age":
        return "CAST(age AS VARCHAR)"
    # An empty value means "not recorded", as a missing one does.
    return f"nullif(trim(json_extract_string(attributes, '$.{attribute}')), '')"


def condition_sql(condition: Condition) -> str:
    """One condition as a DuckDB boolean expression over an event row."""
    raw = _value_sql(condition.attribute)
    op = condition.op
    if op in NUMERIC_OPERATORS:
        number = "age" if condition.attribute == "age" else f"TRY_CAST({raw} AS DOUBLE)"
        return f"({number} {NUMERIC_OPERATORS[op]} {condition.number!r})"
    text = f"upper(trim({raw}))"
    if op == "equals":
        return f"({text} = {_literal(condition.values[0])})"
    values = ", ".join(_literal(v) for v in condition.values)
    if op == "one_of":
        return f"({text} IN ({values}))"
    if op == "not_one_of":
        return f"({text} NOT IN ({values}))"
    if op == "starts_with":
        return (
            "(" + " OR ".join(f"starts_with({text}, {_literal(v)})" for v in condition.values) + ")"
        )
    # contains_any: the value read as a list (JSON list, or text separated by , or ;)
    items = (
        f"list_transform(regexp_split_to_array(regexp_replace({raw}, '[\\[\\]\"]', '', 'g'), "
        "'[,;]'), lambda x: upper(trim(x)))"
    )
    return f"coalesce(list_has_any({items}, [{values}]), false)"


def rule_sql(rule: Rule) -> str:
    types = ", ".join(_literal(t) for t in rule.event_types)
    parts = [f"event_type IN ({types})", *(condition_sql(c) for c in rule.conditions)]
    return " AND ".join(parts)


def assess(
    inputs: AssessmentInputs,
    rules: RuleSet,
    *,
    as_of: date,
    today: date | None = None,
    dismissed: Iterable[tuple[str, str]] = (),
) -> Assessment:
    """Assess every family on ``as_of``; events after ``today`` or before birth are rejected.

    ``dismissed`` holds (family_id, need) pairs a practitioner dismissed: they stay in the
    output with their evidence but do not count towards eligibility.
    """
    today = today or as_of
    con = duck.connect()
    try:
        con.execute("SET threads TO 2")
        con.register("events_in", inputs.events)
        con.register("links_in", inputs.links)
        con.register("people_in", inputs.people)
        con.register("members_in", inputs.members)
        excluded = pa.table(
            {"person_id": pa.array(sorted(inputs.excluded_person_ids), pa.string())}
        )
        con.register("excluded_in", excluded)
        dismissed_rows = sorted(set(dismissed))
        con.register(
            "dismissed_in",
            pa.table(
                {
                    "family_id": pa.array([d[0] for d in dismissed_rows], pa.string()),
                    "need": pa.array([d[1] for d in dismissed_rows], pa.string()),
                }
            ),
        )
        _match(con, rules, as_of=as_of, today=today)
        _count_rules(con, rules)
        _attach_families(con, as_of=as_of)
        _render_evidence(con, rules)
        _needs(con, rules, as_of=as_of)
        # A positive sign is only evidence for a need that person has.
        con.execute(
            "DELETE FROM evidence WHERE signal = 'positive' AND NOT EXISTS (SELECT 1 FROM needs n "
            "WHERE n.family_id = evidence.family_id AND n.person_id = evidence.person_id "
            "AND n.need = evidence.need)"
        )
        _families(con, rules, as_of=as_of)
        return Assessment(
            evidence=_table(con, "evidence", "family_id, person_id, need, event_date, event_id"),
            needs=_table(con, "needs", "family_id, person_id, need"),
            families=_table(con, "family_needs", "family_id"),
            rejected=_table(con, "rejected", "source, event_id"),
            as_of=as_of,
            rules_version=rules.version,
        )
    finally:
        con.close()


def _table(con: duckdb.DuckDBPyConnection, name: str, order: str) -> pa.Table:
    return con.sql(f"SELECT * FROM {name} ORDER BY {order}").to_arrow_table()  # noqa: S608


def _match(con: duckdb.DuckDBPyConnection, rules: RuleSet, *, as_of: date, today: date) -> None:
    types = ", ".join(_literal(t) for t in sorted(rules.event_types)) or "NULL"
    con.execute(
        f"""
        CREATE TEMP TABLE ev AS
        SELECT e.source, e.record_id, e.event_id, e.event_type,
               CAST(e.event_date AS DATE) AS event_date, CAST(e.end_date AS DATE) AS end_date,
               e.description, CAST(e.attributes AS VARCHAR) AS attributes,
               l.person_id, CAST(p.date_of_birth AS DATE) AS date_of_birth,
               (year(e.event_date) - year(p.date_of_birth)
                 - CASE WHEN strftime(CAST(e.event_date AS DATE), '%m%d')
                           < strftime(CAST(p.date_of_birth AS DATE), '%m%d') THEN 1 ELSE 0 END
               ) AS age
        FROM events_in e
        JOIN links_in l ON l.source = e.source AND l.record_id = e.record_id
        LEFT JOIN people_in p ON p.person_id = l.person_id
        WHERE e.event_type IN ({types})
          AND l.person_id NOT IN (SELECT person_id FROM excluded_in)
        """  # noqa: S608 - literals are quoted by _literal, names are checked identifiers
    )
    # Literals are quoted by _literal and attribute names are checked identifiers.
    selects = []
    for r in rules.rules:
        tags = f"{_literal(r.id)} AS rule_id, {_literal(r.need)} AS need, {_literal(r.signal)}"
        lasts = str(r.lasts_until_end_date).upper()
        where = rule_sql(r)
        selects.append(f"SELECT ev.*, {tags} AS signal, {lasts} AS lasts FROM ev WHERE {where}")  # noqa: S608
    union = (
        " UNION ALL ".join(selects)
        if selects
        else (
            "SELECT ev.*, '' AS rule_id, '' AS need, '' AS signal, FALSE AS lasts "
            "FROM ev WHERE FALSE"
        )
    )
    con.execute(f"CREATE TEMP TABLE matched_all AS {union}")
    con.execute(
        f"""
        CREATE TEMP TABLE rejected AS
        SELECT DISTINCT source, record_id, event_id, person_id, event_date,
               CASE WHEN event_date > DATE {_literal(today.isoformat())}
                    THEN 'dated in the future'
                    ELSE 'dated before the person was born' END AS reason
        FROM matched_all
        WHERE event_date > DATE {_literal(today.isoformat())}
           OR (date_of_birth IS NOT NULL AND event_date < date_of_birth)
        """  # noqa: S608
    )
    con.execute(
        f"""
        CREATE TEMP TABLE matched AS
        SELECT * FROM matched_all
        WHERE event_date <= DATE {_literal(as_of.isoformat())}
          AND NOT (date_of_birth IS NOT NULL AND event_date < date_of_birth)
        """  # noqa: S608
    )


def _count_rules(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> None:
    """Rules needing several events within some days keep only events in a qualifying window."""
    for rule in rules.rules:
        if rule.at_least <= 1:
            continue
        days = int(rule.within_days or 36500)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE counted AS
            SELECT *, count(*) OVER (
                PARTITION BY person_id ORDER BY event_date
                RANGE BETWEEN INTERVAL {days} DAY PRECEDING AND CURRENT ROW) AS n
            FROM matched WHERE rule_id = {_literal(rule.id)}
            """  # noqa: S608
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE kept AS
            SELECT DISTINCT c.* EXCLUDE (n) FROM counted c
            JOIN counted q ON q.person_id = c.person_id AND q.n >= {rule.at_least}
             AND c.event_date BETWEEN q.event_date - INTERVAL {days} DAY AND q.event_date
            """  # noqa: S608
        )
        con.execute(f"DELETE FROM matched WHERE rule_id = {_literal(rule.id)}")  # noqa: S608
        con.execute("INSERT INTO matched SELECT * FROM kept")


def _attach_families(con: duckdb.DuckDBPyConnection, *, as_of: date) -> None:
    # An event counts for a family when its person belongs to it now, from any time (a new
    # partner's history matters to the family); for someone who has left, only while they
    # were a member: a person a rebuild no longer places there (moved out, or placed there
    # by mistake before better data or rules) takes their history with them. A person with
    # two rows in one family (a child grown up) is cited once per event.
    con.execute(
        """
        CREATE TEMP TABLE evidence AS
        SELECT DISTINCT m.family_id, x.person_id, x.need, x.rule_id, x.signal, x.source,
               x.record_id, x.event_id, x.event_type, x.event_date, x.end_date, x.lasts,
               x.description, x.attributes, x.age, x.date_of_birth
        FROM matched x
        JOIN members_in m ON m.person_id = x.person_id
        WHERE m.valid_to IS NULL
           OR (x.event_date <= CAST(m.valid_to AS DATE)
               AND (m.valid_from IS NULL OR x.event_date >= CAST(m.valid_from AS DATE)))
        """
    )
    del as_of


def template_sql(template: str, rules: RuleSet) -> str:
    """An evidence template as a DuckDB string expression over an evidence row."""
    pieces: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(_literal(literal))
        if name is None:
            continue
        if name == "date":
            value = "strftime(event_date, '%-d %B %Y')"
        elif name == "end_date":
            value = "strftime(end_date, '%-d %B %Y')"
        elif name in ("source", "source_name"):
            cases = " ".join(
                f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in rules.source_names.items()
            )
            value = f"CASE source {cases} ELSE source END" if cases else "source"
        elif name in ("description", "event_type"):
            value = f"nullif({name}, '')"
        elif name == "age":
            value = "CAST(age AS VARCHAR)"
        else:
            # A list attribute (a JSON list) reads as "3A, 16A".
            raw = _value_sql(name)
            value = (
                f"""regexp_replace(regexp_replace({raw}, '[\\[\\]"]', '', 'g'), ',', ', ', 'g')"""
            )
        pieces.append(f"coalesce({value}, '(not recorded)')")
    return "concat(" + ", ".join(pieces or ["''"]) + ")"


def _render_evidence(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> None:
    cases = " ".join(
        f"WHEN {_literal(r.id)} THEN {template_sql(r.evidence, rules)}" for r in rules.rules
    )
    con.execute("ALTER TABLE evidence ADD COLUMN text VARCHAR")
    if cases:
        con.execute(f"UPDATE evidence SET text = CASE rule_id {cases} END")  # noqa: S608


def _needs(con: duckdb.DuckDBPyConnection, rules: RuleSet, *, as_of: date) -> None:
    on = f"DATE {_literal(as_of.isoformat())}"
    improving = rules.progress.improving_after_months
    resolved = rules.progress.resolved_after_months
    con.execute(
        f"""
        CREATE TEMP TABLE needs AS
        WITH spans AS (
            SELECT family_id, person_id, need, event_date,
                   CASE WHEN NOT lasts THEN event_date
                        WHEN end_date IS NULL OR end_date > {on} THEN NULL
                        ELSE greatest(event_date, end_date) END AS last_day,
                   lasts AND (end_date IS NULL OR end_date > {on}) AS ongoing,
                   CASE WHEN lasts AND end_date <= {on} THEN greatest(event_date, end_date)
                        ELSE event_date END AS evidence_day
            FROM evidence WHERE signal = 'need'
        ),
        per_need AS (
            SELECT family_id, person_id, need,
                   min(event_date) AS first_evidence_date,
                   max(evidence_day) AS last_evidence_date,
                   bool_or(ongoing) AS ongoing,
                   max(last_day) AS last_day,
                   count(*) AS evidence_count
            FROM spans GROUP BY ALL
        ),
        positives AS (
            SELECT p.family_id, p.person_id, p.need, max(e.event_date) AS last_positive
            FROM per_need p JOIN evidence e
              ON e.signal = 'positive' AND e.family_id = p.family_id
             AND e.person_id = p.person_id AND e.need = p.need
             AND e.event_date > p.last_day
            GROUP BY ALL
        )
        SELECT n.family_id, n.person_id, n.need,
               CASE WHEN n.ongoing THEN 'open'
                    WHEN n.last_day + INTERVAL {resolved} MONTH <= {on} THEN 'resolved'
                    WHEN p.last_positive IS NOT NULL
                      OR n.last_day + INTERVAL {improving} MONTH <= {on} THEN 'improving'
                    ELSE 'open' END AS status,
               n.first_evidence_date, n.last_evidence_date, n.ongoing, n.evidence_count,
               p.last_positive
        FROM per_need n LEFT JOIN positives p USING (family_id, person_id, need)
        """  # noqa: S608
    )


def _families(con: duckdb.DuckDBPyConnection, rules: RuleSet, *, as_of: date) -> None:
    on = f"DATE {_literal(as_of.isoformat())}"
    statuses = ", ".join(_literal(s) for s in rules.eligibility.statuses) or "NULL"
    con.execute(
        f"""
        CREATE TEMP TABLE family_needs AS
        WITH current_members AS (
            SELECT family_id,
                   bool_or(role IN ('child', 'expectant_parent')) AS has_dependants
            FROM members_in
            WHERE valid_to IS NULL OR CAST(valid_to AS DATE) >= {on}
            GROUP BY family_id
        ),
        counted AS (
            SELECT n.family_id, list(DISTINCT n.need ORDER BY n.need) AS needs
            FROM needs n
            WHERE n.status IN ({statuses})
              AND NOT EXISTS (SELECT 1 FROM dismissed_in d
                              WHERE d.family_id = n.family_id AND d.need = n.need)
            GROUP BY n.family_id
        )
        SELECT f.family_id, f.has_dependants,
               coalesce(len(c.needs), 0) AS need_count,
               coalesce(c.needs, []) AS needs,
               f.has_dependants AND coalesce(len(c.needs), 0) >= {rules.eligibility.min_needs}
                 AS eligible
        FROM current_members f LEFT JOIN counted c USING (family_id)
        """  # noqa: S608
    )

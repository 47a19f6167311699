"""Assess every family from the database, and the practitioner's decisions on needs.

``assess_all`` reads the loaded events, the links and the families, runs the set-based
assessment and replaces the derived tables (needs, evidence, eligibility, rejected events)
in one transaction. Decisions are people's acts and are kept: the latest per need is in
force, and only confirmed needs count towards a claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from familyhub import duck
from familyhub.families.inputs import read_links, read_members
from familyhub.families.tables import read_arrow, write_arrow, write_csv
from familyhub.outcomes.engine import AssessmentInputs, assess
from familyhub.outcomes.headline import outcome_for
from familyhub.outcomes.models import (
    FamilyAssessment,
    FamilyNeed,
    NeedDecision,
    NeedEvidence,
    NeedProgress,
    RejectedEvent,
)
from familyhub.outcomes.pushdown import read_candidate_events, read_events_of_records
from familyhub.outcomes.rules import Rule, RuleSet, load_rules
from familyhub.runs import finish_run, start_run

DECISIONS = ("confirmed", "dismissed")
PREVIOUS_NEEDS_SCHEMA = pa.schema(
    [
        ("family_id", pa.string()),
        ("person_id", pa.string()),
        ("need", pa.string()),
        ("status", pa.string()),
    ]
)
EXPORT_COLUMNS = (
    "family_id",
    "person_id",
    "need",
    "status",
    "first_evidence_date",
    "last_evidence_date",
)


class DecisionError(ValueError):
    """A decision that cannot be recorded (unknown need, no reason...)."""


def excluded_person_ids(session: Session, *, on: date) -> frozenset[str]:
    """Persons left out of needs flagging: those who object to profiling, and those whose
    processing is restricted (the rights domain records both)."""
    from familyhub.rights.facts import objecting_person_ids, restricted_person_ids

    return frozenset(objecting_person_ids(session, on=on) | restricted_person_ids(session, on=on))


def _birth_dates(members: pa.Table) -> pa.Table:
    con = duck.connect()
    try:
        con.register("members_in", members)
        return con.sql(
            "SELECT person_id, max(date_of_birth) AS date_of_birth FROM members_in "
            "GROUP BY person_id"
        ).to_arrow_table()
    finally:
        con.close()


def _read_events(session: Session, rules: RuleSet, links: pa.Table, members: pa.Table) -> pa.Table:
    """Events that could be evidence of a need; then positive signs, only for the records of
    family members with candidate evidence of the same need (a positive sign is evidence of
    nothing else: most school terms are good attendance, and reading them for everyone with
    any candidate event cost more than the whole assessment)."""
    need_rules = [r for r in rules.rules if r.signal == "need"]
    positive_rules = [r for r in rules.rules if r.signal == "positive"]
    events = read_candidate_events(session, need_rules)
    if not positive_rules or events.num_rows == 0:
        return events
    by_need: dict[str, list[Rule]] = {}
    for rule in positive_rules:
        by_need.setdefault(rule.need, []).append(rule)
    parts = [events]
    con = duck.connect()
    try:
        con.register("events_in", events.select(["source", "record_id", "event_type"]))
        con.register("links_in", links)
        con.register("members_in", members.select(["person_id"]))
        for need, positives in sorted(by_need.items()):
            types = sorted({t for r in need_rules if r.need == need for t in r.event_types})
            if not types:
                continue
            con.register("types_in", pa.table({"event_type": pa.array(types, pa.string())}))
            records = con.sql(
                """
                WITH people AS (
                    SELECT DISTINCT l.person_id FROM events_in e
                    JOIN links_in l USING (source, record_id)
                    WHERE e.event_type IN (SELECT event_type FROM types_in)
                      AND l.person_id IN (SELECT person_id FROM members_in)
                )
                SELECT DISTINCT l.source, l.record_id FROM links_in l JOIN people USING (person_id)
                """
            ).to_arrow_table()
            con.unregister("types_in")
            found = read_events_of_records(session, positives, records)
            if found.num_rows:
                parts.append(found)
    finally:
        con.close()
    return pa.concat_tables(parts) if len(parts) > 1 else events


def decisions_in_force(session: Session) -> dict[tuple[str, str], NeedDecision]:
    latest: dict[tuple[str, str], NeedDecision] = {}
    for decision in session.scalars(select(NeedDecision).order_by(NeedDecision.id)):
        latest[(decision.family_id, decision.need)] = decision
    return latest


@dataclass
class AssessSummary:
    as_of: date
    rules_version: str
    families: int
    eligible: int
    needs: int
    evidence: int
    rejected: int
    run_id: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items()}


def assess_all(
    session: Session,
    *,
    actor: str,
    rules: RuleSet | None = None,
    as_of: date | None = None,
    today: date | None = None,
    links_file: Path | None = None,
) -> AssessSummary:
    """Recompute every family's needs, evidence, progress and eligibility."""
    rules = rules or load_rules()
    today = today or date.today()
    as_of = as_of or today
    run = start_run(
        session,
        stage="assess",
        actor=actor,
        parameters={"as_of": as_of.isoformat(), "rules_version": rules.version},
    )
    links = read_links(session, links_file)
    members = read_members(session)
    events = _read_events(session, rules, links, members)
    inputs = AssessmentInputs(
        events=events,
        links=links,
        people=_birth_dates(members),
        members=members,
        excluded_person_ids=excluded_person_ids(session, on=as_of),
    )
    decisions = decisions_in_force(session)
    dismissed = [k for k, d in decisions.items() if d.decision == "dismissed"]
    result = assess(inputs, rules, as_of=as_of, today=today, dismissed=dismissed)
    previous = read_arrow(
        session,
        "SELECT family_id, person_id, need, status FROM family_need",
        PREVIOUS_NEEDS_SCHEMA,
    )
    for model in (FamilyNeed, NeedEvidence, FamilyAssessment, RejectedEvent):
        session.execute(delete(model))
    _record_progress(session, previous, result.needs, as_of=as_of, run_id=run.id)
    tags = {
        "rules_version": pa.array([rules.version] * result.needs.num_rows, pa.string()),
        "assessed_on": pa.array([as_of] * result.needs.num_rows, pa.date32()),
        "run_id": pa.array([run.id] * result.needs.num_rows, pa.int64()),
    }
    needs = result.needs
    for name, column in tags.items():
        needs = needs.append_column(name, column)
    write_arrow(
        session,
        FamilyNeed.__tablename__,
        needs,
        [
            "family_id",
            "person_id",
            "need",
            "status",
            "first_evidence_date",
            "last_evidence_date",
            "ongoing",
            "evidence_count",
            "rules_version",
            "assessed_on",
            "run_id",
        ],
    )
    evidence = result.evidence.append_column(
        "rules_version", pa.array([rules.version] * result.evidence.num_rows, pa.string())
    )
    write_arrow(
        session,
        NeedEvidence.__tablename__,
        evidence,
        [
            "family_id",
            "person_id",
            "need",
            "signal",
            "rule_id",
            "rules_version",
            "source",
            "record_id",
            "event_id",
            "event_date",
            "end_date",
            "text",
        ],
    )
    families = _with_confirmed_counts(result.families, decisions)
    n = families.num_rows
    families = families.append_column(
        "rules_version", pa.array([rules.version] * n, pa.string())
    ).append_column("assessed_on", pa.array([as_of] * n, pa.date32()))
    write_arrow(
        session,
        FamilyAssessment.__tablename__,
        families,
        [
            "family_id",
            "has_dependants",
            "need_count",
            "needs",
            "eligible",
            "confirmed_count",
            "rules_version",
            "assessed_on",
        ],
    )
    rejected = result.rejected.append_column(
        "run_id", pa.array([run.id] * result.rejected.num_rows, pa.int64())
    )
    write_arrow(
        session,
        RejectedEvent.__tablename__,
        rejected,
        ["source", "record_id", "event_id", "person_id", "event_date", "reason", "run_id"],
    )
    summary = AssessSummary(
        as_of=as_of,
        rules_version=rules.version,
        families=result.families.num_rows,
        eligible=sum(1 for e in result.families.column("eligible").to_pylist() if e),
        needs=result.needs.num_rows,
        evidence=result.evidence.num_rows,
        rejected=result.rejected.num_rows,
        run_id=run.id,
    )
    finish_run(run, summary=summary.as_dict())
    session.flush()
    session.expire_all()
    return summary


def _record_progress(
    session: Session,
    previous: pa.Table,
    needs: pa.Table,
    *,
    as_of: date,
    run_id: int,
) -> None:
    """Keep each change of a need's status since the last assessment ('gone': no longer
    found, e.g. after a dismissal of its evidence's person or a rules change)."""
    con = duck.connect()
    try:
        con.register("previous_in", previous)
        con.register("current_in", needs.select(["family_id", "person_id", "need", "status"]))
        changes = con.sql(
            f"""
            SELECT coalesce(c.family_id, p.family_id) AS family_id,
                   coalesce(c.person_id, p.person_id) AS person_id,
                   coalesce(c.need, p.need) AS need,
                   p.status AS previous_status,
                   coalesce(c.status, 'gone') AS status,
                   DATE '{as_of.isoformat()}' AS assessed_on,
                   CAST({int(run_id)} AS BIGINT) AS run_id
            FROM current_in c
            FULL OUTER JOIN previous_in p USING (family_id, person_id, need)
            WHERE c.status IS DISTINCT FROM p.status
            ORDER BY c.family_id IS NULL, family_id, person_id, need
            """  # noqa: S608 - a date and an integer
        ).to_arrow_table()
    finally:
        con.close()
    write_arrow(session, NeedProgress.__tablename__, changes, list(changes.column_names))


def _with_confirmed_counts(
    families: pa.Table, decisions: dict[tuple[str, str], NeedDecision]
) -> pa.Table:
    confirmed: dict[str, int] = {}
    for (family_id, _), decision in decisions.items():
        if decision.decision == "confirmed":
            confirmed[family_id] = confirmed.get(family_id, 0) + 1
    counts = [confirmed.get(f, 0) for f in families.column("family_id").to_pylist()]
    return families.append_column("confirmed_count", pa.array(counts, pa.int64()))


def export_needs(session: Session, path: Path) -> int:
    """Write every assessed need (one row per family member and need) to CSV or Parquet."""
    query = select(*(getattr(FamilyNeed, c) for c in EXPORT_COLUMNS)).order_by(
        FamilyNeed.family_id, FamilyNeed.person_id, FamilyNeed.need
    )
    rows = session.execute(query)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        data = [tuple(r) for r in rows]
        table = pa.table(
            {c: [r[i] for r in data] for i, c in enumerate(EXPORT_COLUMNS)},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        return table.num_rows
    return write_csv(
        path,
        EXPORT_COLUMNS,
        ([v.isoformat() if isinstance(v, date) else v for v in r] for r in rows),
    )


def decide_need(
    session: Session,
    *,
    family_id: str,
    need: str,
    decision: str,
    reason: str,
    decided_by: str,
) -> NeedDecision:
    """A practitioner confirms or dismisses one of a family's needs, with a reason."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {list(DECISIONS)}, not {decision!r}")
    if not reason or len(reason.split()) < 2:
        raise DecisionError("say why, in a few words: the reason is kept with the decision")
    outcome = outcome_for(need)
    if outcome is None:
        raise DecisionError(f"unknown need {need!r}")
    found = session.execute(
        select(func.max(FamilyNeed.last_evidence_date), func.max(FamilyNeed.rules_version)).where(
            FamilyNeed.family_id == family_id, FamilyNeed.need == outcome.key
        )
    ).one()
    if found[0] is None:
        raise DecisionError(
            f"family {family_id} has no {outcome.key} need in the latest assessment"
        )
    record = NeedDecision(
        family_id=family_id,
        need=outcome.key,
        decision=decision,
        reason=reason.strip(),
        decided_by=decided_by,
        evidence_through=found[0],
        rules_version=found[1],
    )
    session.add(record)
    session.flush()
    return record


def family_needs(session: Session, family_id: str) -> list[dict[str, Any]]:
    """A family's needs with their evidence sentences and the decision in force."""
    decisions = decisions_in_force(session)
    result = []
    needs = session.scalars(
        select(FamilyNeed)
        .where(FamilyNeed.family_id == family_id)
        .order_by(FamilyNeed.need, FamilyNeed.person_id)
    )
    for need in needs:
        evidence = session.scalars(
            select(NeedEvidence)
            .where(
                NeedEvidence.family_id == family_id,
                NeedEvidence.need == need.need,
                NeedEvidence.person_id == need.person_id,
            )
            .order_by(NeedEvidence.event_date)
        ).all()
        decision = decisions.get((family_id, need.need))
        result.append({"need": need, "evidence": evidence, "decision": decision})
    return result

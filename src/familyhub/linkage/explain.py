"""Why two records were (or were not) linked: the match-weight waterfall, as text and chart.

The waterfall starts from the prior (how likely two records picked at random are the same
person), then adds, comparison by comparison, the weight of evidence of what agreed and what
did not (log2 of the Bayes factor: +10 means a thousand times more likely a match). The final
weight becomes the match probability. Cannot-link rules stand outside the sum: they are named
under the waterfall when they apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from splink.internals.waterfall_chart import records_to_waterfall_data

from familyhub import duck
from familyhub.linkage import scorer
from familyhub.linkage.constraints import paired_records_sql, violated_rule_sql

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608


@dataclass
class Step:
    comparison: str
    label: str
    value_l: str
    value_r: str
    weight: float


@dataclass
class Explanation:
    record_a: int
    record_b: int
    steps: list[Step]
    match_weight: float
    match_probability: float
    broken_rule: str | None
    chart: dict[str, Any] = field(default_factory=dict)

    def as_text(self) -> str:
        width = max([len(s.comparison) + len(s.label) for s in self.steps] + [20]) + 4
        lines = [f"Records {self.record_a} and {self.record_b}:"]
        for step in self.steps:
            name = f"{step.comparison}: {step.label}"
            values = ""
            if step.value_l or step.value_r:
                values = f"   ({step.value_l or '-'} | {step.value_r or '-'})"
            lines.append(f"  {name:<{width}} {step.weight:+7.2f}{values}")
        lines.append(f"  {'= match weight':<{width}} {self.match_weight:+7.2f}")
        lines.append(f"  match probability {self.match_probability:.6f}")
        if self.broken_rule:
            lines.append(
                f"  cannot-link rule '{self.broken_rule}' applies: these records are never "
                "linked, whatever the weight (see docs/linkage.md)"
            )
        return "\n".join(lines)


def explain_pair(cache: Path, trained: dict[str, Any], record_a: int, record_b: int) -> Explanation:
    """Score records ``record_a`` and ``record_b`` (source record ids) with the saved model."""
    con = duck.connect()
    try:
        con.execute(f"attach '{cache}' as cache (read_only)")
        units = dict(
            con.execute(
                "select id, unit_id from cache.fh_unit_members where id in (?, ?)",
                [record_a, record_b],
            ).fetchall()
        )
        missing = [r for r in (record_a, record_b) if r not in units]
        if missing:
            raise LookupError(
                f"record(s) {missing} were not in the last linkage run (withdrawn, or loaded "
                "since: run familyhub link)"
            )
        for side, record in (("l", record_a), ("r", record_b)):
            con.execute(
                f"create table fh_pair_{side} as select * from cache.fh_records "
                f"where unique_id = {int(units[record])}"
            )
        con.execute("create view fh_cached_records as select * from cache.fh_records")
        linker, db_api = scorer.linker_over(
            con, "fh_cached_records", trained, explain=True, tf_schema="cache"
        )
        scored = linker.inference.score_pair(
            db_api.register("fh_pair_l"), db_api.register("fh_pair_r")
        )
        records = scored.as_record_list()
        chart = linker.visualisations.waterfall_chart(records, filter_nulls=False)
        data = records_to_waterfall_data(records, linker._settings_obj, False)
        rule = _broken_rule(con, units[record_a], units[record_b])
    finally:
        con.close()
    steps = [
        Step(
            comparison=str(d["column_name"]),
            label=str(d["label_for_charts"]),
            value_l=str(d.get("value_l") or ""),
            value_r=str(d.get("value_r") or ""),
            weight=float(d["log2_bayes_factor"] or 0.0),
        )
        for d in data
        if d["column_name"] != "Final score" and not _is_zero_tf(d)
    ]
    weight = float(records[0]["match_weight"])
    return Explanation(
        record_a=record_a,
        record_b=record_b,
        steps=steps,
        match_weight=weight,
        match_probability=float(records[0]["match_probability"]),
        broken_rule=rule,
        chart=chart.chart_dict,
    )


def _is_zero_tf(d: dict[str, Any]) -> bool:
    return bool(d.get("term_frequency_adjustment")) and math.isclose(
        float(d["log2_bayes_factor"] or 0.0), 0.0, abs_tol=1e-9
    )


def _broken_rule(con: duckdb.DuckDBPyConnection, a: int, b: int) -> str | None:
    con.execute(
        "create table fh_one_pair as select ?::bigint as unique_id_l, ?::bigint as unique_id_r",
        [min(a, b), max(a, b)],
    )
    paired = paired_records_sql("fh_one_pair", "cache.fh_records")
    row = con.sql(f"select {violated_rule_sql()} from ({paired})").fetchall()
    return str(row[0][0]) if row and row[0][0] else None

"""Training and scoring: our adapter over Splink 5 (DuckDB by default).

Training is unsupervised: the prior from deterministic rules, u by random sampling, m by
expectation maximisation on several blocking rules (each rule leaves other comparisons free
to be learned). The trained model is a plain settings dictionary; it is saved with a version
and a training summary (see ``service.save_model``) and reloaded for scoring, incremental runs
and ``match``.
"""

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

from __future__ import annotations

import logging
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import SplinkException

from familyhub.linkage.settings import (
    FIXED_M,
    settings_for,
    training_blocking_rules,
    training_settings,
)

# Splink logs every SQL step at INFO, and at WARNING every comparison level that one EM
# session's blocking rule cannot observe (expected: each session fixes some comparisons, and
# the household levels have fixed m values). Those warnings buried the data team's output;
# we report our own progress and training summary instead, and errors still show.
SPLINK_LOG_LEVEL = logging.ERROR
DETERMINISTIC_RULES: list[str | BlockingRuleCreator] = [
    block_on("nhs_number", "dob"),
    block_on("upn", "dob"),
    block_on("ni_number", "dob"),
    block_on("given", "family", "dob", "postcode"),
]
RECALL_OF_DETERMINISTIC_RULES = 0.8
U_SAMPLE_PAIRS = 1_000_000
# EM learns each m from the pairs its blocking rules make, and those grow with the square of
# the population in a district: beyond this many linkage units it trains on a random sample
# of them (the same seed, the same sample). m is a proportion among matching pairs: a
# sample of hundreds of thousands of units holds plenty of them, and the prior and u are
# still estimated on everyone. (100,000 people make about 110,000 units; 1,000,000 about 1.1
# million.)
EM_SAMPLE_UNITS = 400_000
# No level's m or u may be learned as (near) zero: a disagreement seen in no training pair
# (a surname change, a mistyped NI number) must cost a lot, not make a match impossible.
M_FLOOR = 0.002
U_FLOOR = 1e-6


def regularise(trained: dict[str, Any]) -> dict[str, Any]:
    """Floor m and u, renormalise, and put back the fixed m of the household levels."""
    for comparison in trained["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [max(float(lv.get(key) or 0.0), floor) for lv in levels]
            fixed = {
                i: FIXED_M[lv.get("label_for_charts", "")]
                for i, lv in enumerate(levels)
                if key == "m_probability" and lv.get("label_for_charts") in FIXED_M
            }
            free_total = sum(v for i, v in enumerate(values) if i not in fixed)
            budget = 1.0 - sum(fixed.values())
            for i, level in enumerate(levels):
                level[key] = fixed.get(i, values[i] / free_total * budget)
    return trained


def _copy_parameters(
    target: dict[str, Any], source: dict[str, Any], keys: tuple[str, ...]
) -> dict[str, Any]:
    """Copy ``keys`` from ``source``'s levels onto ``target``'s levels of the same label."""
    by_label = {
        (c["output_column_name"], lv.get("label_for_charts")): lv
        for c in source["comparisons"]
        for lv in c["comparison_levels"]
    }
    for comparison in target["comparisons"]:
        for level in comparison["comparison_levels"]:
            found = by_label.get((comparison["output_column_name"], level.get("label_for_charts")))
            for key in keys:
                if found is not None and found.get(key) is not None:
                    level[key] = found[key]
    return target


def _describe(rule: Any) -> str:
    try:
        return str(rule.get_blocking_rule("duckdb").blocking_rule_sql)
    except AttributeError:
        return str(rule)


def linker_for(con: duckdb.DuckDBPyConnection, table: str, settings: dict[str, Any]) -> Linker:
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(table)
    return Linker(frame, settings, log_level=SPLINK_LOG_LEVEL)


def train(
    con: duckdb.DuckDBPyConnection, table: str, *, seed: int = 42
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train on ``table``; returns (trained settings, training summary)."""
    n = con.sql(f"select count(*) from {table}").fetchall()[0]
    n_records = int(n[0]) if n else 0
    if n_records < 2:
        raise ValueError("at least two source records are needed to train the linkage model")
    # Prior and u on the full comparisons; m by EM on the comparisons without the household
    # levels (whose m is fixed, see settings.FIXED_M), then carried across by level label.
    linker = linker_for(con, table, settings_for("duckdb"))
    linker.training.estimate_probability_two_random_records_match(
        DETERMINISTIC_RULES, recall=RECALL_OF_DETERMINISTIC_RULES
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(U_SAMPLE_PAIRS, max(n_records * 20, 10_000)), seed=seed
    )
    trained = linker.misc.save_model_to_json()
    em_settings = _copy_parameters(training_settings("duckdb"), trained, ("u_probability",))
    em_settings["probability_two_random_records_match"] = trained[
        "probability_two_random_records_match"
    ]
    em_table = table
    if n_records > EM_SAMPLE_UNITS:
        em_table = f"{table}_em_sample"
        con.execute(
            f"create or replace table {em_table} as select * from {table} "
            f"order by hash(unique_id, {int(seed)}) limit {EM_SAMPLE_UNITS}"
        )
    em_linker = linker_for(con, em_table, em_settings)
    sessions = []
    failed: list[str] = []
    for rule in training_blocking_rules():
        try:
            session = em_linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except (ValueError, SplinkException) as exc:
            # On small or odd data EM can drive an m to underflow; the other rules still
            # train, and levels no session reached keep floored defaults (``regularise``).
            failed.append(f"{_describe(rule)}: {exc}")
            continue
        sessions.append(session)
    if not sessions:
        raise ValueError(
            "expectation maximisation failed on every training rule: the data are too few "
            "or too uniform to train a model (" + "; ".join(failed) + ")"
        )
    trained = regularise(
        _copy_parameters(trained, em_linker.misc.save_model_to_json(), ("m_probability",))
    )
    if em_table != table:
        con.execute(f"drop table {em_table}")
    summary = {
        "records": n_records,
        "sources": dict(con.sql(f"select source, count(*) from {table} group by 1").fetchall()),
        "probability_two_random_records_match": trained["probability_two_random_records_match"],
        "em_blocking_rules": len(sessions),
        "em_blocking_rules_failed": failed,
        "u_sample_pairs": min(U_SAMPLE_PAIRS, max(n_records * 20, 10_000)),
        "em_units": min(n_records, EM_SAMPLE_UNITS),
    }
    return trained, summary


def score(
    con: duckdb.DuckDBPyConnection,
    table: str,
    trained: dict[str, Any],
    *,
    threshold_probability: float,
    out: str = "fh_pairs",
) -> int:
    """Score every candidate pair in ``table`` into DuckDB table ``out``; returns the pair count.

    ``out`` holds ``unique_id_l``, ``unique_id_r``, ``match_weight``, ``match_probability``
    and the comparison vector (``gamma_*``) that explains each score.
    """
    settings = settings_for("duckdb", trained)
    settings["retain_intermediate_calculation_columns"] = False
    linker = linker_for(con, table, settings)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold_probability, warning_mode="never"
    )
    con.execute(
        f"create or replace table {out} as select unique_id_l, unique_id_r, match_weight, "
        f"match_probability from {predictions.physical_name}"
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    row = con.sql(f"select count(*) from {out}").fetchall()[0]
    return int(row[0]) if row else 0

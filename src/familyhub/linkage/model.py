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

from familyhub.linkage.settings import settings_for, training_blocking_rules

# Splink logs every SQL step at INFO; we report our own progress.
SPLINK_LOG_LEVEL = logging.WARNING
DETERMINISTIC_RULES: list[str | BlockingRuleCreator] = [
    block_on("nhs_number", "dob"),
    block_on("upn", "dob"),
    block_on("ni_number", "dob"),
    block_on("given", "family", "dob", "postcode"),
]
RECALL_OF_DETERMINISTIC_RULES = 0.8
U_SAMPLE_PAIRS = 3_000_000


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
    linker = linker_for(con, table, settings_for("duckdb"))
    linker.training.estimate_probability_two_random_records_match(
        DETERMINISTIC_RULES, recall=RECALL_OF_DETERMINISTIC_RULES
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(U_SAMPLE_PAIRS, max(n_records * 20, 10_000)), seed=seed
    )
    sessions = []
    for rule in training_blocking_rules():
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
        sessions.append(session)
    trained = linker.misc.save_model_to_json()
    summary = {
        "records": n_records,
        "sources": dict(con.sql(f"select source, count(*) from {table} group by 1").fetchall()),
        "probability_two_random_records_match": trained["probability_two_random_records_match"],
        "em_blocking_rules": len(sessions),
        "u_sample_pairs": min(U_SAMPLE_PAIRS, max(n_records * 20, 10_000)),
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

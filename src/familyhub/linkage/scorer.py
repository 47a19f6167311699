"""Scoring against the last run's records: term frequencies kept, linkers built on demand.

``predict`` on a whole dataset derives term frequencies from it; scoring a few new records
against the cache must use the frequencies of the whole population instead (a surname that is
rare in ten new records is not rare in the county). The full run keeps them as ``fh_tf_*``
tables; here they are registered with every linker that scores a subset.
"""

from __future__ import annotations

from typing import Any

import duckdb
from splink import DuckDBAPI, Linker

from familyhub.linkage.model import SPLINK_LOG_LEVEL
from familyhub.linkage.settings import settings_for

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

TF_COLUMNS = ("given", "family")


def store_term_frequencies(con: duckdb.DuckDBPyConnection, table: str = "fh_records") -> None:
    for column in TF_COLUMNS:
        con.execute(
            f"""
            create or replace table fh_tf_{column} as
            select {column}, count(*)::double / sum(count(*)) over () as tf_{column}
            from {table} where {column} is not null group by 1
            """
        )


def linker_over(
    con: duckdb.DuckDBPyConnection,
    table: str,
    trained: dict[str, Any],
    *,
    explain: bool = False,
    tf_schema: str = "",
) -> tuple[Linker, DuckDBAPI]:
    """A linker over ``table`` (a DuckDB name), with the stored term frequencies registered.

    Register further tables (new records to score) with the returned ``DuckDBAPI``.
    """
    settings = settings_for("duckdb", trained)
    settings["retain_intermediate_calculation_columns"] = explain
    settings["retain_matching_columns"] = explain
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(table), settings, log_level=SPLINK_LOG_LEVEL)
    prefix = f"{tf_schema}." if tf_schema else ""
    for column in TF_COLUMNS:
        tf = db_api.register(f"{prefix}fh_tf_{column}")
        linker.table_management.register_term_frequency_lookup(tf, column)
    return linker, db_api


def score_with_stored_tf(
    con: duckdb.DuckDBPyConnection,
    table: str,
    trained: dict[str, Any],
    *,
    threshold_probability: float,
    tf_schema: str,
    out: str = "fh_pairs",
) -> int:
    """Like ``model.score`` for a subset of records, with the population's term frequencies."""
    linker, _db_api = linker_over(con, table, trained, tf_schema=tf_schema)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold_probability, warning_mode="never"
    )
    con.execute(
        f"create or replace table {out} as select unique_id_l, unique_id_r, match_weight, "
        f"match_probability from {predictions.physical_name}"
    )
    predictions.drop_table_from_database_and_remove_from_cache()
    return int(con.sql(f"select count(*) from {out}").fetchall()[0][0])

"""``familyhub link --backend spark``: the same model, scored on Spark.

For when one machine is outgrown, the heavy step (generating and scoring the candidate pairs)
runs on Spark through Splink's ``SparkAPI``. The model is not loaded from its DuckDB SQL: the
settings for Spark are built from the one definition in ``settings.py`` and the trained m and
u probabilities are copied onto them level by level (``settings_for('spark', trained)``).
Preparation, clustering, ids and golden records are the same code as the DuckDB run, so both
backends give the same persons on the same data (tested, marked ``spark``).

Needs the ``spark`` extra (``pip install familyhub[spark]``) and Java 17. Training still
happens in DuckDB (a model trained there is carried across).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.orm import Session

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

_session: Any = None


def spark_session() -> Any:
    """A local Spark session (reused), with Splink's similarity functions registered."""
    global _session
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ValueError(
            "the spark backend needs pyspark: pip install 'familyhub[spark]' (and Java 17)"
        ) from exc
    if _session is None:
        from splink.backends.spark import similarity_jar_location

        _session = (
            SparkSession.builder.master("local[2]")
            # Splink's similarity functions (Jaro-Winkler, Damerau-Levenshtein), shipped
            # inside the splink package: nothing is downloaded.
            .config("spark.jars", similarity_jar_location())
            .appName("familyhub-linkage")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        _session.sparkContext.setLogLevel("ERROR")
        from pyspark.sql.types import DoubleType

        # Our comparisons are written in DuckDB's SQL; sqlglot renders DuckDB's
        # jaro_winkler_similarity under this name for Spark.
        _session.udf.registerJavaFunction(
            "jarowinkler_similarity",
            "uk.gov.moj.dash.linkage.JaroWinklerSimilarity",
            DoubleType(),
        )
    return _session


def score_on_spark(
    con: duckdb.DuckDBPyConnection,
    table: str,
    trained: dict[str, Any],
    *,
    threshold_probability: float,
    out: str = "fh_pairs",
) -> int:
    """Score the candidate pairs of DuckDB ``table`` on Spark into DuckDB table ``out``."""
    from splink import Linker, SparkAPI

    from familyhub.linkage.model import SPLINK_LOG_LEVEL
    from familyhub.linkage.settings import settings_for

    spark = spark_session()
    records = con.table(table).to_arrow_table()
    frame = spark.createDataFrame(records.to_pylist(), schema=_spark_schema(records.schema))
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    settings = settings_for("spark", trained)
    linker = Linker(db_api.register(frame), settings, log_level=SPLINK_LOG_LEVEL)
    predictions = linker.inference.predict(
        threshold_match_probability=threshold_probability, warning_mode="never"
    )
    scored = (
        predictions.as_spark_dataframe()
        .select("unique_id_l", "unique_id_r", "match_weight", "match_probability")
        .toArrow()
    )
    con.register("fh_spark_pairs", scored)
    con.execute(
        f"create or replace table {out} as select unique_id_l::bigint as unique_id_l, "
        "unique_id_r::bigint as unique_id_r, match_weight::double as match_weight, "
        "match_probability::double as match_probability from fh_spark_pairs"
    )
    con.unregister("fh_spark_pairs")
    return int(con.sql(f"select count(*) from {out}").fetchall()[0][0])


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as spark_types

    def kind(t: pa.DataType) -> Any:
        if pa.types.is_integer(t):
            return spark_types.LongType()
        if pa.types.is_floating(t):
            return spark_types.DoubleType()
        if pa.types.is_date(t):
            return spark_types.DateType()
        if pa.types.is_timestamp(t):
            return spark_types.TimestampType()
        if pa.types.is_list(t):
            return spark_types.ArrayType(kind(t.value_type))
        return spark_types.StringType()

    return spark_types.StructType(
        [spark_types.StructField(f.name, kind(f.type), True) for f in schema]
    )


def link_on_spark(*, session: Session, actor: str, retrain: bool = False) -> dict[str, Any]:
    """A full run (``service.link``) whose scoring runs on Spark."""
    from familyhub.linkage import service

    return service.link(session=session, actor=actor, retrain=retrain, scorer=score_on_spark)

"""The Spark backend gives the same scores and the same persons as DuckDB on the same data."""

from __future__ import annotations

import pytest

from familyhub.linkage import pipeline
from tests.unit.linkage.population import population

pytestmark = [pytest.mark.spark, pytest.mark.slow]
TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]


def test_spark_and_duckdb_agree() -> None:
    pytest.importorskip("pyspark")
    from familyhub.linkage.spark import score_on_spark

    records = population(300, seed=2).drop_columns(TRUTH)
    duck = pipeline.connect()
    on_duckdb = pipeline.run(duck, records, trained=None)
    spark = pipeline.connect()
    # The model trained on DuckDB is carried to Spark as parameters, not as DuckDB SQL.
    pipeline.run(spark, records, trained=on_duckdb.trained, scorer_on=score_on_spark)

    query = "select unique_id_l, unique_id_r, round(match_weight, 6) from fh_pairs order by 1, 2"
    assert duck.sql(query).fetchall() == spark.sql(query).fetchall()
    clusters = "select id, cluster_id from fh_record_cluster order by id"
    assert duck.sql(clusters).fetchall() == spark.sql(clusters).fetchall()

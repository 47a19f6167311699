"""Training at scale: past ``model.EM_SAMPLE_UNITS`` linkage units, EM learns m on a sample.

Whether a sample learns as well as everyone is measured where it can be, at 100,000 people
(``FH_BENCH_EM_SAMPLE_UNITS`` in benchmarks/bench_linkage.py, docs/benchmarks.md); here: the
sample is the one named, the same every time, and the model trained on it still links.
"""

from __future__ import annotations

from typing import Any

import pytest

from familyhub.linkage import evaluate, model, pipeline
from tests.unit.linkage.population import make_people, make_records

TRUTH = ["true_person", "name_origin", "household", "birth_group", "namesake_group"]


def _rounded(value: Any) -> Any:
    """The value with every float to 9 significant digits, for comparing trained models."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def _train() -> dict[str, Any]:
    records = make_records(make_people(600, 11), 11)
    con = pipeline.connect()
    result = pipeline.run(con, records.drop_columns(TRUTH), trained=None)
    truth = records.select(["id", "true_person", "name_origin", "birth_group"])
    con.register("fh_truth", truth.rename_columns(["unique_id", *truth.column_names[1:]]))
    con.execute(
        "create or replace view fh_eval_clusters as "
        "select id as unique_id, cluster_id from fh_record_cluster"
    )
    quality = evaluate.quality(con, truth="fh_truth", predicted="fh_eval_clusters")
    tables = {t for (t,) in con.sql("select table_name from duckdb_tables()").fetchall()}
    con.close()
    return {
        "trained": result.trained,
        "summary": result.training_summary,
        "units": result.features.units,
        "quality": quality,
        "tables": tables,
    }


def test_em_on_a_sample_of_units_is_repeatable_and_still_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model, "EM_SAMPLE_UNITS", 500)
    first = _train()
    assert first["units"] > 1000
    assert first["summary"]["em_units"] == 500
    assert "fh_records_em_sample" not in first["tables"]
    # The same sample, so the same model: DuckDB's parallel sums may differ in the last bit
    # between runs, which is not a different model.
    assert _rounded(_train()["trained"]) == _rounded(first["trained"])
    overall = first["quality"]["overall"]
    assert overall["pairwise_precision"] >= 0.99
    assert overall["pairwise_recall"] >= 0.95
    assert first["quality"]["twin_pairs_merged"] == 0

"""One model definition for every dialect; trained parameters carried across, never SQL."""

from __future__ import annotations

import pytest

from familyhub.linkage.settings import FIXED_M, TWIN_LABEL, settings_for


def _trained() -> dict:
    trained = settings_for("duckdb")
    for comparison in trained["comparisons"]:
        for i, level in enumerate(comparison["comparison_levels"]):
            if not level.get("is_null_level"):
                level["m_probability"] = 0.1 + i / 100
                level["u_probability"] = 0.01 + i / 1000
    trained["probability_two_random_records_match"] = 0.0002
    return trained


def test_parameters_carry_to_spark_settings_level_by_level() -> None:
    trained = _trained()
    spark = settings_for("spark", trained)
    assert spark["sql_dialect"] == "spark"
    assert spark["probability_two_random_records_match"] == 0.0002
    for ours, theirs in zip(spark["comparisons"], trained["comparisons"], strict=True):
        for a, b in zip(ours["comparison_levels"], theirs["comparison_levels"], strict=True):
            assert a.get("m_probability") == b.get("m_probability")


def test_a_model_that_does_not_fit_is_refused_clearly() -> None:
    trained = _trained()
    trained["comparisons"] = trained["comparisons"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        settings_for("duckdb", trained)


def test_the_twin_level_is_fixed_as_domain_knowledge() -> None:
    settings = settings_for("duckdb")
    given = next(c for c in settings["comparisons"] if c["output_column_name"] == "given_name")
    twin = next(lv for lv in given["comparison_levels"] if lv.get("label_for_charts") == TWIN_LABEL)
    assert twin["m_probability"] == FIXED_M[TWIN_LABEL]
    assert twin.get("fix_m_probability") is True

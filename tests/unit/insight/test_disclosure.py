"""Disclosure control: properties over random tables, checked independently of the code.

The recoverability check below does not reuse the implementation's graph reasoning: it
rebuilds every published equation (total = sum of its cells) from the published keys alone
and asks linear algebra whether any suppressed cell is pinned down by them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from familyhub.insight.disclosure import (
    SUPPRESSED,
    TOTAL,
    ControlledTable,
    DisclosureError,
    DisclosureRules,
    control_table,
)

DIM_NAMES = ("need", "area", "month")
Counts = dict[tuple[str, ...], int]

# Counts that make suppression interesting: many zeros and small counts, some large ones.
count_values = st.one_of(st.just(0), st.integers(1, 7), st.integers(8, 12), st.integers(13, 300))


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[tuple[str, ...], int], tuple[str, ...], tuple[str, ...]]:
    n_dims = draw(st.integers(1, 3))
    dims = DIM_NAMES[:n_dims]
    sizes = [draw(st.integers(1, 7)) for _ in dims]
    additive = tuple(d for d in dims if d != "need" or (n_dims == 1 and draw(st.booleans())))
    levels = [[f"{d}{i}" for i in range(size)] for d, size in zip(dims, sizes, strict=True)]
    counts: Counts = {key: draw(count_values) for key in itertools.product(*levels)}
    return counts, dims, additive


def equations(table: ControlledTable) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """Every published total with the cells it sums, derived from the keys alone."""
    keys = [cell.key for cell in table.cells]
    key_set = set(keys)
    result = []
    for key in keys:
        for i, value in enumerate(key):
            if value != TOTAL:
                continue
            members = [
                other
                for other in keys
                if other[i] != TOTAL and all(other[j] == key[j] for j in range(len(key)) if j != i)
            ]
            assert members, f"total {key} sums nothing"
            assert all(m in key_set for m in members)
            result.append((key, members))
    return result


def assert_not_recoverable(table: ControlledTable) -> None:
    eqs = equations(table)
    suppressed = [cell.key for cell in table.cells if cell.value is None]
    # 1. By plain subtraction: no equation with exactly one unknown in it.
    for total, members in eqs:
        unknown = [k for k in [total, *members] if table[k].value is None]
        assert len(unknown) != 1, f"{unknown[0]} = {total} minus the published cells"
    # 2. By any combination of the equations (linear algebra over the unknowns).
    if not suppressed or not eqs:
        return
    column = {key: j for j, key in enumerate(suppressed)}
    matrix = np.zeros((len(eqs), len(suppressed)))
    for row, (total, members) in enumerate(eqs):
        for key, sign in [(total, -1.0)] + [(m, 1.0) for m in members]:
            if key in column:
                matrix[row, column[key]] = sign
    full_rank = np.linalg.matrix_rank(matrix)
    for key, j in column.items():
        without = np.delete(matrix, j, axis=1)
        assert np.linalg.matrix_rank(without) == full_rank, f"{key} is determined by the totals"


def true_values(
    counts: dict[tuple[str, ...], int], table: ControlledTable
) -> dict[tuple[str, ...], int]:
    result = {}
    for cell in table.cells:
        result[cell.key] = sum(
            v
            for k, v in counts.items()
            if all(c in (TOTAL, kv) for c, kv in zip(cell.key, k, strict=True))
        )
    return result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from([7, 10, 3]))
def test_published_tables_keep_every_rule(table_spec, threshold) -> None:
    counts, dims, additive = table_spec
    rules = DisclosureRules(threshold=threshold)
    try:
        table = control_table(counts, dims=dims, additive=additive, rules=rules)
    except DisclosureError:
        event("refused: too fine")
        # Refused only when no non-zero cell could have been shown.
        nonzero = [v for v in counts.values() if v > 0]
        assert nonzero
        return
    event(f"secondary suppression: {table.secondary_suppressed > 0}")
    truth = true_values(counts, table)
    for cell in table.cells:
        if cell.value is None:
            continue
        true = truth[cell.key]
        assert not 1 <= true <= threshold, f"{cell.key}: true {true} published"
        assert cell.value % 5 == 0
        assert abs(cell.value - true) <= 2
        assert cell.value == 0 or cell.value > min(threshold, 7)
    for key, true in truth.items():
        if 1 <= true <= threshold:
            assert table[key].shown == SUPPRESSED
    assert table.primary_suppressed == sum(1 <= v <= threshold for v in truth.values())
    assert_not_recoverable(table)


def test_in_a_two_by_two_table_the_totals_around_a_small_count_are_hidden_not_the_cells() -> None:
    # Hiding the other three cells would leave only totals; hiding the totals that run
    # through the small cell keeps every other count, and still nothing adds back up to it.
    counts: Counts = {("A", "Jan"): 3, ("A", "Feb"): 40, ("B", "Jan"): 20, ("B", "Feb"): 50}
    table = control_table(counts, dims=("area", "month"), additive=("area", "month"))
    shown = {cell.key: cell.shown for cell in table.cells}
    assert shown[("A", "Jan")] == "c"
    assert [shown[k] for k in [("A", "Feb"), ("B", "Jan"), ("B", "Feb")]] == ["40", "20", "50"]
    assert shown[("B", "Total")] == "70"
    assert_not_recoverable(table)


def test_a_row_whose_only_count_is_small_hides_its_total_too() -> None:
    counts: Counts = {("A", "Jan"): 4, ("A", "Feb"): 0, ("B", "Jan"): 30, ("B", "Feb"): 25}
    table = control_table(counts, dims=("area", "month"), additive=("area", "month"))
    assert table[("A", "Total")].shown == "c"
    assert table[("A", "Feb")].shown == "0"
    assert_not_recoverable(table)


def test_totals_are_rounded_from_true_values_not_summed_from_rounded_cells() -> None:
    counts: Counts = {("A",): 8, ("B",): 8, ("C",): 8}
    table = control_table(counts, dims=("area",), additive=("area",))
    assert [c.shown for c in table.cells] == ["10", "10", "10", "25"]


def test_zero_is_published_and_threshold_can_be_raised() -> None:
    counts: Counts = {("A",): 0, ("B",): 9, ("C",): 40, ("D",): 31}
    default = control_table(counts, dims=("area",), additive=("area",))
    assert [c.shown for c in default.cells] == ["0", "10", "40", "30", "80"]
    strict = control_table(
        counts, dims=("area",), additive=("area",), rules=DisclosureRules(threshold=10)
    )
    assert strict[("A",)].shown == "0"
    assert strict[("B",)].shown == "c"
    assert_not_recoverable(strict)


def test_needs_get_no_total_across_them() -> None:
    counts: Counts = {("education", "A"): 12, ("housing", "A"): 3, ("education", "B"): 20}
    table = control_table(counts, dims=("need", "area"), additive=("area",))
    assert ("Total", "A") not in {c.key for c in table.cells}
    assert table[("housing", "Total")].shown == "c"


def test_a_breakdown_too_fine_is_refused_with_a_reason() -> None:
    counts: Counts = {("A", "Jan"): 1, ("A", "Feb"): 2, ("B", "Jan"): 3, ("B", "Feb"): 0}
    with pytest.raises(DisclosureError, match="too fine"):
        control_table(counts, dims=("area", "month"), additive=("area", "month"))


def test_csv_rows_name_every_dimension_and_write_c_for_suppressed() -> None:
    counts: Counts = {("A",): 3, ("B",): 40, ("C",): 50}
    table = control_table(counts, dims=("area",), additive=("area",), measure="families")
    assert table.rows()[0] == {"area": "A", "families": "c"}
    assert table.rows()[-1]["area"] == TOTAL


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        control_table({("A",): -1}, dims=("area",))
    with pytest.raises(ValueError, match="reserved"):
        control_table({("Total",): 3}, dims=("area",))
    with pytest.raises(ValueError, match="at most two"):
        control_table({("a", "b", "c"): 3}, dims=("x", "y", "z"), additive=("x", "y", "z"))


@st.composite
def sparse_two_way_tables(draw: st.DrawFn) -> Counts:
    rows, cols = draw(st.integers(2, 12)), draw(st.integers(2, 12))
    small = st.integers(1, 7)
    large = st.integers(8, 500)
    return {
        (f"r{r}", f"c{c}"): draw(st.one_of(large, large, large, small, st.just(0)))
        for r in range(rows)
        for c in range(cols)
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_two_way_tables())
def test_larger_sparse_tables_hide_few_cells_and_none_recoverably(counts) -> None:
    # Few small counts in a big table: secondary suppression has to find partners for each.
    try:
        table = control_table(counts, dims=("area", "month"), additive=("area", "month"))
    except DisclosureError:
        event("refused: too fine")  # e.g. a 2x2 table with three small counts
        return
    assert_not_recoverable(table)
    truth = true_values(counts, table)
    assert all(not 1 <= truth[c.key] <= 7 for c in table.cells if c.value is not None)

"""k-anonymity: every published combination has at least k rows; nothing silently lost."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.insight.kanonymity import ANY, QuasiIdentifier, k_anonymise

AGE = QuasiIdentifier(
    "age_band",
    [lambda v: "child" if v in {"0-4", "5-9", "10-17"} else "adult", lambda v: ANY],
)
SEX = QuasiIdentifier("sex", [lambda v: ANY])
AREA = QuasiIdentifier("area", [lambda v: v.split("-")[0], lambda v: ANY])
QIS = [AGE, AREA, SEX]

rows = st.lists(
    st.tuples(
        st.sampled_from(["0-4", "5-9", "10-17", "18-34", "35-64", "65+"]),
        st.sampled_from(["NS1-a", "NS1-b", "NS2-a", "NS2-b", "NS3-a"]),
        st.sampled_from(["F", "M", "U"]),
    ),
    max_size=200,
)


def columns(data: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    return {
        "age_band": [r[0] for r in data],
        "area": [r[1] for r in data],
        "sex": [r[2] for r in data],
    }


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(1, 12))
def test_every_published_combination_has_at_least_k_rows(data, k) -> None:
    result = k_anonymise(columns(data), QIS, k)
    combos = Counter(
        zip(
            result.values["age_band"],
            result.values["area"],
            result.values["sex"],
            strict=True,
        )
    )
    assert all(size >= k for size in combos.values())
    report = result.report
    assert report.rows_out + report.held_back == report.rows_in == len(data)
    assert len(result.kept) == report.rows_out
    # Each published value is its row's own value or a step up its ladder.
    for i, row in enumerate(result.kept):
        for qi, original in zip(QIS, (data[row][0], data[row][1], data[row][2]), strict=True):
            allowed = {qi.at_level(original, lvl) for lvl in range(len(qi.ladder) + 1)}
            assert result.values[qi.name][i] in allowed
    if report.rows_out:
        assert report.smallest_class is not None
        assert report.smallest_class >= k


def test_rows_that_are_already_k_anonymous_are_left_alone() -> None:
    data = [("0-4", "NS1-a", "F")] * 5 + [("18-34", "NS2-b", "M")] * 6
    result = k_anonymise(columns(data), QIS, 5)
    assert result.report.rows_generalised == 0
    assert result.report.held_back == 0
    assert result.values["area"] == [r[1] for r in data]


def test_a_rare_row_is_generalised_before_it_is_held_back() -> None:
    data = [("0-4", "NS1-a", "F")] * 5 + [("5-9", "NS1-a", "F")] * 4 + [("10-17", "NS1-b", "F")]
    result = k_anonymise(columns(data), QIS, 5)
    assert result.report.held_back == 0
    assert result.report.rows_generalised == 5
    assert result.report.generalised_by["age_band"] == 5
    assert Counter(result.values["age_band"]) == {"0-4": 5, "child": 5}
    assert "5 generalised" in result.report.describe()


def test_what_cannot_reach_k_is_held_back_and_counted() -> None:
    data = [("0-4", "NS1-a", "F")] * 5 + [("65+", "NS3-a", "M")] * 2
    result = k_anonymise(columns(data), QIS, 5)
    # The two older rows climb every ladder to (*, *, *) but are still only two.
    assert result.report.held_back == 2
    assert result.report.rows_out == 5
    assert "2 held back" in result.report.describe()

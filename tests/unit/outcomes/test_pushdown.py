"""The database filter never drops an event the rules would match (on SQLite here)."""

from __future__ import annotations

import json
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.outcomes.pushdown import condition_where
from familyhub.outcomes.rules_conditions import OPERATORS, holds, parse_condition

values = st.one_of(
    st.none(),
    st.integers(-5, 120),
    st.floats(0, 100, allow_nan=False),
    st.sampled_from(["Y", "N", " DA ", "540", "abc", "", "84.5", "1e2"]),
    st.lists(st.sampled_from(["3A", "16A", "DEV"]), max_size=3),
    st.booleans(),
)
operands = st.one_of(
    st.integers(0, 100),
    st.sampled_from(["Y", "DA", "540", "5", "TRUE"]),
    st.lists(st.sampled_from(["3A", "DEV", "Y", "5", "54"]), min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(OPERATORS), operand=operands, value=values)
def test_the_sqlite_filter_keeps_everything_the_rule_matches(op, operand, value) -> None:
    condition, _ = parse_condition("x", op, operand, 1)
    if condition is None:
        return
    where = condition_where(condition, "sqlite")
    attributes = {} if value is None else {"x": value}
    if where is None or not holds(condition, attributes):
        return
    con = sqlite3.connect(":memory:")
    row = con.execute(f"SELECT {where} FROM (SELECT ? AS attributes) e", [json.dumps(attributes)])  # noqa: S608
    assert row.fetchone()[0] == 1, (where, attributes)

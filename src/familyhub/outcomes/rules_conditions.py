"""Conditions on an event's attributes, and whether a set of them can ever hold together.

Kept apart from the file parser so that the same small vocabulary of comparisons is used for
checking a rules file (contradictions), for matching events in SQL, and for explaining a rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NUMERIC_OPERATORS = {"below": "<", "at_most": "<=", "above": ">", "at_least": ">="}
LIST_OPERATORS = ("one_of", "not_one_of", "contains_any", "starts_with")
OPERATORS = (*NUMERIC_OPERATORS, "equals", *LIST_OPERATORS)
LIST_SEPARATORS = re.compile(r"[,;]")


@dataclass(frozen=True)
class Condition:
    attribute: str
    op: str
    value: float | str | tuple[str, ...]
    line: int = 0

    @property
    def values(self) -> tuple[str, ...]:
        """The condition's value(s) as text (for the list and equality comparisons)."""
        if isinstance(self.value, tuple):
            return self.value
        return (str(self.value),)

    @property
    def number(self) -> float:
        assert isinstance(self.value, float)
        return self.value

    def describe(self) -> str:
        shown = ", ".join(self.value) if isinstance(self.value, tuple) else str(self.value)
        return f"{self.attribute} {self.op.replace('_', ' ')} {shown}"


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().upper()


def parse_condition(
    attribute: str, op: str, value: Any, line: int
) -> tuple[Condition | None, str | None]:
    """A condition from the file, or the reason it cannot be one."""
    if op in NUMERIC_OPERATORS:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return None, f"{attribute} {op} needs a number, not {value!r}"
        return Condition(attribute, op, float(value), line), None
    if op == "equals":
        if value is None or isinstance(value, list | dict):
            return None, f"{attribute} equals needs one value"
        return Condition(attribute, op, _text(value), line), None
    items = value if isinstance(value, list) else [value]
    if not items or any(v is None or isinstance(v, list | dict) for v in items):
        return None, f"{attribute} {op} needs a list of values"
    return Condition(attribute, op, tuple(_text(v) for v in items), line), None


def _as_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return None if math.isnan(number) else number


@dataclass
class AttributeConstraint:
    """Everything the conditions of one or more rules say about one attribute."""

    low: float = -math.inf
    low_inclusive: bool = True
    high: float = math.inf
    high_inclusive: bool = True
    allowed: set[str] | None = None  # equals / one_of
    excluded: set[str] = field(default_factory=set)
    prefixes: set[str] | None = None
    contains: list[set[str]] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)

    def add(self, condition: Condition) -> None:
        self.conditions.append(condition)
        op, value = condition.op, condition.value
        if op in NUMERIC_OPERATORS:
            assert isinstance(value, float)
            if op in ("above", "at_least"):
                inclusive = op == "at_least"
                if value > self.low or (value == self.low and not inclusive):
                    self.low, self.low_inclusive = value, inclusive
            else:
                inclusive = op == "at_most"
                if value < self.high or (value == self.high and not inclusive):
                    self.high, self.high_inclusive = value, inclusive
        elif op in ("equals", "one_of"):
            values = set(condition.values)
            self.allowed = values if self.allowed is None else self.allowed & values
        elif op == "not_one_of":
            self.excluded |= set(condition.values)
        elif op == "starts_with":
            values = set(condition.values)
            # Two prefix lists hold together only for strings matching one of each.
            self.prefixes = values if self.prefixes is None else _prefix_meet(self.prefixes, values)
        elif op == "contains_any":
            self.contains.append(set(condition.values))

    def _numeric_ok(self, number: float) -> bool:
        low_ok = number > self.low or (self.low_inclusive and number == self.low)
        high_ok = number < self.high or (self.high_inclusive and number == self.high)
        return low_ok and high_ok

    def _has_bounds(self) -> bool:
        return self.low != -math.inf or self.high != math.inf

    def satisfiable(self) -> bool:
        if self.low > self.high:
            return False
        if self.low == self.high and not (self.low_inclusive and self.high_inclusive):
            return False
        if self.prefixes is not None and not self.prefixes:
            return False
        if self.allowed is None:
            return True
        candidates = self.allowed - self.excluded
        if self.prefixes is not None:
            candidates = {c for c in candidates if any(c.startswith(p) for p in self.prefixes)}
        if self._has_bounds():
            candidates = {
                c for c in candidates if (n := _as_number(c)) is not None and self._numeric_ok(n)
            }
        # A single value read as a list of one must meet every contains_any.
        return bool(candidates) and all(candidates & wanted for wanted in self.contains)

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.conditions)


def _prefix_meet(first: set[str], second: set[str]) -> set[str]:
    meet = set()
    for a in first:
        for b in second:
            if a.startswith(b):
                meet.add(a)
            elif b.startswith(a):
                meet.add(b)
    return meet


def constraints_of(conditions: Iterable[Condition]) -> dict[str, AttributeConstraint]:
    result: dict[str, AttributeConstraint] = {}
    for condition in conditions:
        result.setdefault(condition.attribute, AttributeConstraint()).add(condition)
    return result


def split_list(value: Any) -> list[str]:
    """An attribute read as a list: a JSON list, or text separated by ',' or ';'."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [_text(v) for v in value if v is not None and str(v).strip()]
    return [_text(v) for v in LIST_SEPARATORS.split(str(value)) if v.strip()]


def holds(condition: Condition, attributes: Mapping[str, Any]) -> bool:
    """Whether one event's attributes meet a condition (a missing value meets nothing)."""
    raw = attributes.get(condition.attribute)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return False
    op, value = condition.op, condition.value
    if op in NUMERIC_OPERATORS:
        number = _as_number(str(raw)) if not isinstance(raw, bool) else None
        if number is None:
            return False
        assert isinstance(value, float)
        return {
            "below": number < value,
            "at_most": number <= value,
            "above": number > value,
            "at_least": number >= value,
        }[op]
    values = condition.values
    if op == "contains_any":
        return bool(set(split_list(raw)) & set(values))
    text = _text(raw)
    if op in ("equals", "one_of"):
        return text in values
    if op == "not_one_of":
        return text not in values
    return any(text.startswith(p) for p in values)  # starts_with

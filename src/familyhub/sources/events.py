"""Event rules: how a row becomes dated events with a type from our vocabulary."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from familyhub.identity import InvalidValueError, parse_date
from familyhub.sources.vocabulary import event_types

if TYPE_CHECKING:
    from familyhub.sources.contract import Attribute, Condition, Contract, EventRule
    from familyhub.sources.normalise import Issue


def encode_json(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as is: what the ``original`` and ``attributes``
    columns hold. orjson, because the standard encoder was a fifth of a load's row work."""
    return orjson.dumps(value).decode()


_TERM_SEASONS = {
    "AUT": ((9, 1), (12, 31), 0),
    "SPR": ((1, 1), (3, 31), 1),
    "SUM": ((4, 1), (7, 31), 1),
}


@lru_cache(maxsize=100_000)
def iso_date(raw: str, formats: tuple[str, ...]) -> str | None:
    """The date in ``raw`` as ISO text (how it is stored), None if empty; InvalidValueError."""
    value = parse_date(raw, formats)
    return value.isoformat() if value else None


@lru_cache(maxsize=1024)
def academic_term(raw: str) -> tuple[str, str]:
    """``2023-24 AUT`` -> ('2023-09-01', '2023-12-31'); SPR is January-March, SUM April-July."""
    try:
        years, season = raw.split()
        first_year = int(years.split("-")[0])
        (sm, sd), (em, ed), offset = _TERM_SEASONS[season.upper()]
    except (ValueError, KeyError):
        raise InvalidValueError(f"{raw!r} is not an academic term like '2023-24 AUT'") from None
    year = first_year + offset
    return date(year, sm, sd).isoformat(), date(year, em, ed).isoformat()


def _template_fields(template: str) -> list[str]:
    names = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            names.append(name.split("[", 1)[0].split(".", 1)[0])
    return names


class _Labels:
    """``{label[incident_type]}`` in a description: the code's words, or the code itself."""

    __slots__ = ("_labels", "_values")

    def __init__(self, labels: dict[str, dict[str, str]], values: dict[str, str]) -> None:
        self._labels = labels
        self._values = values

    def __getitem__(self, column: str) -> str:
        code = self._values.get(column, "")
        return self._labels.get(column, {}).get(code, code)


@dataclass
class CompiledEvent:
    rule: EventRule
    source_name: str
    positions: dict[str, int]
    formats: tuple[str, ...]
    category: Callable[[str], str]

    def __post_init__(self) -> None:
        rule = self.rule
        self._date_idx = self.positions[_col(rule.date)]
        self._end_idx = self.positions[_col(rule.end_date)] if rule.end_date else None
        self._type_idx = self.positions[rule.type_from.column] if rule.type_from else None
        self._conditions = [_compile_condition(c, self.positions[c.column]) for c in rule.when]
        self._attrs = [
            (name, self.positions[_col_of(spec)], _col_of(spec), _converter(spec, self.formats))
            for name, spec in rule.attributes.items()
        ]
        used = set(_template_fields(rule.description)) | set(_template_fields(rule.id or ""))
        self._uses_labels = "label" in used
        used.discard("label")
        used.discard("record_id")
        missing = sorted(c for c in used if c not in self.positions)
        if missing:
            raise KeyError(
                f"event {rule.name!r}: description or id names unknown columns {missing}"
            )
        self._template_cols = [(c, self.positions[c]) for c in used] + [
            (c, self.positions[c]) for c in rule.labels if c in self.positions and c not in used
        ]
        # What every row reads, looked up once (apply runs millions of times).
        self._date_col = _col(rule.date)
        self._end_col = _col(rule.end_date) if rule.end_date else ""
        self._academic = rule.date_parser == "academic_term"
        self._description = rule.description
        self._id_template = rule.id
        self._suffix = f":{rule.name}"
        self._fixed_type = rule.type or ""
        self._type_map = rule.type_from.map if rule.type_from else {}
        self._type_col = rule.type_from.column if rule.type_from else ""
        self._fixed_category = rule.data_category
        self._labels = rule.labels

    def apply(
        self, record_id: str, values: list[str], out: list[tuple[Any, ...]], issues: list[Issue]
    ) -> None:
        """Append the event ``values`` (the row's cells, already stripped) make, if any."""
        for check in self._conditions:
            if not check(values):
                return
        if self._type_idx is not None:
            code = values[self._type_idx]
            event_type = self._type_map.get(code)
            if event_type is None:
                reason = f"code {code!r} has no event type in the contract; no event made"
                issues.append(_issue(self._type_col, reason, quarantine=False))
                return
        else:
            event_type = self._fixed_type
        raw_date = values[self._date_idx]
        end: str | None = None
        try:
            if self._academic:
                start, end = academic_term(raw_date)
            else:
                parsed = iso_date(raw_date, self.formats)
                if parsed is None:
                    issues.append(_issue(self._date_col, "the event date is empty"))
                    return
                start = parsed
        except InvalidValueError as exc:
            issues.append(_issue(self._date_col, exc.reason))
            return
        if self._end_idx is not None:
            try:
                end = iso_date(values[self._end_idx], self.formats)
            except InvalidValueError as exc:
                issues.append(_issue(self._end_col, exc.reason))
                return
        attributes: dict[str, Any] = {}
        for name, idx, column, convert in self._attrs:
            raw = values[idx]
            if not raw:
                continue
            try:
                attributes[name] = convert(raw)
            except ValueError as exc:
                issues.append(_issue(column, f"{raw!r} is not {exc}", quarantine=False))
        fields = {c: values[i] for c, i in self._template_cols}
        fields["record_id"] = record_id
        if self._uses_labels:
            labels = _Labels(self._labels, fields)
            description = self._description.format(**fields, label=labels)
            event_id = (
                self._id_template.format(**fields, label=labels)
                if self._id_template
                else record_id + self._suffix
            )
        else:
            description = self._description.format(**fields)
            event_id = (
                self._id_template.format(**fields)
                if self._id_template
                else record_id + self._suffix
            )
        out.append(
            (
                record_id,
                event_id,
                event_type,
                start,
                end,
                self._fixed_category or self.category(event_type),
                description,
                encode_json(attributes),
            )
        )


def _issue(column: str, reason: str, *, quarantine: bool = True) -> Issue:
    """An issue with ``column``: the row quarantined, or (``quarantine=False``) one value
    dropped. Imported here, on the rare row with a problem: normalise imports this module."""
    from familyhub.sources.normalise import ROW_QUARANTINED, VALUE_DROPPED, Issue

    return Issue(column, reason, ROW_QUARANTINED if quarantine else VALUE_DROPPED)


def _col(ref: Any) -> str:
    return ref if isinstance(ref, str) else ref.column


def _col_of(spec: str | Attribute) -> str:
    return spec if isinstance(spec, str) else spec.column


def _converter(spec: str | Attribute, formats: tuple[str, ...]) -> Callable[[str], Any]:
    """A function from the raw text to the attribute's value; ValueError names the type."""
    if isinstance(spec, str) or spec.type == "str":
        return str
    if spec.type in ("int", "float"):
        kind, words = (int, "a whole number") if spec.type == "int" else (float, "a number")

        def number(raw: str) -> Any:
            try:
                return kind(raw)
            except ValueError:
                raise ValueError(words) from None

        return number
    if spec.type == "bool":
        truths = frozenset(v.upper() for v in spec.true_values)
        return lambda raw: raw.upper() in truths
    if spec.type == "date":

        def as_date(raw: str) -> str | None:
            try:
                parsed = parse_date(raw, formats)
            except InvalidValueError:
                raise ValueError("a date") from None
            return parsed.isoformat() if parsed else None

        return as_date
    separator = spec.separator
    return lambda raw: [item.strip() for item in raw.split(separator) if item.strip()]


def _compile_condition(cond: Condition, idx: int) -> Callable[[list[str]], bool]:
    tests: list[Callable[[str], bool]] = []
    if cond.equals is not None:
        target = cond.equals
        tests.append(lambda v: v == target)
    if cond.in_ is not None:
        allowed = frozenset(cond.in_)
        tests.append(lambda v: v in allowed)
    if cond.not_in is not None:
        barred = frozenset(cond.not_in)
        tests.append(lambda v: v not in barred)
    if cond.present is not None:
        want = cond.present
        tests.append(lambda v: bool(v) == want)
    if cond.less_than is not None:
        limit = cond.less_than
        tests.append(lambda v: _number(v) < limit)
    if cond.greater_than is not None:
        floor = cond.greater_than
        tests.append(lambda v: _number(v) > floor)
    if cond.contains is not None:
        item, sep = cond.contains, cond.separator
        tests.append(lambda v: item in (p.strip() for p in v.split(sep)))

    if len(tests) == 1:
        (test,) = tests
        return lambda values: test(values[idx])

    def check(values: list[str]) -> bool:
        value = values[idx]
        return all(test(value) for test in tests)

    return check


def _number(raw: str) -> float:
    """The number in ``raw``; NaN (which compares false with everything) when there is none."""
    try:
        return float(raw)
    except ValueError:
        return float("nan")


def compile_events(contract: Contract, positions: dict[str, int]) -> list[CompiledEvent]:
    vocabulary = event_types()

    def category(event_type: str) -> str:
        return str(vocabulary[event_type]["data_category"])

    return [
        CompiledEvent(
            rule=rule,
            source_name=contract.name,
            positions=positions,
            formats=tuple(contract.format.date_formats),
            category=category,
        )
        for rule in contract.events
    ]

"""The rules file: how a council recognises the ten headline needs in its partners' events.

A council edits this YAML file, never code. Each rule says which event types (from the
sources' vocabulary), under which conditions on the event's attributes, are evidence of a
need, or a positive sign for it, with a descriptor and a plain-English evidence template.
The file carries a version that every assessed need records.

A file with a mistake is refused as a whole, with every problem listed and each naming its
line: an unknown event type, an unknown outcome, a rule that extends itself (directly or in a
circle), conditions that can never hold, or a need rule and a positive rule that one event
could satisfy at once. Parsing keeps PyYAML's node marks for those line numbers.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from familyhub.outcomes.headline import outcome_for
from familyhub.outcomes.rules_conditions import (
    OPERATORS,
    AttributeConstraint,
    Condition,
    constraints_of,
    parse_condition,
)

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "supporting_families.yaml"
SIGNALS = ("need", "positive")
STATUSES = ("open", "improving", "resolved")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Fields every evidence template may use besides the event's own attributes.
EVENT_FIELDS = frozenset(
    {"date", "end_date", "source", "source_name", "description", "event_type", "age"}
)
RULE_KEYS = frozenset(
    {
        "id",
        "need",
        "signal",
        "event_type",
        "when",
        "at_least",
        "within_days",
        "lasts_until_end_date",
        "extends",
        "descriptor",
        "evidence",
    }
)
TOP_KEYS = frozenset(
    {"version", "description", "progress", "outcome", "eligibility", "sources", "rules"}
)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class RulesError(ValueError):
    """The rules file was refused; ``problems`` lists each mistake with its line."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = sorted(problems, key=lambda p: p.line)
        lines = [f"{self.path}, line {p.line}: {p.message}" for p in self.problems]
        super().__init__("the rules file was refused:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class Rule:
    id: str
    need: str  # headline outcome key
    signal: str  # "need" or "positive"
    event_types: tuple[str, ...]
    conditions: tuple[Condition, ...]
    descriptor: str
    evidence: str
    at_least: int = 1
    within_days: int | None = None
    lasts_until_end_date: bool = False
    line: int = 0

    def constraints(self) -> dict[str, AttributeConstraint]:
        return constraints_of(self.conditions)


@dataclass(frozen=True)
class Progress:
    improving_after_months: int = 3
    resolved_after_months: int = 6


@dataclass(frozen=True)
class Eligibility:
    min_needs: int = 3
    statuses: tuple[str, ...] = ("open", "improving")


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    progress: Progress = field(default_factory=Progress)
    eligibility: Eligibility = field(default_factory=Eligibility)
    sustain_months: int = 6
    source_names: dict[str, str] = field(default_factory=dict)
    description: str = ""
    path: str = ""

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(t for r in self.rules for t in r.event_types)


# --- reading YAML nodes with their lines -------------------------------------------------


class _Reader:
    """Turns PyYAML nodes into values while collecting problems with line numbers."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(Problem(line_of(node), message))

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, "expected a single value here, not a list or mapping")
            return None
        return self._constructor.construct_object(node, deep=True)

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = self.scalar(node)
        if value is None or isinstance(value, bool | list | dict):
            self.problem(node, f"{what} must be text")
            return None
        return str(value)

    def integer(self, node: yaml.Node, what: str, minimum: int) -> int | None:
        value = self.scalar(node)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(node, f"{what} must be a whole number of at least {minimum}")
            return None
        return value

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return {}
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = str(self.scalar(key_node))
            if key in result:
                self.problem(key_node, f"{key!r} is given twice in {what}")
                continue
            result[key] = (key_node, value_node)
        return result

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)


def line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


# --- the rules file ------------------------------------------------------------------------


@dataclass
class _RawRule:
    """A rule as written, before ``extends`` is resolved."""

    line: int
    id: str
    fields: dict[str, Any]
    lines: dict[str, int]


def load_rules(
    path: Path | str | None = None, *, event_types: Iterable[str] | None = None
) -> RuleSet:
    """Read and check a rules file (default: the one shipped with familyhub).

    ``event_types`` is the sources' vocabulary; by default it is read from the sources
    package. Raises :class:`RulesError` naming every mistake and its line.
    """
    path = Path(path) if path is not None else DEFAULT_RULES_FILE
    if event_types is None:
        from familyhub.outcomes.vocabulary import known_event_types

        event_types = known_event_types()
    return parse_rules(path.read_text(encoding="utf-8"), path=path, event_types=event_types)


def parse_rules(
    text: str, *, path: Path | str = "<rules>", event_types: Iterable[str] | None
) -> RuleSet:
    """Parse rules from YAML text; ``event_types=None`` skips the vocabulary check."""
    reader = _Reader()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise RulesError(path, [Problem(line, f"not valid YAML: {exc.problem}")]) from None
    if root is None:
        raise RulesError(path, [Problem(1, "the file is empty")])
    top = reader.mapping(root, "the rules file")
    for key, (key_node, _) in top.items():
        if key not in TOP_KEYS:
            reader.problem(key_node, f"unknown key {key!r}; expected one of {sorted(TOP_KEYS)}")
    version = None
    if "version" in top:
        version = reader.text(top["version"][1], "version")
    else:
        reader.problem(root, "the rules file needs a 'version'")
    settings = _settings(reader, top)
    raw_rules = _raw_rules(reader, top, root)
    rules = _resolve(reader, raw_rules, set(event_types) if event_types is not None else None)
    _check_contradictions(reader, rules)
    if reader.problems:
        raise RulesError(path, reader.problems)
    return RuleSet(version=str(version), rules=tuple(rules), path=str(path), **settings)


def _settings(reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if "description" in top:
        settings["description"] = reader.text(top["description"][1], "description") or ""
    if "progress" in top:
        values = reader.mapping(top["progress"][1], "progress")
        kwargs = {}
        for key, (key_node, value_node) in values.items():
            if key not in ("improving_after_months", "resolved_after_months"):
                reader.problem(key_node, f"unknown progress setting {key!r}")
                continue
            kwargs[key] = reader.integer(value_node, key, 1) or 1
        progress = Progress(**kwargs)
        if progress.improving_after_months > progress.resolved_after_months:
            reader.problem(
                top["progress"][1],
                "improving_after_months cannot be longer than resolved_after_months",
            )
        settings["progress"] = progress
    if "outcome" in top:
        values = reader.mapping(top["outcome"][1], "outcome")
        for key, (key_node, value_node) in values.items():
            if key != "sustain_months":
                reader.problem(key_node, f"unknown outcome setting {key!r}")
                continue
            settings["sustain_months"] = reader.integer(value_node, key, 0) or 0
    if "eligibility" in top:
        settings["eligibility"] = _eligibility(reader, top["eligibility"][1])
    if "sources" in top:
        names = reader.mapping(top["sources"][1], "sources")
        settings["source_names"] = {
            key: reader.text(value_node, f"the name of source {key}") or key
            for key, (_, value_node) in names.items()
        }
    return settings


def _eligibility(reader: _Reader, node: yaml.Node) -> Eligibility:
    values = reader.mapping(node, "eligibility")
    min_needs = 3
    statuses: tuple[str, ...] = ("open", "improving")
    for key, (key_node, value_node) in values.items():
        if key == "min_needs":
            min_needs = reader.integer(value_node, key, 1) or 3
        elif key == "statuses":
            items = [reader.text(n, "a status") for n in reader.sequence(value_node, key)]
            for item_node, item in zip(value_node.value, items, strict=False):
                if item not in STATUSES:
                    reader.problem(item_node, f"unknown status {item!r}; use {list(STATUSES)}")
            statuses = tuple(i for i in items if i in STATUSES)
        else:
            reader.problem(key_node, f"unknown eligibility setting {key!r}")
    return Eligibility(min_needs=min_needs, statuses=statuses)


def _raw_rules(
    reader: _Reader, top: dict[str, tuple[yaml.Node, yaml.Node]], root: yaml.Node
) -> list[_RawRule]:
    if "rules" not in top:
        reader.problem(root, "the rules file needs a list of 'rules'")
        return []
    raw: list[_RawRule] = []
    seen: dict[str, int] = {}
    for item in reader.sequence(top["rules"][1], "rules"):
        values = reader.mapping(item, "a rule")
        fields: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key, (key_node, value_node) in values.items():
            lines[key] = line_of(key_node)
            if key not in RULE_KEYS:
                reader.problem(key_node, f"unknown rule key {key!r}; expected {sorted(RULE_KEYS)}")
            elif key == "when":
                fields[key] = _conditions(reader, value_node)
            elif key == "event_type":
                if isinstance(value_node, yaml.SequenceNode):
                    fields[key] = [
                        (reader.text(n, "an event type"), line_of(n)) for n in value_node.value
                    ]
                else:
                    fields[key] = [(reader.text(value_node, "an event type"), line_of(value_node))]
            else:
                fields[key] = reader.scalar(value_node)
        rule_id = fields.get("id")
        if not isinstance(rule_id, str) or not IDENTIFIER.match(rule_id):
            reader.problem(item, "every rule needs an 'id' made of letters, digits and _")
            continue
        if rule_id in seen:
            reader.problem(item, f"rule id {rule_id!r} is already used on line {seen[rule_id]}")
            continue
        seen[rule_id] = line_of(item)
        raw.append(_RawRule(line_of(item), rule_id, fields, lines))
    return raw


def _conditions(reader: _Reader, node: yaml.Node) -> list[Condition]:
    conditions: list[Condition] = []
    for attribute, (key_node, value_node) in reader.mapping(node, "when").items():
        if attribute != "age" and not IDENTIFIER.match(attribute):
            reader.problem(key_node, f"attribute name {attribute!r} must be letters, digits and _")
            continue
        if isinstance(value_node, yaml.MappingNode):
            ops = reader.mapping(value_node, f"the condition on {attribute}")
            pairs = [(op, op_value) for op, (_, op_value) in ops.items()]
        else:
            pairs = [("equals", value_node)]
        for op, op_node in pairs:
            if op not in OPERATORS:
                reader.problem(op_node, f"unknown comparison {op!r}; use one of {list(OPERATORS)}")
                continue
            value: Any
            if isinstance(op_node, yaml.SequenceNode):
                value = [reader.scalar(n) for n in op_node.value]
            else:
                value = reader.scalar(op_node)
            condition, error = parse_condition(attribute, op, value, line_of(op_node))
            if error:
                reader.problem(op_node, error)
            elif condition is not None:
                conditions.append(condition)
    return conditions


def _resolve(reader: _Reader, raw_rules: list[_RawRule], vocabulary: set[str] | None) -> list[Rule]:
    by_id = {r.id: r for r in raw_rules}
    resolved: dict[str, dict[str, Any]] = {}
    circular: set[str] = set()

    def fields_of(rule: _RawRule, chain: list[str]) -> dict[str, Any] | None:
        if rule.id in resolved:
            return resolved[rule.id]
        parent_id = rule.fields.get("extends")
        merged: dict[str, Any] = {}
        if parent_id is not None:
            path = [*chain, rule.id]
            if parent_id in path:
                loop = path[path.index(parent_id) :]
                if not circular & set(loop):
                    circular.update(loop)
                    cycle = " -> ".join([*loop, str(parent_id)])
                    reader.problems.append(
                        Problem(rule.lines.get("extends", rule.line), f"circular rule: {cycle}")
                    )
                return None
            parent = by_id.get(str(parent_id))
            if parent is None:
                reader.problems.append(
                    Problem(rule.lines["extends"], f"extends unknown rule {parent_id!r}")
                )
                return None
            parent_fields = fields_of(parent, path)
            if parent_fields is None:
                return None
            merged = {k: v for k, v in parent_fields.items() if k != "id"}
            # Conditions add up: a child rule narrows its parent.
            merged["when"] = list(parent_fields.get("when", []))
        for key, value in rule.fields.items():
            merged[key] = [*merged.get("when", []), *value] if key == "when" else value
        resolved[rule.id] = merged
        return merged

    rules: list[Rule] = []
    for raw in raw_rules:
        fields = fields_of(raw, [])
        if fields is None:
            continue
        rule = _build_rule(reader, raw, fields, vocabulary)
        if rule is not None:
            rules.append(rule)
    return rules


def _build_rule(
    reader: _Reader, raw: _RawRule, fields: dict[str, Any], vocabulary: set[str] | None
) -> Rule | None:
    ok = True

    def fail(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        reader.problems.append(Problem(raw.lines.get(key, raw.line), f"rule {raw.id}: {message}"))

    outcome = outcome_for(fields["need"]) if fields.get("need") is not None else None
    if "need" not in fields:
        fail("need", "says no 'need' (one of the ten headline outcomes)")
    elif outcome is None:
        fail("need", f"unknown outcome {fields['need']!r}; use a headline outcome key or 1-10")
    signal = str(fields.get("signal", "need"))
    if signal not in SIGNALS:
        fail("signal", f"signal must be one of {list(SIGNALS)}, not {signal!r}")
    event_types: list[tuple[str | None, int]] = fields.get("event_type", [])
    if not event_types:
        fail("event_type", "names no 'event_type'")
    for event_type, line in event_types:
        if event_type is None:
            ok = False
        elif vocabulary is not None and event_type not in vocabulary:
            ok = False
            reader.problems.append(
                Problem(
                    line,
                    f"rule {raw.id}: unknown event type {event_type!r} "
                    "(not in the sources' vocabulary)",
                )
            )
    at_least = fields.get("at_least", 1)
    if not isinstance(at_least, int) or isinstance(at_least, bool) or at_least < 1:
        fail("at_least", "at_least must be a whole number of at least 1")
        at_least = 1
    within_days = fields.get("within_days")
    if within_days is not None and (
        not isinstance(within_days, int) or isinstance(within_days, bool) or within_days < 1
    ):
        fail("within_days", "within_days must be a whole number of days, at least 1")
        within_days = None
    if within_days is not None and at_least == 1:
        fail("within_days", "within_days only makes sense with at_least of 2 or more")
    lasts = fields.get("lasts_until_end_date", False)
    if not isinstance(lasts, bool):
        fail("lasts_until_end_date", "lasts_until_end_date must be true or false")
    descriptor = fields.get("descriptor")
    if not isinstance(descriptor, str) or not descriptor.strip():
        fail("descriptor", "needs a 'descriptor' in plain English")
    evidence = fields.get("evidence")
    if not isinstance(evidence, str) or not evidence.strip():
        fail("evidence", "needs an 'evidence' template in plain English")
    else:
        message = template_problem(evidence)
        if message:
            fail("evidence", message)
    conditions: list[Condition] = fields.get("when", [])
    for attribute, constraint in constraints_of(conditions).items():
        if not constraint.satisfiable():
            line = min(c.line for c in conditions if c.attribute == attribute)
            ok = False
            reader.problems.append(
                Problem(
                    line,
                    f"rule {raw.id}: contradictory conditions on {attribute!r}: "
                    f"{constraint.describe()} can never hold",
                )
            )
    if not ok or outcome is None:
        return None
    return Rule(
        id=raw.id,
        need=outcome.key,
        signal=signal,
        event_types=tuple(str(t) for t, _ in event_types),
        conditions=tuple(conditions),
        descriptor=str(descriptor),
        evidence=str(evidence),
        at_least=at_least,
        within_days=within_days,
        lasts_until_end_date=bool(lasts),
        line=raw.line,
    )


def template_problem(template: str) -> str | None:
    """Why an evidence template cannot be used, or None if it can."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"the evidence template is not well formed ({exc}); write {{name}} for a value"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not IDENTIFIER.match(name):
            return f"the evidence template names {{{name}}}: use a field or attribute name"
        if spec or conversion:
            return f"the evidence template formats {{{name}}}: write the plain {{{name}}}"
    return None


def _check_contradictions(reader: _Reader, rules: list[Rule]) -> None:
    """One event must never be both evidence of a need and a positive sign for it."""
    needs = [r for r in rules if r.signal == "need"]
    positives = [r for r in rules if r.signal == "positive"]
    for positive in positives:
        for need_rule in needs:
            if need_rule.need != positive.need:
                continue
            shared = set(need_rule.event_types) & set(positive.event_types)
            if not shared:
                continue
            merged = constraints_of([*need_rule.conditions, *positive.conditions])
            if all(c.satisfiable() for c in merged.values()):
                reader.problems.append(
                    Problem(
                        positive.line,
                        f"rule {positive.id} contradicts rule {need_rule.id} "
                        f"(line {need_rule.line}): one {sorted(shared)[0]} event could be both "
                        f"evidence of the {positive.need} need and a positive sign for it",
                    )
                )

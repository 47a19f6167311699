"""The rules file: the shipped one loads; mistakes are refused naming their lines."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.outcomes.headline import HEADLINE_OUTCOMES
from familyhub.outcomes.rules import RulesError, load_rules, parse_rules
from familyhub.outcomes.vocabulary import known_event_types

VOCAB = {"school_term", "domestic_abuse_incident", "rent_arrears"}


def parse(text: str):
    return parse_rules(text, path="rules.yaml", event_types=VOCAB)


def with_rules(extra: str) -> str:
    """GOOD plus more rules, written as a YAML list at column 0."""
    return GOOD + textwrap.indent(textwrap.dedent(extra), "  ")


def refusal(text: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        parse(text)
    return caught.value


GOOD = textwrap.dedent(
    """\
    version: "1"
    rules:
      - id: absence
        need: education
        event_type: school_term
        when:
          attendance_pct: {below: 90}
        descriptor: Persistent absence
        evidence: "Attendance {attendance_pct}% in {term}, from {source}"
    """
)


def test_shipped_rules_cover_all_ten_headline_outcomes_with_known_event_types() -> None:
    rules = load_rules()
    assert {r.need for r in rules.rules} == {o.key for o in HEADLINE_OUTCOMES}
    assert rules.event_types <= known_event_types()
    assert rules.version
    assert rules.sustain_months == 6


def test_a_good_file_gives_rules_with_their_lines() -> None:
    rules = parse(GOOD)
    (rule,) = rules.rules
    assert (rule.id, rule.need, rule.line) == ("absence", "education", 3)
    assert rule.conditions[0].describe() == "attendance_pct below 90.0"


def test_unknown_event_type_is_refused_naming_its_line() -> None:
    error = refusal(GOOD.replace("event_type: school_term", "event_type: school_trem"))
    assert "line 5" in str(error)
    assert "unknown event type 'school_trem'" in str(error)


def test_unknown_outcome_is_refused_naming_its_line() -> None:
    error = refusal(GOOD.replace("need: education", "need: happiness"))
    assert "line 4" in str(error)
    assert "unknown outcome 'happiness'" in str(error)


def test_outcomes_may_be_named_by_number() -> None:
    assert parse(GOOD.replace("need: education", "need: 9")).rules[0].need == "housing"


def test_circular_rules_are_refused_naming_the_line() -> None:
    error = refusal(
        with_rules(
            """\
      - id: a
        extends: b
      - id: b
        extends: a
    """
        )
    )
    assert [p.line for p in error.problems] == [13]
    assert "circular rule: a -> b -> a" in str(error)


def test_a_rule_extending_itself_is_circular() -> None:
    error = refusal(GOOD.replace("  need: education", "  need: education\n    extends: absence"))
    assert "circular rule: absence -> absence" in str(error)


def test_extends_narrows_the_parent_rule() -> None:
    rules = parse(
        with_rules(
            """\
      - id: severe_absence
        extends: absence
        when:
          attendance_pct: {below: 50}
        descriptor: Severe absence
    """
        )
    )
    severe = rules.rule("severe_absence")
    assert severe.event_types == ("school_term",)
    assert [c.number for c in severe.conditions] == [90.0, 50.0]


def test_conditions_that_can_never_hold_are_contradictory() -> None:
    error = refusal(GOOD.replace("{below: 90}", "{below: 90, at_least: 95}"))
    assert "line 7" in str(error)
    assert "contradictory conditions on 'attendance_pct'" in str(error)


def test_a_positive_rule_overlapping_a_need_rule_is_contradictory() -> None:
    error = refusal(
        with_rules(
            """\
      - id: good_attendance
        need: education
        signal: positive
        event_type: school_term
        when:
          attendance_pct: {at_least: 85}
        descriptor: Attending
        evidence: "Attendance {attendance_pct}%"
    """
        )
    )
    assert "line 10" in str(error)
    assert "good_attendance contradicts rule absence (line 3)" in str(error)


def test_a_positive_rule_that_does_not_overlap_is_accepted() -> None:
    rules = parse(
        with_rules(
            """\
      - id: good_attendance
        need: education
        signal: positive
        event_type: school_term
        when:
          attendance_pct: {at_least: 90}
        descriptor: Attending
        evidence: "Attendance {attendance_pct}%"
    """
        )
    )
    assert [r.signal for r in rules.rules] == ["need", "positive"]


def test_every_mistake_is_listed_at_once() -> None:
    text = GOOD.replace("need: education", "need: nope").replace("school_term", "nope_type")
    error = refusal(text)
    assert [p.line for p in error.problems] == [4, 5]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("rules:", "ruls:"), "unknown key 'ruls'"),
        (('version: "1"\n', ""), "needs a 'version'"),
        (("{below: 90}", "{under: 90}"), "unknown comparison 'under'"),
        (("{below: 90}", "{below: ninety}"), "needs a number"),
        (('{source}"', '{source:>5}"'), "write the plain {source}"),
        (('{source}"', '{source"'), "not well formed"),
        (("id: absence", "id: 'two words'"), "needs an 'id'"),
        (("descriptor: Persistent absence", "descriptor: ''"), "needs a 'descriptor'"),
        (("need: education", "need: education\n    at_least: 0"), "at_least"),
        (('version: "1"\nrules:', '- version: "1"\n- rules:'), "must be a mapping"),
    ],
)
def test_other_mistakes_are_refused_clearly(change: tuple[str, str], message: str) -> None:
    assert message in str(refusal(GOOD.replace(*change)))


def test_duplicate_ids_and_keys_are_refused() -> None:
    error = refusal(GOOD + GOOD.split("rules:\n", 1)[1])
    assert "rule id 'absence' is already used on line 3" in str(error)
    error = refusal(GOOD.replace("need: education", "need: education\n    need: housing"))
    assert "'need' is given twice" in str(error)


def test_invalid_yaml_is_refused_with_its_line() -> None:
    error = refusal(GOOD.replace("when:", "when: [unclosed"))
    assert error.problems[0].line >= 6
    assert "not valid YAML" in str(error)


# Any text at all either loads or is refused with lines: never another exception.
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
rule_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["a", "b", "c"]) | st.text(max_size=4),
        "need": st.sampled_from(["education", "housing", "x", 3, 11]) | yaml_values,
        "signal": st.sampled_from(["need", "positive", "other"]),
        "event_type": st.sampled_from(sorted(VOCAB)) | st.lists(st.sampled_from([*VOCAB, "x"])),
        "extends": st.sampled_from(["a", "b", "c", "z"]),
        "when": st.dictionaries(
            st.sampled_from(["attendance_pct", "role", "age", "bad name"]),
            st.dictionaries(
                st.sampled_from(["below", "above", "at_least", "equals", "one_of", "starts_with"]),
                yaml_values,
                max_size=2,
            )
            | yaml_values,
            max_size=2,
        ),
        "descriptor": st.text(max_size=10) | yaml_values,
        "evidence": st.sampled_from(["{date}", "{x", "a {b}", ""]) | yaml_values,
        "at_least": yaml_values,
        "within_days": yaml_values,
    },
)


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(rule_like, max_size=4), version=yaml_values)
def test_any_rules_file_loads_or_is_refused_with_lines(rules: list, version: object) -> None:
    text = yaml.safe_dump({"version": version, "rules": rules})
    problems = []
    try:
        parsed = parse_rules(text, event_types=VOCAB)
    except RulesError as error:
        problems = error.problems
        assert problems
    else:
        assert all(r.event_types and set(r.event_types) <= VOCAB for r in parsed.rules)
    assert all(1 <= p.line <= text.count("\n") + 1 for p in problems)

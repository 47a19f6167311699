"""Cannot-link rules: pairs of records that must never end up in one person, whatever the score.

A score is a sum of evidence; a few patterns are not evidence but contradictions, and no
amount of agreement elsewhere should outweigh them. Each rule has a name that the quality
report counts and the clustering reports.

* ``twin``: same family name and date of birth, given names that are not spellings of one
  another. Twins and triplets share everything else.
* ``different_dob``: dates of birth that no keying slip explains (one digit, day and month
  swapped, a day or a year out). A parent and child who share a name; two people of one
  common name born in the same year.
* ``different_given_name``: given names that no nickname, transliteration, typing error or
  name-order swap connects.
* ``same_source_identifier``: one source holding two different NHS numbers or UPNs for the
  pair (a source keys its own people once), unless name and date of birth are the same.
* ``different_identifier``: two different NHS numbers (or UPNs, NI numbers) and given names
  that differ: twins a keying slip in the date of birth made look alike.
* ``identifier_clash`` (soft): two different identifiers on otherwise agreeing records.
* ``manual``: someone decided "do not link"; see ``review``.
"""

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

from __future__ import annotations

from familyhub.linkage.settings import (
    DOB_NEAR,
    GIVEN_ALIAS,
    GIVEN_IN_OTHER,
    GIVEN_ONE_EDIT,
    GIVEN_TRANSLITERATION,
)

# Two keying slips in one longer name (rober / roebert) are still one name; twins' names
# such as ella / ellie are short or further apart.
GIVEN_TWO_SLIPS = (
    "(least(length(given_l), length(given_r)) >= 4 and damerau_levenshtein(given_l, given_r) <= 2 "
    "and jaro_winkler_similarity(given_l, given_r) >= 0.86)"
)
# In a household, one letter changed in a short name is another name (Ying / Yang, Amir /
# Amar, Leo / Lea); a slip in a short name counts only as a transposition or a letter dropped
# or added (lim / liam).
GIVEN_ONE_SLIP_STRICT = (
    f"({GIVEN_ONE_EDIT} and (least(length(given_l), length(given_r)) >= 5 "
    "or list_sort(string_split(given_l, '')) = list_sort(string_split(given_r, '')) "
    "or length(given_l) <> length(given_r)))"
)
# Cheap tests first: DuckDB evaluates an OR's later terms only for rows still undecided.
GIVEN_STRICT = (
    f"(given_l = given_r or {GIVEN_ONE_SLIP_STRICT} or {GIVEN_TWO_SLIPS} "
    f"or {GIVEN_TRANSLITERATION} or {GIVEN_ALIAS})"
)
# Name order swapped, each side allowing a slip or a nickname (lloyd andrew / andy lloyd).
NAMES_SWAPPED_LOOSE = (
    "((damerau_levenshtein(given_l, family_r) <= 1 "
    "or jaro_winkler_similarity(given_l, family_r) >= 0.85) "
    "and (damerau_levenshtein(family_l, given_r) <= 1 "
    "or jaro_winkler_similarity(family_l, given_r) >= 0.85 "
    "or list_contains(given_aliases_r, family_l)) "
    "or (damerau_levenshtein(family_l, given_r) <= 1 "
    "or jaro_winkler_similarity(family_l, given_r) >= 0.85) "
    "and (damerau_levenshtein(given_l, family_r) <= 1 "
    "or jaro_winkler_similarity(given_l, family_r) >= 0.85 "
    "or list_contains(given_aliases_l, family_r)))"
)
GIVEN_LOOSE = (
    "(jaro_winkler_similarity(given_l, given_r) >= 0.8 "
    "or starts_with(given_full_l, given_r) or starts_with(given_full_r, given_l) "
    f"or {GIVEN_IN_OTHER} or {NAMES_SWAPPED_LOOSE} or {GIVEN_STRICT})"
)

# Name order swapped with at most one slip, in a longer name only (for the twin rule).
NAMES_SWAPPED_STRICT = (
    "((given_l = family_r and (family_l = given_r "
    "or (damerau_levenshtein(family_l, given_r) <= 1 "
    "and least(length(family_l), length(given_r)) >= 5))) "
    "or (family_l = given_r and (given_l = family_r "
    "or (damerau_levenshtein(given_l, family_r) <= 1 "
    "and least(length(given_l), length(family_r)) >= 5))))"
)


def _not(condition: str) -> str:
    """SQL negation that keeps DuckDB's short-circuit evaluation of ``condition``.

    ``not (a or b or ...)`` evaluates every term for every row; a CASE tests the terms in
    order and stops at the first true one, which matters when the last term is a lambda over
    a list of aliases. (The rules only negate conditions on non-null names and dates.)
    """
    return f"(case when {condition} then false else true end)"


def _same_name_strict(a: str, b: str) -> str:
    """SQL: names ``a`` and ``b`` are one name up to keying slips (strict, as for twins)."""
    return (
        f"({a} = {b} or (damerau_levenshtein({a}, {b}) <= 1 "
        f"and (least(length({a}), length({b})) >= 5 "
        f"or list_sort(string_split({a}, '')) = list_sort(string_split({b}, '')) "
        f"or length({a}) <> length({b}))) "
        f"or (least(length({a}), length({b})) >= 4 and damerau_levenshtein({a}, {b}) <= 2 "
        f"and jaro_winkler_similarity({a}, {b}) >= 0.86))"
    )


def _identifiers_differ(column: str) -> str:
    return f"({column}_l <> {column}_r and damerau_levenshtein({column}_l, {column}_r) > 1)"


RULES: dict[str, str] = {
    # Same birthday and surname, given names that are not one name: twins. Also seen through a
    # record with its name order swapped (zhu yang / ying zhu).
    "twin": (
        "dob_l = dob_r and given_l is not null and given_r is not null and ("
        "((family_l = family_r or damerau_levenshtein(family_l, family_r) <= 1) "
        f"and ({_not(GIVEN_STRICT)} and {_not(NAMES_SWAPPED_STRICT)} "
        # Andrei and Andreea: one letter pattern apart, but a boy and a girl.
        "or (given_l <> given_r and sex_l in ('M', 'F') and sex_r in ('M', 'F') "
        "and sex_l <> sex_r))) "
        f"or (given_l = family_r and {_not(_same_name_strict('family_l', 'given_r'))}) "
        f"or (family_l = given_r and {_not(_same_name_strict('given_l', 'family_r'))}))"
    ),
    "different_dob": f"dob_l is not null and dob_r is not null and {_not(DOB_NEAR)}",
    "different_given_name": (
        f"given_l is not null and given_r is not null and {_not(GIVEN_LOOSE)}"
    ),
    # One source holding two identifiers for the pair, unless name and birthday are exactly
    # the same (a duplicate registration that picked up a relative's number).
    "same_source_identifier": (
        "source_l = source_r "
        "and (given_l is distinct from given_r or dob_l is distinct from dob_r) "
        f"and ({_identifiers_differ('nhs_number')} or upn_l <> upn_r)"
    ),
    # Two different NHS numbers (or UPNs, or NI numbers), not one slip apart, given names
    # that are not the same and dates of birth that are not either: two people (twins behind
    # a nickname and a mistyped birthday). With the same birthday a wrong number is likelier.
    "different_identifier": (
        "given_l <> given_r and dob_l is distinct from dob_r and ("
        f"{_identifiers_differ('nhs_number')} or {_identifiers_differ('upn')} "
        f"or {_identifiers_differ('ni_number')})"
    ),
    # The same, with everything else agreeing: a duplicate that picked up a relative's number,
    # or twins given the same name. Soft: the groups join only if more links than clashing
    # numbers connect them, so each twin's consistently numbered records stay apart.
    "identifier_clash": (
        f"{_identifiers_differ('nhs_number')} or {_identifiers_differ('upn')} "
        f"or {_identifiers_differ('ni_number')}"
    ),
}


# Soft rules are about names, where two keying slips can make one person look like two: a
# group may still join another it has a soft conflict with when more strong links than
# conflicts join them (see clustering). Hard rules never give way.
SOFT_RULES = ("twin", "different_given_name", "identifier_clash")


def violated_rule_sql() -> str:
    """A SQL expression naming the first rule a pair (columns ``*_l``/``*_r``) breaks, or null."""
    cases = " ".join(f"when {sql} then '{name}'" for name, sql in RULES.items())
    # Most pairs agree exactly on given name and date of birth, and then only a clash of
    # identifiers can apply: skip the costly name tests for them.
    clash = RULES["identifier_clash"]
    return (
        "case when given_l = given_r and dob_l = dob_r "
        f"then (case when {clash} then 'identifier_clash' end) {cases} else null end"
    )


# The columns of both records that ``RULES`` read.
RULE_COLUMNS = (
    "source",
    "given",
    "given_full",
    "other_given",
    "family",
    "given_aliases",
    "given_skeleton",
    "dob",
    "dob_text",
    "nhs_number",
    "ni_number",
    "upn",
    "sex",
)


def paired_records_sql(pairs: str, records: str, right_records: str | None = None) -> str:
    """Select every column of both records of each pair in ``pairs`` as ``col_l``/``col_r``.

    The right-hand records come from ``right_records`` when given: ``match`` pairs a query
    with candidates that are held in two tables.
    """
    selected = ", ".join(f"l.{c} as {c}_l, r.{c} as {c}_r" for c in RULE_COLUMNS)
    return (
        f"select p.*, {selected} from {pairs} p "
        f"join {records} l on l.unique_id = p.unique_id_l "
        f"join {right_records or records} r on r.unique_id = p.unique_id_r"
    )

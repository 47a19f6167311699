"""The one definition of the linkage model, rendered into Splink settings for any dialect.

The comparisons know about households. Within a family, agreement on family name, date of
birth and address is not independent evidence (twins share all three), so the given-name
comparison has its own level for "given names differ although family name and date of birth
agree": the twin pattern. Expectation maximisation learns that true matches almost never look
like that, so it carries a large negative weight that no amount of address agreement
outweighs. Likewise an NHS number that agrees while both given name and date of birth
disagree is its own level (a relative's number keyed by mistake), not a match.

Custom SQL is written in DuckDB's dialect and marked so; Splink translates it with sqlglot
for Spark. A trained model is carried to another dialect by copying its m and u
probabilities level by level onto settings built here for that dialect
(:func:`settings_for`), never by loading DuckDB SQL into Spark.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

MODEL_NAME = "familyhub-person-v1"
TWIN_LABEL = "different given names, same family name and date of birth (twin pattern)"
WRONG_NUMBER_LABEL = "same number but given name and date of birth differ (wrong number?)"
# Levels whose m probability is domain knowledge, not learned: expectation maximisation
# cannot tell twins from one person (everything else about them agrees, so it calls them
# matches), nor a relative's NHS number from a person's own.
FIXED_M = {TWIN_LABEL: 1e-7, WRONG_NUMBER_LABEL: 1e-7}


def _level(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str="duckdb")


def _fixed(level: cll.CustomLevel, label: str) -> ComparisonLevelCreator:
    return level.configure(m_probability=FIXED_M[label], fix_m_probability=True)


# Given names are compatible when one spelling could be the other's: exact, a shared alias
# (nickname canonical or transliteration skeleton), one edit apart, or one sitting among the
# other's middle names.
SAME_FAMILY_AND_DOB = "family_l = family_r and dob_l = dob_r"
# A nickname and its full form (bill / william): what the model's level tests; cheap enough
# for the millions of random pairs used to estimate u.
GIVEN_ALIAS_EXACT = (
    "(list_contains(given_aliases_l, given_r) or list_contains(given_aliases_r, given_l))"
)
# The same allowing a keying slip in either (sam / sameul): for the cannot-link rules, which
# only ever see pairs already linked.
GIVEN_ALIAS = (
    f"({GIVEN_ALIAS_EXACT} "
    "or len(list_filter(given_aliases_l, lambda x: x <> given_l and length(x) >= 4 "
    "and damerau_levenshtein(x, given_r) <= 1)) > 0 "
    "or len(list_filter(given_aliases_r, lambda x: x <> given_r and length(x) >= 4 "
    "and damerau_levenshtein(x, given_l) <= 1)) > 0)"
)
GIVEN_TRANSLITERATION = (
    "(given_skeleton_l = given_skeleton_r and jaro_winkler_similarity(given_l, given_r) >= 0.84)"
)
GIVEN_ONE_EDIT = "damerau_levenshtein(given_l, given_r) <= 1"
GIVEN_IN_OTHER = (
    "(contains(' ' || coalesce(other_given_r, '') || ' ', ' ' || given_l || ' ') "
    "or contains(' ' || coalesce(other_given_l, '') || ' ', ' ' || given_r || ' '))"
)
# Name order swapped, allowing one typing error on each side.
NAMES_SWAPPED = (
    "(damerau_levenshtein(given_l, family_r) <= 1 and damerau_levenshtein(family_l, given_r) <= 1)"
)
# Dates of birth that one keying slip could turn into each other: a digit, day and month
# swapped, a wrong day within the month, a year out by one.
DOB_NEAR = (
    "(damerau_levenshtein(dob_text_l, dob_text_r) <= 1 "
    "or (month(dob_l) = day(dob_r) and day(dob_l) = month(dob_r) and year(dob_l) = year(dob_r)) "
    "or (year(dob_l) = year(dob_r) and month(dob_l) = month(dob_r)) "
    "or (month(dob_l) = month(dob_r) and day(dob_l) = day(dob_r) "
    "and abs(year(dob_l) - year(dob_r)) <= 1))"
)


def given_name_comparison(*, household_levels: bool = True) -> cl.CustomComparison:
    levels: list[ComparisonLevelCreator | dict[str, Any]] = [
        cll.NullLevel("given"),
        cll.ExactMatchLevel("given").configure(tf_adjustment_column="given"),
        _level(NAMES_SWAPPED, "given and family names swapped"),
        _level(GIVEN_ALIAS_EXACT, "nickname and full name"),
        _level(GIVEN_TRANSLITERATION, "transliterations of one name"),
        _level(GIVEN_ONE_EDIT, "one typing error apart"),
        _level(GIVEN_IN_OTHER, "given name among the other's middle names"),
        *(
            [_fixed(_level(SAME_FAMILY_AND_DOB, TWIN_LABEL), TWIN_LABEL)]
            if household_levels
            else []
        ),
        _level(
            "jaro_winkler_similarity(given_l, given_r) >= 0.88",
            "similar (Jaro-Winkler >= 0.88)",
        ),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(
        output_column_name="given_name",
        comparison_levels=levels,
        comparison_description="given name, household-aware",
    )


def family_name_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="family_name",
        comparison_levels=[
            cll.NullLevel("family"),
            cll.ExactMatchLevel("family").configure(tf_adjustment_column="family"),
            _level(NAMES_SWAPPED, "given and family names swapped"),
            _level("damerau_levenshtein(family_l, family_r) <= 1", "one typing error apart"),
            _level(
                "jaro_winkler_similarity(family_l, family_r) >= 0.9",
                "similar (Jaro-Winkler >= 0.9)",
            ),
            _level(
                "jaro_winkler_similarity(family_l, family_r) >= 0.75",
                "loosely similar (Jaro-Winkler >= 0.75)",
            ),
            cll.ElseLevel(),
        ],
        comparison_description="family name",
    )


def dob_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            _level(
                "month(dob_l) = day(dob_r) and day(dob_l) = month(dob_r) "
                "and year(dob_l) = year(dob_r)",
                "day and month swapped",
            ),
            _level("damerau_levenshtein(dob_text_l, dob_text_r) <= 1", "one digit wrong"),
            _level(
                "month(dob_l) = month(dob_r) and day(dob_l) = day(dob_r) "
                "and abs(year(dob_l) - year(dob_r)) = 1",
                "year out by one",
            ),
            _level("abs(date_diff('day', dob_l, dob_r)) <= 7", "within a week"),
            _level("abs(date_diff('day', dob_l, dob_r)) <= 366", "within a year"),
            _level("abs(birth_year_l - birth_year_r) <= 15", "within 15 years (siblings)"),
            cll.ElseLevel(),
        ],
        comparison_description="date of birth; decades apart is a parent and child",
    )


def address_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            _level(
                "(uprn_l is null or uprn_r is null) and (postcode_l is null or postcode_r is null)",
                "null",
            ).configure(is_null_level=True),
            _level("uprn_l = uprn_r", "same property (UPRN)"),
            cll.ExactMatchLevel("postcode"),
            cll.ExactMatchLevel("postcode_sector"),
            cll.ExactMatchLevel("postcode_district"),
            cll.ElseLevel(),
        ],
        comparison_description="address: property, postcode unit, sector, district",
    )


def nhs_comparison(*, household_levels: bool = True) -> cl.CustomComparison:
    name_and_dob_differ = (
        f"not (given_l = given_r or {GIVEN_ALIAS_EXACT} or {GIVEN_ONE_EDIT} or {NAMES_SWAPPED} "
        f"or {GIVEN_TRANSLITERATION}) "
        f"and not (dob_l = dob_r or {DOB_NEAR})"
    )
    return cl.CustomComparison(
        output_column_name="nhs_number",
        comparison_levels=[
            cll.NullLevel("nhs_number"),
            *(
                [
                    _fixed(
                        _level(
                            f"nhs_number_l = nhs_number_r and {name_and_dob_differ}",
                            WRONG_NUMBER_LABEL,
                        ),
                        WRONG_NUMBER_LABEL,
                    )
                ]
                if household_levels
                else []
            ),
            cll.ExactMatchLevel("nhs_number"),
            _level("damerau_levenshtein(nhs_number_l, nhs_number_r) <= 1", "one digit wrong"),
            cll.ElseLevel(),
        ],
        comparison_description="NHS number, never trusted blindly",
    )


def identifier_comparison(column: str, label: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            cll.ElseLevel(),
        ],
        comparison_description=label,
    )


def contact_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="contact",
        comparison_levels=[
            _level(
                "(phone_l is null or phone_r is null) and (email_l is null or email_r is null)",
                "null",
            ).configure(is_null_level=True),
            _level("phone_l = phone_r or email_l = email_r", "same phone or email"),
            cll.ElseLevel(),
        ],
        comparison_description="phone or email",
    )


def comparisons(*, household_levels: bool = True) -> list[ComparisonCreator | dict[str, Any]]:
    """The model's comparisons. ``household_levels=False`` drops the two levels whose m is
    fixed and which read other comparisons' columns, for expectation maximisation."""
    return [
        given_name_comparison(household_levels=household_levels),
        family_name_comparison(),
        dob_comparison(),
        address_comparison(),
        nhs_comparison(household_levels=household_levels),
        identifier_comparison("ni_number", "National Insurance number"),
        identifier_comparison("upn", "unique pupil number"),
        identifier_comparison("sex", "sex"),
        contact_comparison(),
    ]


def prediction_blocking_rules() -> list[Any]:
    """Candidate pairs: narrow rules, each covering a way two records of one person differ.

    Runtime follows the pairs these generate; none of them joins a whole street or a whole
    common surname.
    """
    return [
        block_on("nhs_number"),
        block_on("ni_number"),
        block_on("upn"),
        block_on("dob", "family"),
        block_on("dob", "given"),
        block_on("dob", "substr(family, 1, 2)", "postcode_district"),
        block_on("given", "family", "birth_year"),
        block_on("given", "family", "postcode_district"),
        block_on("postcode", "substr(given, 1, 1)", "substr(family, 1, 1)"),
        block_on("postcode", "dob"),
        block_on("dob", "substr(given, 1, 1)", "substr(family, 1, 1)"),
        block_on("postcode", "family", "birth_year"),
        block_on("email"),
        block_on("phone", "substr(given, 1, 1)"),
        "l.given = r.family and l.family = r.given",
        # A record without a date of birth meets every record of the same name: the filter
        # on one side runs before the join, so this costs the undated records' pairs only.
        "l.given = r.given and l.family = r.family and l.dob is null",
        "l.given = r.given and l.family = r.family and r.dob is null",
        "l.given = r.family and l.dob = r.dob",
        "l.family = r.given and l.dob = r.dob",
        block_on("given", "family", "substr(dob_text, 5, 4)"),
        block_on("family", "substr(dob_text, 1, 6)", "substr(given, 1, 1)"),
    ]


def training_blocking_rules() -> list[Any]:
    """Rules for expectation maximisation; each leaves some comparisons free to be learned.

    Splink holds fixed every comparison that reads a column of the blocking rule, and the
    household-aware levels read several (given name reads family name and date of birth), so
    training uses the comparisons without them (``training_settings``).
    """
    return [
        block_on("dob", "postcode_district"),
        block_on("given", "family", "postcode_district"),
        block_on("nhs_number"),
    ]


def settings_creator(*, household_levels: bool = True) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(household_levels=household_levels),
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=["source"],
        probability_two_random_records_match=1e-5,
        linker_uid=MODEL_NAME,
    )


def training_settings(dialect: str) -> dict[str, Any]:
    """Settings for expectation maximisation: the comparisons without the household levels."""
    return settings_creator(household_levels=False).get_settings(dialect).as_dict()


def settings_for(dialect: str, trained: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings for ``dialect`` from the one definition, with ``trained``'s parameters copied in.

    ``trained`` is a saved model (any dialect); its m and u probabilities and the prior are
    carried level by level. A model whose comparisons do not line up with this definition is
    refused with a clear message rather than half-applied.
    """
    settings = settings_creator().get_settings(dialect).as_dict()
    if trained is None:
        return settings
    ours = settings["comparisons"]
    theirs = trained.get("comparisons", [])
    if [c["output_column_name"] for c in ours] != [c["output_column_name"] for c in theirs]:
        raise ValueError(
            "the saved model's comparisons do not match this version of familyhub's model "
            f"({[c['output_column_name'] for c in theirs]}); "
            "retrain with `familyhub link --retrain`"
        )
    for our, their in zip(ours, theirs, strict=True):
        if len(our["comparison_levels"]) != len(their["comparison_levels"]):
            raise ValueError(
                f"the saved model's {our['output_column_name']} comparison has a different "
                "number of levels; retrain with `familyhub link --retrain`"
            )
        for our_level, their_level in zip(
            our["comparison_levels"], their["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability"):
                if key in their_level:
                    our_level[key] = their_level[key]
    settings["probability_two_random_records_match"] = trained[
        "probability_two_random_records_match"
    ]
    return settings

"""Who lives where and who counts as a family's child, from small sets of linked records
(the DuckDB build alone, no database)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest

from familyhub.families.build import FamilyBuild, FamilyInputs, build_families

AS_OF = date(2026, 9, 30)


def _build(
    records: list[dict[str, Any]],
    facts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    relationships: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> FamilyBuild:
    """``records``: person, source, family_name, date_of_birth, address, postcode, uprn,
    seen (the record's event date); one record per row, linked to its person."""
    rows = [{**r, "record_id": f"{r['source']}-{r['person']}-{i}"} for i, r in enumerate(records)]
    record_id = {(r["person"], r["source"]): r["record_id"] for r in rows}
    inputs = FamilyInputs(
        records=pa.table(
            {
                "source": [r["source"] for r in rows],
                "record_id": [r["record_id"] for r in rows],
                "date_of_birth": pa.array([r["date_of_birth"] for r in rows], pa.date32()),
                "address": pa.array([r.get("address") for r in rows], pa.string()),
                "postcode": pa.array([r.get("postcode") for r in rows], pa.string()),
                "uprn": pa.array([r.get("uprn") for r in rows], pa.string()),
                "family_name": [r["family_name"] for r in rows],
            }
        ),
        links=pa.table(
            {
                "source": [r["source"] for r in rows],
                "record_id": [r["record_id"] for r in rows],
                "person_id": [r["person"] for r in rows],
            }
        ),
        record_dates=pa.table(
            {
                "source": [r["source"] for r in rows],
                "record_id": [r["record_id"] for r in rows],
                "first_date": pa.array(
                    [r.get("seen", date(2026, 1, 5)) for r in rows], pa.date32()
                ),
                "last_date": pa.array([r.get("seen", date(2026, 1, 5)) for r in rows], pa.date32()),
            }
        ),
        facts=pa.table(
            {
                "source": pa.array([f["source"] for f in facts], pa.string()),
                "record_id": pa.array(
                    [record_id[(f["person"], f["source"])] for f in facts], pa.string()
                ),
                "event_type": pa.array([f["event_type"] for f in facts], pa.string()),
                "event_date": pa.array([f["event_date"] for f in facts], pa.date32()),
                "attributes": pa.array([json.dumps(f["attributes"]) for f in facts], pa.string()),
            }
        ),
        relationships=pa.table(
            {
                "source": pa.array([r["source"] for r in relationships], pa.string()),
                "record_id": pa.array(
                    [record_id[(r["person"], r["source"])] for r in relationships], pa.string()
                ),
                "related_record_id": pa.array(
                    [record_id[(r["related"], r["source"])] for r in relationships], pa.string()
                ),
                "relationship": pa.array([r["relationship"] for r in relationships], pa.string()),
            }
        ),
    )
    return build_families(inputs, as_of=AS_OF)


def _families(built: FamilyBuild) -> dict[str, dict[str, str]]:
    """family key -> {person: role}"""
    out: dict[str, dict[str, str]] = {}
    for m in built.members.to_pylist():
        out.setdefault(m["family_key"], {})[m["person_id"]] = m["role"]
    return out


def _person(person: str, source: str, name: str, born: date, **place: Any) -> dict[str, Any]:
    return {"person": person, "source": source, "family_name": name, "date_of_birth": born, **place}


ASH_ROW = {"address": "5 Ash Row", "postcode": "NS1 1AA", "uprn": "100090000011"}


def _census(person: str, day: date) -> dict[str, Any]:
    return {
        "person": person,
        "source": "school_census",
        "event_type": "school_term",
        "event_date": day,
        "attributes": {"attendance_pct": 91.0},
    }


def _activity(person: str, day: date, code: str) -> dict[str, Any]:
    return {
        "person": person,
        "source": "neet_tracking",
        "event_type": "post16_activity",
        "event_date": day,
        "attributes": {"activity_code": code},
    }


def _mum_and_a_seventeen_year_old(*facts: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Mum, and Kit (17 on the day) whose last school census was two years before."""
    return _families(
        _build(
            [
                _person("mum", "housing", "cole", date(1980, 3, 3), **ASH_ROW),
                _person("kit", "school_census", "cole", date(2009, 1, 20), **ASH_ROW),
                _person("kit", "neet_tracking", "cole", date(2009, 1, 20), postcode="NS1 1AA"),
            ],
            facts=[_census("kit", date(2024, 9, 1)), *facts],
        )
    )


def test_a_seventeen_year_old_out_of_education_makes_no_family() -> None:
    # A dependent child is under 16, or 16 to 18 and in education (issue 6): Kit works
    # without training, so mum and Kit are a household but no family.
    assert _mum_and_a_seventeen_year_old(_activity("kit", date(2025, 9, 20), "230")) == {}


def test_a_seventeen_year_old_in_further_education_is_the_familys_child() -> None:
    # Post-16 tracking recorded the college start in September last year: still their
    # activity now (more than 365 days later, within the 400 a tracking round allows).
    families = _mum_and_a_seventeen_year_old(_activity("kit", date(2025, 9, 20), "130"))
    assert list(families.values()) == [{"mum": "parent", "kit": "child"}]


def test_a_seventeen_year_old_who_left_college_since_is_no_dependant() -> None:
    # The latest activity is the current one: NEET since February.
    families = _mum_and_a_seventeen_year_old(
        _activity("kit", date(2025, 9, 20), "130"), _activity("kit", date(2026, 2, 2), "540")
    )
    assert families == {}


def test_a_college_start_after_the_day_families_are_built_for_does_not_count() -> None:
    assert _mum_and_a_seventeen_year_old(_activity("kit", date(2026, 10, 5), "130")) == {}


def test_a_pupil_missing_from_the_latest_census_has_left_school() -> None:
    # Kit was on the roll in the autumn term, within the last year, but not at the summer
    # census that Dot's school returned: Kit has left (no post-16 activity known).
    built = _build(
        [
            _person("mum", "housing", "cole", date(1980, 3, 3), **ASH_ROW),
            _person("kit", "school_census", "cole", date(2009, 1, 20), **ASH_ROW),
            _person("dot", "school_census", "hart", date(2015, 6, 1), **ROW_1),
        ],
        facts=[_census("kit", date(2025, 9, 1)), _census("dot", date(2026, 4, 1))],
    )
    assert list(_families(built).values()) == [{"dot": "child"}]


def test_a_seventeen_year_old_out_of_education_is_a_member_of_a_family_with_younger_children() -> (
    None
):
    built = _build(
        [
            _person("mum", "housing", "cole", date(1980, 3, 3), **ASH_ROW),
            _person("kit", "police_incidents", "cole", date(2009, 1, 20), **ASH_ROW),
            _pupil("dot", "cole", date(2015, 6, 1), ASH_ROW),
        ]
    )
    assert list(_families(built).values()) == [
        {"mum": "parent", "kit": "young_adult", "dot": "child"}
    ]


def test_a_sixteen_year_old_student_seen_alone_is_a_family_whose_parents_are_unknown() -> None:
    # A minor is not living alone because no one else there is in the data (an 18-year-old
    # student living alone is no family: below).
    built = _build(
        [_person("ivy", "school_census", "ross", date(2010, 2, 2), **ASH_ROW)],
        facts=[_census("ivy", date(2026, 5, 18))],
    )
    assert list(_families(built).values()) == [{"ivy": "child"}]


def test_an_eighteen_year_old_out_of_education_is_no_dependant() -> None:
    home = {"address": "5 Ash Row", "postcode": "NS1 1AA", "uprn": "100090000011"}
    built = _build(
        [
            _person("mum", "housing", "cole", date(1980, 3, 3), **home),
            _person("lee", "police_incidents", "cole", date(2008, 1, 20), **home),
        ]
    )
    assert _families(built) == {}


def _mother_and_baby_by_postcode_and_a_namesake(father_born: date) -> FamilyBuild:
    # The health visitor knows the mother and baby by postcode only; the father's police
    # record carries the address where he is the only one seen.
    return _build(
        [
            _person("amy", "health_visiting", "rana", date(1994, 5, 1), postcode="NS2 9ZZ"),
            _person("bay", "health_visiting", "rana", date(2026, 2, 1), postcode="NS2 9ZZ"),
            _person(
                "raj",
                "police_incidents",
                "rana",
                father_born,
                address="12 Quay Street, Northtown",
                postcode="NS2 9ZZ",
            ),
        ],
        relationships=[
            {
                "person": "bay",
                "source": "health_visiting",
                "related": "amy",
                "relationship": "mother",
            }
        ],
    )


def test_a_mother_and_baby_known_by_postcode_join_the_father_living_alone_there() -> None:
    built = _mother_and_baby_by_postcode_and_a_namesake(date(1991, 7, 7))
    (family,) = _families(built).values()
    assert family == {"amy": "parent", "bay": "child", "raj": "parent"}


def test_a_namesake_of_another_generation_living_alone_is_not_taken_for_the_father() -> None:
    built = _mother_and_baby_by_postcode_and_a_namesake(date(1950, 7, 7))
    (family,) = _families(built).values()
    assert family == {"amy": "parent", "bay": "child"}


def _pupil(person: str, name: str, born: date, home: dict[str, Any]) -> dict[str, Any]:
    return _person(person, "school_census", name, born, **home)


def _treatment(person: str, day: date, **attributes: Any) -> dict[str, Any]:
    return {
        "person": person,
        "source": "substance_misuse",
        "event_type": "substance_misuse_treatment",
        "event_date": day,
        "attributes": attributes,
    }


ROW_1 = {"address": "1 Mill Row", "postcode": "NS5 5AA", "uprn": "100090000101"}
ROW_2 = {"address": "2 Mill Row", "postcode": "NS5 5AA", "uprn": "100090000102"}


def test_a_client_living_with_children_joins_the_one_home_with_that_many_children() -> None:
    # Known to the treatment service only by postcode, with a family name no one there
    # shares; it says two children live with her. Of the two homes at the postcode where no
    # adult is seen, only one has two children.
    built = _build(
        [
            _person("kim", "substance_misuse", "ames", date(1985, 2, 2), postcode="NS5 5AA"),
            _pupil("ola", "grey", date(2014, 3, 3), ROW_1),
            _pupil("pat", "grey", date(2016, 4, 4), ROW_1),
            _pupil("quin", "hart", date(2015, 5, 5), ROW_2),
        ],
        facts=[
            _treatment(
                "kim",
                date(2026, 5, 1),
                parental_status="LIVES_WITH_CHILDREN",
                children_in_household=2,
            )
        ],
    )
    families = _families(built).values()
    assert {"kim": "parent", "ola": "child", "pat": "child"} in families


def test_a_client_whose_only_address_is_one_the_family_left_is_placed_at_their_new_home() -> None:
    # The benefits record still has the old flat, where no one with children lives now;
    # the treatment service, recently, says she lives with children at the new postcode,
    # where her son lives.
    old_flat = {"address": "Flat 7, 133 School Drive", "postcode": "NS6 7HN"}
    new_home = {"address": "96 Maple Way", "postcode": "NS8 0XZ", "uprn": "100090000201"}
    built = _build(
        [
            {
                **_person("em", "dwp_benefits", "wills", date(1976, 1, 29), **old_flat),
                "seen": date(2023, 1, 8),
            },
            _person("em", "substance_misuse", "wills", date(1976, 1, 29), postcode="NS8 0XZ"),
            _pupil("ty", "wills", date(2013, 6, 6), new_home),
        ],
        facts=[_treatment("em", date(2026, 9, 15), parental_status="LIVES_WITH_CHILDREN")],
    )
    assert list(_families(built).values()) == [{"em": "parent", "ty": "child"}]


def test_a_namesake_too_young_to_be_the_childrens_parent_is_not_placed_with_them() -> None:
    # A 25-year-old known by postcode shares the family name of a 14-year-old's home: a
    # cousin or a grown-up sibling perhaps, not a parent.
    built = _build(
        [
            _person("vic", "mental_health_referrals", "grey", date(2001, 1, 1), postcode="NS5 5AA"),
            _pupil("ola", "grey", date(2012, 3, 3), ROW_1),
        ]
    )
    assert list(_families(built).values()) == [{"ola": "child"}]


def test_a_namesake_with_a_gp_practice_is_not_placed_where_no_practice_is_known() -> None:
    built = _build(
        [
            _person("kim", "mental_health_referrals", "grey", date(1985, 2, 2), postcode="NS5 5AA"),
            _pupil("ola", "grey", date(2014, 3, 3), ROW_1),
        ],
        facts=[
            {
                "person": "kim",
                "source": "mental_health_referrals",
                "event_type": "mental_health_referral",
                "event_date": date(2026, 3, 3),
                "attributes": {"gp_practice": "P8001"},
            }
        ],
    )
    assert list(_families(built).values()) == [{"ola": "child"}]


def _gp(person: str, source: str, practice: str) -> dict[str, Any]:
    return {
        "person": person,
        "source": source,
        "event_type": "gp_registration",
        "event_date": date(2026, 3, 3),
        "attributes": {"gp_practice": practice},
    }


@pytest.mark.parametrize(
    ("born", "placed"),
    [
        (date(1985, 2, 2), True),  # 29 at the eldest's birth
        (date(2002, 2, 2), False),  # 12: too young to be the parent
        (date(1966, 2, 2), False),  # 48: too old to be the parent
    ],
)
def test_an_adult_known_by_postcode_joins_the_one_home_there_with_their_gp_practice(
    born: date, placed: bool
) -> None:
    # No family name shared; of the two homes at the postcode where no adult is seen, only
    # one is registered with Kim's practice, and its child's age must fit a parent's.
    built = _build(
        [
            _person("kim", "mental_health_referrals", "ames", born, postcode="NS5 5AA"),
            _pupil("ola", "grey", date(2014, 3, 3), ROW_1),
            _pupil("quin", "hart", date(2015, 5, 5), ROW_2),
        ],
        facts=[
            _gp("kim", "mental_health_referrals", "P8001"),
            _gp("ola", "school_census", "P8001"),
            _gp("quin", "school_census", "P9002"),
        ],
    )
    families = list(_families(built).values())
    if placed:
        assert sorted(families, key=len) == [{"quin": "child"}, {"kim": "parent", "ola": "child"}]
    else:
        assert sorted(families, key=str) == [{"ola": "child"}, {"quin": "child"}]


def test_an_eighteen_year_old_student_living_alone_is_no_family() -> None:
    built = _build(
        [_person("uma", "school_census", "ross", date(2008, 2, 2), **ROW_1)],
        facts=[
            {
                "person": "uma",
                "source": "school_census",
                "event_type": "school_term",
                "event_date": date(2026, 4, 20),
                "attributes": {"attendance_pct": 95.0},
            }
        ],
    )
    assert _families(built) == {}


def test_a_child_whose_records_predate_the_move_lives_where_the_household_went() -> None:
    # Joe's last school census (before he turned 16) has the old house; his sister's and
    # their mother's records since have the new one, and all three were seen at the old.
    old = {"address": "267 Coronation Terrace", "postcode": "NS3 0HT", "uprn": "100090000301"}
    new = {"address": "97 Church Lane", "postcode": "NS6 5YE", "uprn": "100090000302"}
    built = _build(
        [
            {**_pupil("joe", "hale", date(2010, 1, 1), old), "seen": date(2024, 1, 5)},
            {
                **_person("sal", "school_census", "hale", date(2012, 1, 1), **old),
                "seen": date(2024, 1, 5),
            },
            {
                **_person("sal", "early_years", "hale", date(2012, 1, 1), **new),
                "seen": date(2026, 1, 5),
            },
            {**_person("mo", "housing", "hale", date(1985, 1, 1), **old), "seen": date(2023, 6, 1)},
            {
                **_person("mo", "dwp_benefits", "hale", date(1985, 1, 1), **new),
                "seen": date(2026, 2, 1),
            },
        ]
    )
    # Joe, 16 now and not known to be in education since, is no dependant, but lives with
    # them all the same.
    assert list(_families(built).values()) == [
        {"joe": "young_adult", "sal": "child", "mo": "parent"}
    ]


@pytest.mark.parametrize(("due", "family"), [(date(2026, 9, 10), True), (date(2026, 8, 1), False)])
def test_a_due_date_passed_weeks_ago_with_no_birth_recorded_is_still_a_family(
    due: date, family: bool
) -> None:
    # The baby's own records (the new birth visit) have not reached the extracts yet; two
    # months on, they would have.
    built = _build(
        [_person("amy", "health_visiting", "rana", date(1994, 5, 1), **ASH_ROW)],
        facts=[
            {
                "person": "amy",
                "source": "health_visiting",
                "event_type": "antenatal_contact",
                "event_date": due - timedelta(days=75),
                "attributes": {"expected_delivery_date": due.isoformat()},
            }
        ],
    )
    expected = [{"amy": "expectant_parent"}] if family else []
    assert list(_families(built).values()) == expected


def test_a_mother_whose_baby_is_in_the_data_is_its_parent() -> None:
    built = _build(
        [
            _person("amy", "health_visiting", "rana", date(1994, 5, 1), **ASH_ROW),
            _person("bay", "health_visiting", "rana", date(2026, 9, 8), **ASH_ROW),
        ],
        facts=[
            {
                "person": "amy",
                "source": "health_visiting",
                "event_type": "antenatal_contact",
                "event_date": date(2026, 6, 1),
                "attributes": {"expected_delivery_date": "2026-09-10"},
            }
        ],
    )
    assert list(_families(built).values()) == [{"amy": "parent", "bay": "child"}]

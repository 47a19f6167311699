"""The small pieces of the error model and the partner formats."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from familyhub.synth.calendar import add_years
from familyhub.synth.errors import _swap_day_month, _typo
from familyhub.synth.names import feminine_polish, name_bank, name_variants
from familyhub.synth.writers import to_legacy


@given(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'-", min_size=2, max_size=20
    ),
    st.integers(min_value=0, max_value=2**32),
)
def test_a_typo_changes_the_name_by_one_slip(name: str, seed: int) -> None:
    slipped = _typo(np.random.default_rng(seed), name)
    assert slipped != name or len(set(name)) == 1
    assert abs(len(slipped) - len(name)) <= 1


def test_day_and_month_swap_only_where_it_makes_another_date() -> None:
    dob = np.array(["2010-03-07", "2010-03-25", "2010-04-04"], dtype="datetime64[D]")
    swapped, ok = _swap_day_month(dob)
    assert ok.tolist() == [True, False, False]
    assert str(swapped[0]) == "2010-07-03"
    assert swapped[1] == dob[1]


def test_legacy_code_page_keeps_what_it_can() -> None:
    data = to_legacy("Michał Łukasz Siobhán Zoë Wiśniewski", "cp1252")
    assert data.decode("cp1252") == "Michal Lukasz Siobhán Zoë Wisniewski"


def test_polish_surnames_take_the_feminine_form() -> None:
    assert feminine_polish("Kowalski") == "Kowalska"
    assert feminine_polish("Kwiatkowski") == "Kwiatkowska"
    assert feminine_polish("Nowak") == "Nowak"


def test_name_lists_cover_every_origin_group_with_real_spelling_variants() -> None:
    bank = name_bank()
    assert all(len(bank.forenames[(g, s)]) >= 15 for g in range(8) for s in (0, 1))
    variants = name_variants()
    assert "Muhammad" in variants["Mohammed"]
    assert "Bob" in variants["Robert"]
    assert "Kate" in variants["Katherine"]


def test_leap_day_birthdays_fall_back_to_28_february() -> None:
    dates = np.array(["2012-02-29", "2013-05-17"], dtype="datetime64[D]")
    assert [str(d) for d in add_years(dates, 1)] == ["2013-02-28", "2014-05-17"]

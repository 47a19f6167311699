"""Generated identifiers validate with an independent implementation (python-stdnum)."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import nhs, upn

from familyhub.synth.identifiers import (
    nhs_check_digit,
    nhs_numbers,
    ni_numbers,
    transpose_two_digits,
    upns,
)

NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


def test_nhs_numbers_are_valid_and_distinct() -> None:
    numbers = nhs_numbers(np.random.default_rng(3), 20_000)
    assert len(set(numbers)) == len(numbers)
    assert all(nhs.is_valid(n) for n in numbers)


@given(st.integers(min_value=100_000_000, max_value=999_999_999))
def test_nhs_check_digit_agrees_with_stdnum(stem: int) -> None:
    check = int(nhs_check_digit(np.array([stem]))[0])
    candidate = f"{stem}{check % 10}"
    assert nhs.is_valid(candidate) == (check != 10)


def test_a_transposed_nhs_number_fails_its_check() -> None:
    rng = np.random.default_rng(1)
    for number in nhs_numbers(rng, 200):
        slipped = transpose_two_digits(rng, number)
        assert slipped != number
        assert not nhs.is_valid(slipped)


def test_ni_numbers_have_valid_prefixes_and_are_distinct() -> None:
    numbers = ni_numbers(np.random.default_rng(4), 20_000)
    assert len(set(numbers)) == len(numbers)
    assert all(NINO.match(n) for n in numbers)


@given(
    st.sampled_from([919, 888, 830]),
    st.integers(min_value=2000, max_value=4999),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=999),
)
def test_upns_validate(la: int, establishment: int, year: int, serial: int) -> None:
    value = upns(np.array([la]), np.array([establishment]), np.array([year]), np.array([serial]))[0]
    assert upn.is_valid(value), value

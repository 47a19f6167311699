import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.gb import nhs

from familyhub.identity import (
    InvalidValueError,
    normalise_nhs_number,
    normalise_ni_number,
    normalise_upn,
)
from familyhub.identity.numbers import normalise_uprn


def test_nhs_number_spacing_removed() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert normalise_nhs_number("943-476-5919") == "9434765919"
    assert normalise_nhs_number("") is None


def test_nhs_number_bad_check_digit_says_so() -> None:
    with pytest.raises(InvalidValueError, match="modulus 11"):
        normalise_nhs_number("9434765918")
    with pytest.raises(InvalidValueError, match="10 digits"):
        normalise_nhs_number("94347659")


@settings(deadline=None)  # a busy shared machine must not fail a parser test
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_number_check_digit_follows_modulus_11(first_nine: str) -> None:
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10:
        for digit in "0123456789":
            with pytest.raises(InvalidValueError):
                normalise_nhs_number(first_nine + digit)
        return
    assert normalise_nhs_number(first_nine + str(check)) == first_nine + str(check)
    wrong = (check + 1) % 10
    with pytest.raises(InvalidValueError):
        normalise_nhs_number(first_nine + str(wrong))
    assert nhs.is_valid(first_nine + str(check))


def test_ni_number() -> None:
    assert normalise_ni_number("ab 12 34 56 c") == "AB123456C"
    assert normalise_ni_number("AB123456") == "AB123456"
    for bad in ["GB123456A", "DA123456A", "AB12345C", "AB123456E", "TN010190F"]:
        with pytest.raises(InvalidValueError, match="NI number"):
            normalise_ni_number(bad)


def test_upn() -> None:
    assert normalise_upn("b801200005001") == "B801200005001"
    with pytest.raises(InvalidValueError, match="check letter"):
        normalise_upn("A801200005001")
    with pytest.raises(InvalidValueError, match="13 characters"):
        normalise_upn("B80120000500")


def test_uprn() -> None:
    assert normalise_uprn("000100012345") == "100012345"
    assert normalise_uprn("100012345.0") == "100012345"
    with pytest.raises(InvalidValueError):
        normalise_uprn("1234567890123")

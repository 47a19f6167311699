from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.identity import (
    InvalidValueError,
    normalise_email,
    normalise_sex,
    parse_date,
    to_e164,
)

UK = ["%d/%m/%Y"]


def test_contract_formats_in_order_never_guessing_day_and_month() -> None:
    assert parse_date("03/04/2020", UK) == date(2020, 4, 3)
    assert parse_date("03/04/2020", ["%m/%d/%Y"]) == date(2020, 3, 4)
    assert parse_date("2020-04-03", ["%Y-%m-%d", "%d/%m/%Y"]) == date(2020, 4, 3)
    assert parse_date("2020-04-03 00:00:00", ["%Y-%m-%d"]) == date(2020, 4, 3)
    assert parse_date("", UK) is None


@pytest.mark.parametrize("raw", ["31/02/2020", "29/02/2023", "00/01/2020", "32/01/2020"])
def test_impossible_dates_rejected(raw: str) -> None:
    with pytest.raises(InvalidValueError, match="not a real date"):
        parse_date(raw, UK)


def test_wrong_format_rejected() -> None:
    with pytest.raises(InvalidValueError, match="%d/%m/%Y"):
        parse_date("2020-04-03", UK)


def test_bounds() -> None:
    with pytest.raises(InvalidValueError, match="after"):
        parse_date("2099-01-01", latest=date(2026, 1, 1))
    with pytest.raises(InvalidValueError, match="before"):
        parse_date("1850-01-01", earliest=date(1900, 1, 1))


@settings(deadline=None)  # a busy shared machine must not fail a parser test
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_every_real_date_round_trips(value: date) -> None:
    assert parse_date(value.strftime("%d/%m/%Y"), UK) == value
    assert parse_date(value.isoformat()) == value


def test_phones_to_e164() -> None:
    assert to_e164("07700 900123") == "+447700900123"
    assert to_e164("+44 (0)161 496 0000") == "+441614960000"
    assert to_e164("0044 161 496 0000") == "+441614960000"
    assert to_e164("+33 1 42 68 53 00") == "+33142685300"
    assert to_e164(" ") is None
    for bad in ["call me", "0770", "077009001234567"]:
        with pytest.raises(InvalidValueError):
            to_e164(bad)


def test_emails() -> None:
    assert normalise_email("  Jo.Smith@Example.ORG ") == "jo.smith@example.org"
    assert normalise_email("mailto:a@b.co.uk") == "a@b.co.uk"
    for bad in ["jo", "jo@", "jo@example", "a b@c.com", "a..b@c.com"]:
        with pytest.raises(InvalidValueError):
            normalise_email(bad)


def test_sex_codes() -> None:
    assert normalise_sex("Male") == "M"
    assert normalise_sex("2") == "F"
    assert normalise_sex("9") == "U"
    assert normalise_sex("N", {"N": "U"}) == "U"
    assert normalise_sex("") is None
    with pytest.raises(InvalidValueError):
        normalise_sex("Q")

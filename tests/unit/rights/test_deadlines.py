"""The statutory response deadline, as the ICO describes it, with England and Wales holidays."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familyhub.rights.deadlines import (
    due_date,
    is_working_day,
    may_extend,
    same_date_months_later,
)

received_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (date(2026, 9, 3), date(2026, 10, 5), "3 Oct 2026 is a Saturday: next Monday"),
        (date(2025, 9, 3), date(2025, 10, 3), "the same date next month, a Friday"),
        (date(2025, 1, 31), date(2025, 2, 28), "no 31 February: the last day of February"),
        (date(2024, 1, 30), date(2024, 2, 29), "leap year: the last day is the 29th"),
        (date(2026, 1, 31), date(2026, 3, 2), "28 Feb 2026 is a Saturday: Monday 2 March"),
        (date(2026, 3, 4), date(2026, 4, 7), "4 Apr is Saturday, 6 Apr Easter Monday"),
        (date(2026, 11, 25), date(2026, 12, 29), "25 Dec, weekend and Boxing Day observed"),
        (date(2026, 7, 31), date(2026, 9, 1), "31 Aug 2026 is the summer bank holiday"),
        (date(2026, 12, 1), date(2027, 1, 4), "1 Jan is a holiday, then a weekend"),
    ],
)
def test_due_date_examples(received: date, due: date, why: str) -> None:
    assert due_date(received) == due, why


def test_received_on_a_weekend_still_counts_from_that_day() -> None:
    # Saturday 5 September 2026: day one is the Saturday, the due date Monday 5 October.
    assert due_date(date(2026, 9, 5)) == date(2026, 10, 5)


def test_extension_adds_up_to_two_months_with_the_same_rule() -> None:
    assert due_date(date(2025, 9, 3), extension_months=2) == date(2025, 12, 3)
    assert due_date(date(2025, 11, 30), extension_months=2) == date(2026, 3, 2)  # 28 Feb Sat
    with pytest.raises(ValueError, match="0 to 2 months"):
        due_date(date(2025, 9, 3), extension_months=3)


@given(received_dates)
def test_due_date_is_a_working_day_after_receipt_within_a_month_and_a_few_days(
    received: date,
) -> None:
    due = due_date(received)
    assert is_working_day(due)
    assert due > received
    assert timedelta(days=27) <= due - received <= timedelta(days=31 + 5)
    # never earlier than the calendar rule allows
    assert due >= same_date_months_later(received, 1)


@given(received_dates, st.integers(min_value=0, max_value=2))
def test_extended_due_date_is_later_and_a_working_day(received: date, months: int) -> None:
    due = due_date(received, extension_months=months)
    assert is_working_day(due)
    assert due >= due_date(received)
    assert due - received <= timedelta(days=31 * (1 + months) + 5)


@given(received_dates)
def test_later_receipt_never_gives_an_earlier_due_date(received: date) -> None:
    assert due_date(received + timedelta(days=1)) >= due_date(received)


@given(received_dates, st.integers(min_value=0, max_value=70))
def test_extension_only_within_the_first_month(received: date, days_later: int) -> None:
    asked = received + timedelta(days=days_later)
    assert may_extend(received, asked) == (asked <= due_date(received))


def test_bank_holidays_are_england_and_wales() -> None:
    assert not is_working_day(date(2026, 8, 31))  # summer bank holiday in England and Wales
    assert is_working_day(date(2026, 8, 3))  # Scotland's summer holiday is not ours
    assert is_working_day(date(2026, 3, 17))  # St Patrick's Day (Northern Ireland) is not ours

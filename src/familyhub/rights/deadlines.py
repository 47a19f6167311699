"""When a rights request must be answered: the regulator's calendar-month rule.

The ICO's rule (UK GDPR Art 12(3)): count the day of receipt as day one and answer by the
same date next month; where next month has no such date, by its last day; where the date is a
weekend or a bank holiday, by the next working day. Complex requests may be extended by up to
two further months, but only if the requester is told within the first month. England and
Wales share one set of bank holidays, which the ``holidays`` package calls subdivision ENG.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

MAX_EXTENSION_MONTHS = 2


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def same_date_months_later(day: date, months: int) -> date:
    """The corresponding calendar date ``months`` later, or that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def due_date(received_on: date, *, extension_months: int = 0) -> date:
    """The date by which a request received on ``received_on`` must be answered.

    >>> due_date(date(2025, 1, 31))  # no 31 February: the month's last day, a Friday
    datetime.date(2025, 2, 28)
    """
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months")
    return next_working_day(same_date_months_later(received_on, 1 + extension_months))


def extension_window_closes(clock_started_on: date) -> date:
    """The last day on which an extension may be made: the end of the first month."""
    return due_date(clock_started_on)


def may_extend(clock_started_on: date, asked_on: date) -> bool:
    """An extension must be made within the first month (by the original due date)."""
    return clock_started_on <= asked_on <= extension_window_closes(clock_started_on)

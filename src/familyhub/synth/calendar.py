"""The fixed dates of the synthetic world (never the wall clock, so output is reproducible)."""

from __future__ import annotations

import numpy as np

EXTRACT_DATE = np.datetime64("2026-09-30", "D")
WINDOW_START = np.datetime64("2022-01-01", "D")
NAT = np.datetime64("NaT", "D")
DAYS_PER_YEAR = 365.25


def add_days(dates: np.ndarray, days: np.ndarray | int) -> np.ndarray:
    """Dates plus a whole number of days (element-wise)."""
    return dates + np.asarray(days).astype("timedelta64[D]")


def uniform_dates(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A date drawn uniformly in [low, high] for each pair (high is clipped up to low)."""
    lo = low.astype("int64")
    hi = np.maximum(high.astype("int64"), lo)
    return (lo + np.floor(rng.random(lo.shape) * (hi - lo + 1)).astype("int64")).astype(
        "datetime64[D]"
    )


def years_between(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Whole years from ``earlier`` to ``later`` (an age), element-wise."""
    e = earlier.astype("datetime64[D]")
    later_d = later.astype("datetime64[D]")
    ey = e.astype("datetime64[Y]").astype(int)
    ly = later_d.astype("datetime64[Y]").astype(int)
    e_doy = (e - e.astype("datetime64[Y]")).astype(int)
    l_doy = (later_d - later_d.astype("datetime64[Y]")).astype(int)
    return ly - ey - (l_doy < e_doy).astype(int)


def add_years(dates: np.ndarray, years: int) -> np.ndarray:
    """The same day ``years`` later (29 February becomes 28 February)."""
    months = dates.astype("datetime64[M]")
    day = (dates - months).astype(int)
    shifted = months + np.timedelta64(12 * years, "M")
    last = (shifted + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    out = shifted.astype("datetime64[D]") + day.astype("timedelta64[D]")
    return np.minimum(out, last)


def academic_year_start(dates: np.ndarray) -> np.ndarray:
    """The calendar year in which the English school year containing each date began."""
    year = dates.astype("datetime64[Y]").astype(int) + 1970
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    return year - (month < 9).astype(int)

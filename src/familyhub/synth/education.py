"""Who is in education: school rolls and post-16 activity, decided from the population alone.

Families need this before anything else is drawn (a 16- to 18-year-old is a family's
dependent child only while in education), and the school census and post-16 tracking
extracts are then written from the same decisions, so the truth and the extracts agree.
"""

from __future__ import annotations

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE, WINDOW_START, academic_year_start

TERMS = ("AUT", "SPR", "SUM")
CENSUS_DAY = {"AUT": (0, 10, 6), "SPR": (1, 1, 19), "SUM": (1, 5, 18)}  # (year offset, month, day)
CENSUS_YEARS = range(2021, 2026)  # academic years (their first calendar year)
TRACKING_YEARS = range(2022, 2026)  # post-16 tracking rounds, each starting in September
SIXTH_FORM_RATE = 0.45
POST16 = {
    "110": "Full time education - school sixth form",
    "130": "Full time education - further education",
    "210": "Apprenticeship",
    "220": "Employment with training",
    "230": "Employment without training",
    "540": "NEET - seeking employment, education or training",
    "610": "NEET - not available: young carer",
    "620": "NEET - not available: teenage parent",
    "640": "NEET - not available: illness",
    "810": "Current situation not known",
}
# What a young person who left school after year 11 does, each tracking year.
AFTER_YEAR_11 = ("130", "210", "220", "230", "810")
AFTER_YEAR_11_SHARES = (0.55, 0.15, 0.08, 0.12, 0.10)
# Post-16 activity codes 1xx are full-time education.
EDUCATION_CODE_PREFIX = "1"
# In education on a date as far as the extracts show it: on a school roll at a census, or in
# full-time education by the latest post-16 activity, within this many days before it (a
# tracking round's September start and a whole school year; the same window as
# familyhub.families.build's).
IN_EDUCATION_WITHIN_DAYS = 400


def census_terms() -> list[tuple[int, str, np.datetime64]]:
    """(academic year start, term, census day) for every census in the window."""
    out: list[tuple[int, str, np.datetime64]] = []
    for year in CENSUS_YEARS:
        for term in TERMS:
            dy, month, day = CENSUS_DAY[term]
            date = np.datetime64(f"{year + dy:04d}-{month:02d}-{day:02d}", "D")
            if WINDOW_START <= date <= EXTRACT_DATE:
                out.append((year, term, date))
    return out


def stays_in_sixth_form(person: np.ndarray) -> np.ndarray:
    return (np.asarray(person, dtype=np.int64) * 2_246_822_519) % 100 < SIXTH_FORM_RATE * 100


def national_curriculum_year(cohort: np.ndarray, year: np.ndarray | int) -> np.ndarray:
    """The NC year (0 = reception) in academic ``year`` of pupils born in academic ``cohort``."""
    return np.asarray(year) - cohort - 5


def on_roll(nc: np.ndarray, sixth: np.ndarray) -> np.ndarray:
    """On a school roll: reception to year 11, and years 12-13 for those staying on."""
    return (nc >= 0) & ((nc <= 11) | ((nc <= 13) & sixth))


def _unit(person: np.ndarray, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per (person, salt), the same on every run (splitmix64)."""
    mask = (1 << 64) - 1
    x = np.asarray(person, dtype=np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) & mask)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def post16_codes(person: np.ndarray, year: int, sixth: np.ndarray) -> np.ndarray:
    """Each young person's activity in one tracking round: the sixth form, else a draw."""
    cumulative = np.cumsum(AFTER_YEAR_11_SHARES)
    pick = np.searchsorted(cumulative / cumulative[-1], _unit(person, year), side="right")
    after = np.array(AFTER_YEAR_11, dtype=object)[np.minimum(pick, len(AFTER_YEAR_11) - 1)]
    return np.where(sixth, "110", after).astype(object)


def tracked(cohort: np.ndarray, year: int) -> np.ndarray:
    """Tracked in this round: academic age (on the 31 August before) 16 or 17."""
    age = year - cohort - 1
    return (age >= 16) & (age <= 17)


def window_start() -> np.datetime64:
    """The first day after which the extracts' rows say who is in education now."""
    return EXTRACT_DATE - np.timedelta64(IN_EDUCATION_WITHIN_DAYS, "D")


def post16_age(cohort: np.ndarray, date: np.ndarray) -> np.ndarray:
    """Academic age 16 or 17 on each date (the ages post-16 tracking follows)."""
    age = academic_year_start(date) - cohort - 1
    return (age >= 16) & (age <= 17)


def in_education(dob: np.ndarray, upn: np.ndarray) -> np.ndarray:
    """Per person: in education on the extract date, as the extracts show it (without their
    errors): on the roll at the latest school census (if in the window), or their tracking
    round's activity in the window full-time education.

    Need spells never put a NEET row in the window for someone in education (see
    ``familyhub.synth.needs``), so the rounds' activities are the whole story.
    """
    n = len(dob)
    out = np.zeros(n, dtype=bool)
    pupil = np.flatnonzero(upn != None)  # noqa: E711 (object array)
    if len(pupil) == 0:
        return out
    cohort = academic_year_start(dob[pupil])
    sixth = stays_in_sixth_form(pupil)
    since = window_start()
    school = np.zeros(len(pupil), dtype=bool)
    year, _, day = census_terms()[-1]
    if day > since:
        school = on_roll(national_curriculum_year(cohort, year), sixth)
    latest_education = np.zeros(len(pupil), dtype=bool)
    for year in TRACKING_YEARS:
        # A round's rows start on 15 September plus up to 19 days.
        if np.datetime64(f"{year:04d}-10-04", "D") <= since:
            continue
        who = tracked(cohort, year)
        code = post16_codes(pupil, year, sixth)
        latest_education = np.where(
            who, np.char.startswith(code.astype(str), EDUCATION_CODE_PREFIX), latest_education
        )
    out[pupil] = school | latest_education
    return out

"""School census, early years reviews and post-16 (NEET) tracking."""

from __future__ import annotations

import numpy as np

from familyhub.synth.arrays import where
from familyhub.synth.calendar import EXTRACT_DATE, WINDOW_START, academic_year_start
from familyhub.synth.education import (
    TRACKING_YEARS,
    census_terms,
    national_curriculum_year,
    on_roll,
    post16_codes,
    stays_in_sixth_form,
    tracked,
)
from familyhub.synth.needs import review_date
from familyhub.synth.rows import Rows, World, choice, concat, make_rows

SESSIONS = {"AUT": 140, "SPR": 118, "SUM": 128}
SETTINGS = (
    "Little Acorns Nursery",
    "Sunshine Day Nursery",
    "Northtown Children's Centre",
    "Millford Pre-School",
    "Eastbridge Community Nursery",
    "Rainbow Childcare",
    "Home",
    "Home",
)


def _spell_of(w: World, need: int) -> np.ndarray:
    """Per person: the spell of this need whose subject they are (-1 none)."""
    out = np.full(len(w.pop), -1)
    rows = w.spells.of_need(need)
    out[w.spells.subject[rows]] = rows
    return out


def _family_has(w: World, need: int) -> np.ndarray:
    """Per person: their family has a spell of this need at some time."""
    fam = np.zeros(w.families.count + 1, dtype=bool)
    fam[w.spells.family[w.spells.of_need(need)]] = True
    return fam[w.families.family_of(np.arange(len(w.pop)), w.pop.household)]


def school_census(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    pupils = np.flatnonzero(pop.upn != None)  # noqa: E711 (object array)
    cohort = academic_year_start(pop.dob[pupils])
    sixth = stays_in_sixth_form(pupils)
    terms = census_terms()
    t_year = np.array([t[0] for t in terms])
    t_name = np.array([t[1] for t in terms], dtype=object)
    t_date = np.array([t[2] for t in terms], dtype="datetime64[D]")
    p_idx = np.repeat(np.arange(len(pupils)), len(terms))
    t_idx = np.tile(np.arange(len(terms)), len(pupils))
    nc = national_curriculum_year(cohort[p_idx], t_year[t_idx])
    keep = on_roll(nc, sixth[p_idx])
    p_idx, t_idx, nc = p_idx[keep], t_idx[keep], nc[keep]
    person = pupils[p_idx]
    date = t_date[t_idx]
    n = len(person)

    edu = _spell_of(w, 1)[person]
    sp = w.spells
    in_spell = (
        (edu >= 0)
        & (date >= sp.start[np.maximum(edu, 0)])
        & (date <= sp.last_day()[np.maximum(edu, 0)])
    )
    spell = np.where(in_spell, edu, -1)
    term = t_name[t_idx]
    possible = np.vectorize(SESSIONS.get, otypes=[np.int64])(term) - rng.integers(0, 7, n)
    suspended = in_spell & (rng.random(n) < 0.3)
    low = in_spell & ~suspended
    pct = np.where(low, rng.uniform(55, 89.4, n), 100 - 9.4 * rng.beta(1.2, 3.0, n))
    attended = np.where(low, np.floor(possible * pct / 100), np.ceil(possible * pct / 100))
    attended = np.minimum(attended, possible).astype(np.int64)
    suspensions = np.where(suspended, rng.integers(1, 4, n), 0)
    excluded = suspended & (rng.random(n) < 0.05)

    secondary_school = nc >= 7
    n_primary = int((~w.schools.secondary).sum())
    n_secondary = len(w.schools) - n_primary
    hh = pop.household[person]
    school = np.where(secondary_school, n_primary + hh % n_secondary, hh % n_primary)
    fsm_rate = np.where(_family_has(w, 10)[person], 0.8, 0.12)
    pupil_key = (person * 2_654_435_761) % 1000
    # Repeated text is kept as small codes here and expanded when the file is written.
    return make_rows(
        person,
        date,
        spell=spell,
        school=school.astype(np.int64),
        nc_year=nc.astype(np.int64),
        term_index=t_idx.astype(np.int64),
        sessions_possible=possible,
        sessions_attended=attended,
        suspensions=suspensions.astype(np.int64),
        permanent_exclusion=excluded.astype(np.int64),
        fsm=(((person * 40503) % 1000) / 1000 < fsm_rate).astype(np.int64),
        sen_status=np.select([pupil_key < 30, pupil_key < 150], [2, 1], 0).astype(np.int64),
    )


def term_labels() -> list[str]:
    """Census term labels in ``census_terms()`` order, e.g. ``2023-24 AUT``."""
    return [f"{y}-{(y + 1) % 100:02d} {t}" for y, t, _ in census_terms()]


def early_years(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    due = review_date(pop.dob) + rng.integers(-20, 31, len(pop))
    ey_spell = _spell_of(w, 2)
    sp = w.spells
    due = np.where(ey_spell >= 0, sp.start[np.maximum(ey_spell, 0)], due)
    person = np.flatnonzero((due >= WINDOW_START) & (due <= EXTRACT_DATE) & (pop.mother >= 0))
    date = due[person]
    spell = ey_spell[person]
    n = len(person)
    below = spell >= 0
    not_done = ~below & (rng.random(n) < 0.06)
    outcome = np.select([below, not_done], ["BELOW_EXPECTED", "NOT_COMPLETED"], "ON_TRACK")
    domains = {}
    weakest = rng.integers(0, 5, n)
    for i, name in enumerate(
        ("Communication", "Gross Motor", "Fine Motor", "Problem Solving", "Personal Social")
    ):
        score = choice(rng, ("A", "M"), n, (0.85, 0.15))
        score = np.where(below & ((weakest == i) | (rng.random(n) < 0.3)), "B", score)
        domains[f"ASQ {name}"] = where(not_done, None, score).astype(object)
    carer = pop.mother[person]
    carer_name = pop.forename[carer] + " " + pop.surname[carer]
    funded = np.where(_family_has(w, 10)[person], rng.random(n) < 0.7, rng.random(n) < 0.15)
    return make_rows(
        person,
        date,
        spell=spell,
        Setting=choice(rng, SETTINGS, n),
        Outcome=outcome.astype(object),
        **domains,
        funded=np.where(funded, "Y", "N").astype(object),
        carer=carer_name,
    )


def neet_tracking(rng: np.random.Generator, w: World) -> Rows:
    pop = w.pop
    pupils = np.flatnonzero(pop.upn != None)  # noqa: E711 (object array)
    cohort = academic_year_start(pop.dob[pupils])
    sixth = stays_in_sixth_form(pupils)
    parts = []
    for year in TRACKING_YEARS:
        age = year - cohort - 1  # academic age: age on 31 August before the year starts
        who = tracked(cohort, year)
        person = pupils[who]
        n = len(person)
        start = np.full(n, np.datetime64(f"{year:04d}-09-15", "D")) + rng.integers(0, 20, n)
        # Decided with the population (families need to know who is in education).
        code = post16_codes(person, year, sixth[who])
        parts.append(
            make_rows(
                person, start, academic_age=age[who].astype(np.int64), code=code.astype(object)
            )
        )
    # Need 1 for young people of 16-17: a NEET spell.
    sp = w.spells
    s1 = sp.of_need(1)
    subject = sp.subject[s1]
    start = sp.start[s1]
    age = academic_year_start(start) - academic_year_start(pop.dob[subject]) - 1
    ok = (age >= 16) & (age <= 17)
    s1, subject, start, age = s1[ok], subject[ok], start[ok], age[ok]
    code = choice(rng, ("540", "610", "620", "640"), len(s1), (0.7, 0.1, 0.1, 0.1))
    parts.append(
        make_rows(
            subject, start, spell=s1, academic_age=age.astype(np.int64), code=code.astype(object)
        )
    )
    rows = concat(parts)
    keep = rows.date <= EXTRACT_DATE
    return rows.take(np.flatnonzero(keep))

"""Need spells: which families have which of the ten headline needs, when, and for whom.

Needs are drawn first and the partner rows that evidence them are generated inside each
spell, so the truth is known by construction. A resolved spell ends at least six months
before the extract date (the improvement was sustained); an open one runs to the extract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from familyhub.synth.calendar import (
    DAYS_PER_YEAR,
    EXTRACT_DATE,
    NAT,
    WINDOW_START,
    academic_year_start,
    add_years,
    uniform_dates,
)
from familyhub.synth.education import post16_age, window_start
from familyhub.synth.families import FCHILD, MOTHER, Families
from familyhub.synth.population import ADULT1, ADULT2, ALONE, Population

NEED_NAMES = {
    1: "getting a good education",
    2: "good early years development",
    3: "improved mental and physical health",
    4: "promoting recovery and reducing harm from substance use",
    5: "improved family relationships",
    6: "children safe from abuse and exploitation",
    7: "crime prevention and tackling crime",
    8: "safe from domestic abuse",
    9: "secure housing",
    10: "financial stability",
}
NEED_WEIGHTS = np.array([1.2, 0.6, 1.2, 0.6, 0.8, 0.8, 0.8, 1.0, 1.0, 1.5])
NEEDS_PER_FAMILY = np.array([0.68, 0.15, 0.08, 0.05, 0.025, 0.012, 0.003])
RESOLVE_RATE = 0.45
SUSTAINED_DAYS = 183
EARLY_YEARS_REVIEW_DAYS = 2 * 365 + 90  # the 2-2.5 year review, at about 27 months


@dataclass(frozen=True)
class Spells:
    """One row per need spell."""

    family: np.ndarray
    need: np.ndarray  # 1..10
    subject: np.ndarray  # the person whose rows mainly evidence it
    other: np.ndarray  # the other party (perpetrator, partner) or -1
    start: np.ndarray
    end: np.ndarray  # NaT: still open at the extract date

    def __len__(self) -> int:
        return len(self.need)

    def last_day(self) -> np.ndarray:
        """The end, or the extract date for open spells."""
        return np.where(np.isnat(self.end), EXTRACT_DATE, self.end).astype("datetime64[D]")

    def of_need(self, need: int) -> np.ndarray:
        return np.flatnonzero(self.need == need)


def review_date(dob: np.ndarray) -> np.ndarray:
    return dob + np.timedelta64(EARLY_YEARS_REVIEW_DAYS, "D")


def _member_table(pop: Population, fam: Families) -> tuple[np.ndarray, np.ndarray]:
    member = np.flatnonzero(fam.role >= 0)
    family = fam.of_household[pop.household[member]]
    return member, family


def _pick(
    rng: np.random.Generator,
    member: np.ndarray,
    family: np.ndarray,
    eligible: np.ndarray,
    wanted: np.ndarray,
    count: int,
) -> np.ndarray:
    """Per family (of ``count``) a random eligible member where ``wanted``; -1 otherwise."""
    chosen = np.full(count, -1)
    ok = eligible & wanted[family]
    keys = rng.random(len(member))
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((keys[idx], family[idx]))]
    chosen[family[order]] = member[order]  # the last (highest key) per family wins
    return chosen


def build_spells(rng: np.random.Generator, pop: Population, fam: Families) -> Spells:
    """Need spells for every family (most have none, a few have many)."""
    member, family = _member_table(pop, fam)
    nf = fam.count
    dob = pop.dob[member]
    is_child = fam.role[member] == FCHILD
    adult = np.isin(pop.role[member], (ADULT1, ADULT2))
    school_age = is_child & (pop.upn[member] != None)  # noqa: E711 (object array)
    ey_age = is_child & (review_date(dob) >= WINDOW_START) & (review_date(dob) <= EXTRACT_DATE - 30)
    older_child = is_child & (dob <= EXTRACT_DATE - np.timedelta64(int(11 * DAYS_PER_YEAR), "D"))
    over_five = dob <= EXTRACT_DATE - np.timedelta64(int(6 * DAYS_PER_YEAR), "D")

    def any_in_family(mask: np.ndarray) -> np.ndarray:
        return np.bincount(family[mask], minlength=nf) > 0

    eligible = np.ones((nf, 10), dtype=bool)
    eligible[:, 0] = any_in_family(school_age)
    eligible[:, 1] = any_in_family(ey_age)
    eligible[:, 5] = any_in_family(is_child)
    eligible[:, 2] = any_in_family(over_five)
    eligible[:, 3] = eligible[:, 4] = eligible[:, 6] = eligible[:, 7] = any_in_family(adult)
    eligible[:, 8] = eligible[:, 9] = any_in_family(adult)

    k = rng.choice(len(NEEDS_PER_FAMILY), nf, p=NEEDS_PER_FAMILY)
    keys = np.log(NEED_WEIGHTS)[None, :] - np.log(-np.log(rng.random((nf, 10))))
    keys[~eligible] = -np.inf
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    chosen = (rank < k[:, None]) & eligible

    fams, needs_idx = np.nonzero(chosen)
    need = needs_idx + 1
    n = len(need)
    subject = np.full(n, -1)
    other = np.full(n, -1)
    start = uniform_dates(rng, np.full(n, WINDOW_START), np.full(n, EXTRACT_DATE - 120))

    def place(need_no: int, member_ok: np.ndarray) -> np.ndarray:
        rows = np.flatnonzero(need == need_no)
        wanted = np.zeros(nf, dtype=bool)
        wanted[fams[rows]] = True
        picked = _pick(rng, member, family, member_ok, wanted, nf)
        subject[rows] = picked[fams[rows]]
        return rows

    mother_or_a1 = adult & (pop.role[member] == ADULT1)
    rows = place(1, school_age)
    # Education: inside the child's school years (reception to 18th birthday).
    s = subject[rows]
    first_day = add_years(pop.dob[s], 4) + np.timedelta64(200, "D")
    last_day = np.minimum(add_years(pop.dob[s], 18) - 30, EXTRACT_DATE - 120)
    start[rows] = uniform_dates(rng, np.maximum(first_day, WINDOW_START), last_day)
    # A young person in education on the extract date has no NEET row in the year before it
    # (it would say they left education, and take their family with them when they are its
    # only dependant): such a spell started before that year.
    s = subject[rows]
    late = (
        (s >= 0)
        & fam.in_education[np.maximum(s, 0)]
        & (start[rows] > window_start())
        & post16_age(academic_year_start(pop.dob[np.maximum(s, 0)]), start[rows])
    )
    start[rows[late]] = uniform_dates(
        rng,
        np.maximum(first_day[late], WINDOW_START),
        np.full(int(late.sum()), window_start()),
    )
    rows = place(2, ey_age)
    start[rows] = review_date(pop.dob[subject[rows]]) + rng.integers(-20, 30, len(rows))
    place(3, over_five)
    place(4, adult)
    place(5, mother_or_a1)
    rows = place(6, is_child)
    start[rows] = np.maximum(start[rows], pop.dob[subject[rows]] + 30)
    young_offender = older_child & (rng.random(len(member)) < 0.5)
    rows = place(7, young_offender)
    young = rows[subject[rows] >= 0]
    start[young] = np.maximum(start[young], add_years(pop.dob[subject[young]], 10))
    missing = rows[subject[rows] < 0]
    wanted = np.zeros(nf, dtype=bool)
    wanted[fams[missing]] = True
    subject[missing] = _pick(rng, member, family, adult, wanted, nf)[fams[missing]]
    rows = place(8, fam.role[member] == MOTHER)
    missing = rows[subject[rows] < 0]
    wanted[:] = False
    wanted[fams[missing]] = True
    subject[missing] = _pick(rng, member, family, adult, wanted, nf)[fams[missing]]
    other[rows] = _abuser(rng, pop, subject[rows])
    place(9, mother_or_a1)
    rows = place(10, mother_or_a1)
    other[rows] = pop.partner[subject[rows]]
    rows = np.flatnonzero(need == 5)
    other[rows] = pop.partner[subject[rows]]

    keep = subject >= 0
    fams, need, subject, other, start = (
        fams[keep],
        need[keep],
        subject[keep],
        other[keep],
        start[keep],
    )
    start = np.clip(start, WINDOW_START, EXTRACT_DATE - 30)
    length = rng.integers(180, 541, len(need)).astype("timedelta64[D]")
    end = start + length
    resolved = (rng.random(len(need)) < RESOLVE_RATE) & (
        end + np.timedelta64(SUSTAINED_DAYS, "D") <= EXTRACT_DATE
    )
    end = np.where(resolved, end, NAT).astype("datetime64[D]")
    order = np.lexsort((need, fams))
    return Spells(
        family=fams[order],
        need=need[order],
        subject=subject[order],
        other=other[order],
        start=start[order],
        end=end[order],
    )


def _abuser(rng: np.random.Generator, pop: Population, victim: np.ndarray) -> np.ndarray:
    """The partner; for a mother on her own, an ex-partner: a man now living alone."""
    partner = pop.partner[victim]
    alone_men = np.flatnonzero(
        (pop.hh_type[pop.household] == ALONE)
        & (pop.sex == 0)
        & (pop.dob <= EXTRACT_DATE - np.timedelta64(20 * 365, "D"))
    )
    if len(alone_men) == 0:
        return partner
    ex = alone_men[rng.integers(0, len(alone_men), len(victim))]
    return np.where(partner >= 0, partner, ex)

"""Families: households with dependent children or an expectant mother, and each one's roles.

A dependent child is under 16, or 16 to 18 and in education (the programme's definition,
as for child benefit); a 16- or 17-year-old who has left education (NEET, working) still
lives with the family and is its member, but does not make a household a family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE, NAT, years_between
from familyhub.synth.education import in_education
from familyhub.synth.population import ADULT1, ADULT2, BLENDED, CHILD, GRANDPARENT, Population

FAMILY_ROLES = ("MOTHER", "FATHER", "STEP_PARENT", "CHILD", "GRANDPARENT", "EXPECTANT_MOTHER")
MOTHER, FATHER, STEP_PARENT, FCHILD, FGRANDPARENT, EXPECTANT_MOTHER = range(6)
PREGNANCY_DAYS = 270
CHILD_AGE = 16  # under this, a child is dependent; from it, only while in education
DEPENDENT_UNTIL = 19  # a young person in education is dependent until this age


@dataclass(frozen=True)
class Families:
    """Per household its family (-1: not a family); per person a role (-1) and a start date."""

    of_household: np.ndarray
    role: np.ndarray
    start: np.ndarray
    count: int
    in_education: np.ndarray  # per person, on the extract date
    dependent: np.ndarray  # per person: a dependent child on the extract date

    def family_of(self, person: np.ndarray, household: np.ndarray) -> np.ndarray:
        return np.where(self.role[person] >= 0, self.of_household[household[person]], -1)


def build_families(pop: Population) -> Families:
    """One family per household with a dependent child or an expectant mother."""
    n_hh = len(pop.hh_type)
    hh = pop.household
    is_child = pop.role == CHILD
    has_child = np.bincount(hh[is_child], minlength=n_hh) > 0
    educated = in_education(pop.dob, pop.upn)
    age = years_between(pop.dob, np.full(len(pop), EXTRACT_DATE))
    dependent = is_child & ((age < CHILD_AGE) | ((age < DEPENDENT_UNTIL) & educated))
    has_dependant = np.bincount(hh[dependent], minlength=n_hh) > 0
    expecting = np.zeros(n_hh, dtype=bool)
    expecting[hh[~np.isnat(pop.due_date)]] = True
    is_family = has_dependant | expecting
    of_household = np.where(is_family, np.cumsum(is_family) - 1, -1)

    # The family starts with the eldest child's birth (or the pregnancy).
    eldest = np.full(n_hh, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    np.minimum.at(eldest, hh[is_child], pop.dob[is_child])
    pregnant = ~np.isnat(pop.due_date)
    pregnancy = np.full(n_hh, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    pregnancy[hh[pregnant]] = pop.due_date[pregnant] - np.timedelta64(PREGNANCY_DAYS, "D")
    family_start = np.minimum(eldest, pregnancy)

    in_family = is_family[hh]
    female = pop.sex == 1
    adult1 = pop.role == ADULT1
    role = np.select(
        [
            ~in_family,
            adult1 & female & has_child[hh],
            adult1 & female,
            adult1,
            (pop.role == ADULT2) & (pop.hh_type[hh] == BLENDED),
            pop.role == ADULT2,
            is_child,
            pop.role == GRANDPARENT,
        ],
        [-1, MOTHER, EXPECTANT_MOTHER, FATHER, STEP_PARENT, FATHER, FCHILD, FGRANDPARENT],
        -1,
    )
    start = np.select(
        [role < 0, role == FCHILD, role == STEP_PARENT],
        [NAT, pop.dob, pop.step_join],
        family_start[hh],
    ).astype("datetime64[D]")
    return Families(
        of_household=of_household,
        role=role,
        start=start,
        count=int(is_family.sum()),
        in_education=educated,
        dependent=dependent,
    )

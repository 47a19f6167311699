"""The synthetic population: households of people with names, dates of birth and identifiers.

Households are laid out in fixed slots (two adults, up to five children, up to two
grandparents) so that everything is drawn for all households at once with numpy; the slots
that exist are then flattened into one array per person attribute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from familyhub.synth.arrays import where
from familyhub.synth.calendar import DAYS_PER_YEAR, EXTRACT_DATE, NAT, WINDOW_START
from familyhub.synth.identifiers import nhs_numbers, ni_numbers, upns
from familyhub.synth.names import (
    GROUP_SHARES,
    GROUPS,
    POLISH,
    NameBank,
    feminine_polish,
    fold_name,
    name_bank,
)

# Household types and their shares of households.
ALONE, COUPLE, COUPLE_KIDS, SINGLE_PARENT, BLENDED, MULTIGEN, OLDER_COUPLE = range(7)
HOUSEHOLD_SHARES = np.array([0.28, 0.15, 0.22, 0.11, 0.05, 0.05, 0.14])
KIDS_TYPES = (COUPLE_KIDS, SINGLE_PARENT, BLENDED, MULTIGEN)
KIDS_COUNT_SHARES = np.array([0.42, 0.38, 0.14, 0.05, 0.01])

# Slots of a household; a person's role is the slot kind.
ADULT1, ADULT2, CHILD, GRANDPARENT = 0, 1, 2, 3
SLOT_ROLE = np.array([ADULT1, ADULT2, CHILD, CHILD, CHILD, CHILD, CHILD, GRANDPARENT, GRANDPARENT])
N_SLOTS = len(SLOT_ROLE)
MAX_KIDS = 5

TWIN_RATE = 0.03  # of households with two or more children (over-represented on purpose)
TRIPLET_RATE = 0.006  # of households with three or more children
NAMESAKE_RATE = 0.04  # of households with children: a child named after a parent
MIDDLE_NAME_RATE = 0.45
MOVE_RATE = 0.30


@dataclass
class Population:
    """Every person (index = position) and household; see docs/synthetic-data.md."""

    household: np.ndarray
    role: np.ndarray
    sex: np.ndarray  # 0 male, 1 female
    dob: np.ndarray
    group: np.ndarray
    forename: np.ndarray
    middle: np.ndarray
    surname: np.ndarray
    birth_surname: np.ndarray
    surname_changed_on: np.ndarray
    mother: np.ndarray
    father: np.ndarray
    partner: np.ndarray
    multiple_birth: np.ndarray
    due_date: np.ndarray
    nhs: np.ndarray
    nino: np.ndarray
    upn: np.ndarray
    hh_type: np.ndarray  # per household
    hh_first: np.ndarray  # per household: index of its first person (adult 1)
    council_tenant: np.ndarray  # per household
    step_join: np.ndarray  # per person: when a step-parent moved in (NaT otherwise)

    def __len__(self) -> int:
        return len(self.household)

    def surname_at(self, person: np.ndarray, date: np.ndarray) -> np.ndarray:
        """The surname each person used on each date (the birth surname before a change)."""
        changed = self.surname_changed_on[person]
        before = ~np.isnat(changed) & (date < changed)
        return np.where(before, self.birth_surname[person], self.surname[person])

    def relative(self) -> np.ndarray:
        """A close relative per person (mother, else father, else partner; -1 if none)."""
        rel = np.where(self.mother >= 0, self.mother, self.father)
        return np.where(rel >= 0, rel, self.partner)


def _years_to_days(years: np.ndarray) -> np.ndarray:
    return np.round(years * DAYS_PER_YEAR).astype(np.int64)


def _compose(rng: np.random.Generator, n_households: int) -> dict[str, np.ndarray]:
    """Household types, sizes and ages (in days before the extract date) per slot."""
    hh_type = rng.choice(len(HOUSEHOLD_SHARES), size=n_households, p=HOUSEHOLD_SHARES)
    has_kids = np.isin(hh_type, KIDS_TYPES)
    n_kids = np.where(has_kids, rng.choice(MAX_KIDS, n_households, p=KIDS_COUNT_SHARES) + 1, 0)
    has_a2 = np.isin(hh_type, (COUPLE, COUPLE_KIDS, BLENDED, OLDER_COUPLE)) | (
        (hh_type == MULTIGEN) & (rng.random(n_households) < 0.7)
    )
    n_grand = np.where(hh_type == MULTIGEN, 1 + (rng.random(n_households) < 0.4), 0)

    # Children: the eldest's age, then gaps; twins and triplets share the eldest's birth.
    age = np.zeros((n_households, N_SLOTS))
    eldest = rng.uniform(0.0, 18.0, n_households)
    gaps = rng.uniform(1.0, 5.0, (n_households, MAX_KIDS))
    u = rng.random(n_households)
    triplets = (n_kids >= 3) & (u < TRIPLET_RATE)
    twins = (n_kids >= 2) & (u >= TRIPLET_RATE) & (u < TRIPLET_RATE + TWIN_RATE)
    gaps[:, 0] = 0.0
    gaps[twins | triplets, 1] = 0.0
    gaps[triplets, 2] = 0.0
    kid_age = eldest[:, None] - np.cumsum(gaps, axis=1)
    kid_exists = np.arange(MAX_KIDS)[None, :] < n_kids[:, None]
    # No births to a mother over 46.
    mother_at_first = rng.triangular(17.5, 29.0, 42.0, n_households)
    kid_exists &= mother_at_first[:, None] + (eldest[:, None] - kid_age) <= 46
    # A child not yet born but due within nine months makes the mother expectant.
    unborn = kid_exists & (kid_age < 0)
    due_in = np.where(unborn & (kid_age > -0.7), -kid_age, np.inf).min(axis=1)
    kid_exists &= kid_age >= 0
    n_kids = kid_exists.sum(axis=1)
    age[:, 2:7] = kid_age

    a1 = np.select(
        [hh_type == ALONE, hh_type == COUPLE, hh_type == OLDER_COUPLE],
        [
            rng.uniform(18, 92, n_households),
            rng.uniform(20, 64, n_households),
            rng.uniform(62, 92, n_households),
        ],
        default=eldest + mother_at_first,
    )
    age[:, 0] = a1
    # A partner is about the mother's age; a father at least 18 at the eldest child's birth.
    least = np.where(np.isin(hh_type, (COUPLE_KIDS, MULTIGEN)), eldest + 18.0, 18.5)
    age[:, 1] = np.maximum(a1 + rng.normal(2.5, 3.5, n_households), least)
    age[:, 7] = np.minimum(a1 + rng.uniform(20, 32, n_households), 99)
    age[:, 8] = np.minimum(age[:, 7] + rng.normal(2, 2, n_households), 100)

    # A childless young couple may be expecting too.
    expecting = (hh_type == COUPLE) & (a1 < 42) & (rng.random(n_households) < 0.05)
    due_in = np.where(expecting, rng.uniform(0.01, 0.7, n_households), due_in)
    exists = np.zeros((n_households, N_SLOTS), dtype=bool)
    exists[:, 0] = True
    exists[:, 1] = has_a2
    exists[:, 2:7] = kid_exists
    exists[:, 7] = n_grand >= 1
    exists[:, 8] = n_grand >= 2
    mb = np.full((n_households, N_SLOTS), -1)
    mb[twins | triplets, 2] = mb[twins | triplets, 3] = 0
    mb[triplets, 4] = 0
    return {
        "hh_type": hh_type,
        "exists": exists,
        "age": age,
        "due_in": due_in,
        "multiple": mb,
        "twins": twins,
        "triplets": triplets,
    }


def _force_rare(c: dict[str, np.ndarray], n_people: int) -> None:
    """Small populations still get a set of twins and one of triplets (tests rely on it)."""
    if n_people < 500:
        return
    kids = c["exists"][:, 2:7].sum(axis=1)
    if not c["triplets"].any():
        candidates = np.flatnonzero((kids >= 3) & ~c["twins"])
        if len(candidates):
            h = candidates[0]
            c["age"][h, 3:5] = c["age"][h, 2]
            c["multiple"][h, 2:5] = 0
            c["triplets"][h] = True
    if not c["twins"].any():
        candidates = np.flatnonzero((kids >= 2) & ~c["triplets"])
        if len(candidates):
            h = candidates[0]
            c["age"][h, 3] = c["age"][h, 2]
            c["multiple"][h, 2:4] = 0
            c["twins"][h] = True


def _truncate(c: dict[str, np.ndarray], n_people: int) -> dict[str, np.ndarray]:
    """Keep whole households up to ``n_people``, topping up with people living alone."""
    sizes = c["exists"].sum(axis=1)
    keep = int(np.searchsorted(np.cumsum(sizes), n_people, side="right"))
    out = {k: v[:keep] for k, v in c.items()}
    short = n_people - int(sizes[:keep].sum())
    if short:
        extra_exists = np.zeros((short, N_SLOTS), dtype=bool)
        extra_exists[:, 0] = True
        extra_age = np.zeros((short, N_SLOTS))
        extra_age[:, 0] = 40.0 + (np.arange(short) % 40)
        extra = {
            "hh_type": np.full(short, ALONE),
            "exists": extra_exists,
            "age": extra_age,
            "due_in": np.full(short, np.inf),
            "multiple": np.full((short, N_SLOTS), -1),
            "twins": np.zeros(short, bool),
            "triplets": np.zeros(short, bool),
        }
        out = {k: np.concatenate([out[k], extra[k]]) for k in out}
    return out


def build_population(rng: np.random.Generator, n_people: int) -> Population:
    """A population of exactly ``n_people`` people in households."""
    c = _compose(rng, int(n_people / 2.3) + 60)
    _force_rare(c, n_people)
    c = _truncate(c, n_people)
    hh_type, exists = c["hh_type"], c["exists"]
    n_hh = len(hh_type)
    hh_idx, slot = np.nonzero(exists)
    n = len(hh_idx)
    role = SLOT_ROLE[slot]
    hh_type[hh_idx]

    # Sex: adult 1 is the mother in households with children (a father in 10% of single
    # parents), adult 2 the (step-)father; grandmother then grandfather.
    single_father = (hh_type == SINGLE_PARENT) & (rng.random(n_hh) < 0.10)
    a1_female = np.where(hh_type == ALONE, rng.random(n_hh) < 0.5, ~single_father)
    sex = np.select(
        [slot == 0, slot == 1, role == CHILD, slot == 7],
        [a1_female[hh_idx], False, rng.random(n) < 0.49, True],
        default=False,
    ).astype(np.int8)
    dob = EXTRACT_DATE - _years_to_days(c["age"][hh_idx, slot]).astype("timedelta64[D]")

    # Name-origin groups: a household group; a partner sometimes from another group.
    g1 = rng.choice(len(GROUPS), n_hh, p=GROUP_SHARES)
    g2 = np.where(rng.random(n_hh) < 0.9, g1, rng.choice(len(GROUPS), n_hh, p=GROUP_SHARES))
    child_parent_group = np.where(rng.random(n) < 0.5, g1[hh_idx], g2[hh_idx])
    group = np.select([slot == 1, role == CHILD], [g2[hh_idx], child_parent_group], g1[hh_idx])

    bank = name_bank()
    forename = bank.draw_forenames(rng, group, sex)
    middle = where(rng.random(n) < MIDDLE_NAME_RATE, bank.draw_forenames(rng, group, sex), None)
    middle = where(middle == forename, None, middle)
    own_surname = bank.draw_surnames(rng, group)
    first_of_hh = np.searchsorted(hh_idx, np.arange(n_hh))
    has_a2 = exists[:, 1]
    a1 = first_of_hh
    a2 = np.where(has_a2, first_of_hh + 1, -1)

    # Surnames. Adult 1 keeps her own, takes her husband's, or double-barrels both.
    a1_birth = own_surname[a1]
    a2_birth = where(has_a2, own_surname[np.maximum(a2, 0)], None)
    r = rng.random(n_hh)
    couple_like = has_a2 & (hh_type != BLENDED)
    takes = couple_like & (r < 0.6)
    barrels = couple_like & (r >= 0.6) & (r < 0.68)
    blended_takes = (hh_type == BLENDED) & (r < 0.35)
    a1_current = np.select(
        [takes | blended_takes, barrels],
        [a2_birth, a1_birth.astype(object) + "-" + np.where(has_a2, a2_birth, "").astype(object)],
        a1_birth,
    )
    kids_present = exists[:, 2]
    eldest_dob = np.where(
        kids_present,
        dob[np.minimum(first_of_hh + has_a2 + 1, n - 1)],
        EXTRACT_DATE - np.timedelta64(5 * 365, "D"),
    )
    marriage = np.where(
        kids_present & (hh_type != BLENDED),
        eldest_dob - _years_to_days(rng.uniform(0, 6, n_hh)).astype("timedelta64[D]"),
        EXTRACT_DATE - _years_to_days(rng.uniform(0, 20, n_hh)).astype("timedelta64[D]"),
    )
    join = _step_parent_join(rng, hh_type, eldest_dob)
    marriage = np.where(
        blended_takes, join + rng.integers(60, 900, n_hh).astype("timedelta64[D]"), marriage
    )
    changed = (takes | barrels | blended_takes) & (marriage <= EXTRACT_DATE)
    changed &= a1_current != a1_birth  # marrying someone of the same surname changes nothing
    a1_current = np.where(changed, a1_current, a1_birth)

    # Children: father's surname mostly; in blended families a previous partner's.
    previous_partner = bank.draw_surnames(rng, g1)
    rk = rng.random(n_hh)
    kid_surname = np.select(
        [hh_type == BLENDED, ~has_a2, barrels, rk < 0.85],
        [
            np.where(rk < 0.8, previous_partner, a1_birth),
            np.where(rk < 0.5, a1_birth, previous_partner),
            a1_current,
            a2_birth,
        ],
        a1_birth.astype(object) + "-" + np.where(has_a2, a2_birth, "").astype(object),
    )
    birth_surname = np.select(
        [slot == 0, slot == 1, role == CHILD],
        [a1_birth[hh_idx], a2_birth[hh_idx], kid_surname[hh_idx]],
        a1_birth[hh_idx],  # grandparents: the mother's maiden name
    )
    surname = np.where(slot == 0, a1_current[hh_idx], birth_surname)
    changed_on = np.where((slot == 0) & changed[hh_idx], marriage[hh_idx], NAT)
    surname_changed_on = np.asarray(changed_on, dtype="datetime64[D]")
    _feminise(sex, surname, birth_surname)

    # A parent and child sharing a first name.
    namesake_hh = np.flatnonzero(kids_present & (rng.random(n_hh) < NAMESAKE_RATE))
    if len(namesake_hh) == 0 and n_people >= 500:
        namesake_hh = np.flatnonzero(kids_present)[:1]
    first_kid = first_of_hh[namesake_hh] + has_a2[namesake_hh] + 1
    parent = np.where(sex[first_kid] == sex[a1[namesake_hh]], a1[namesake_hh], a2[namesake_hh])
    ok = parent >= 0
    forename[first_kid[ok]] = forename[parent[ok]]

    mother_hh = np.where(a1_female & exists[:, 2], a1, -1)
    father_hh = np.where(single_father, a1, np.where(couple_like & kids_present, a2, -1))
    is_kid = role == CHILD
    mother = np.where(is_kid, mother_hh[hh_idx], -1)
    father = np.where(is_kid, father_hh[hh_idx], -1)
    partner = np.select([slot == 0, slot == 1], [a2[hh_idx], a1[hh_idx]], -1)
    multiple = np.where(c["multiple"][hh_idx, slot] >= 0, hh_idx, -1)
    due = np.where(
        (slot == 0) & a1_female[hh_idx] & np.isfinite(c["due_in"][hh_idx]),
        EXTRACT_DATE
        + _years_to_days(np.nan_to_num(c["due_in"][hh_idx], posinf=0)).astype("timedelta64[D]")
        + np.timedelta64(1, "D"),
        NAT,
    ).astype("datetime64[D]")

    nhs = nhs_numbers(rng, n)
    adult = dob <= EXTRACT_DATE - np.timedelta64(int(16 * DAYS_PER_YEAR), "D")
    nino = np.full(n, None, dtype=object)
    nino[adult] = ni_numbers(rng, int(adult.sum()))
    upn = _pupil_numbers(rng, dob, hh_idx, n_people)
    tenant = rng.random(n_hh) < np.where(np.isin(hh_type, KIDS_TYPES), 0.3, 0.2)
    # Drawn last, so every other draw (and so everyone else) is as before.
    _distinct_multiple_names(rng, bank, forename, middle, multiple, group, sex)
    return Population(
        household=hh_idx,
        role=role,
        sex=sex,
        dob=dob,
        group=group,
        forename=forename,
        middle=middle,
        surname=surname,
        birth_surname=birth_surname,
        surname_changed_on=surname_changed_on,
        mother=mother,
        father=father,
        partner=partner,
        multiple_birth=multiple,
        due_date=due,
        nhs=nhs,
        nino=nino,
        upn=upn,
        hh_type=hh_type,
        hh_first=first_of_hh,
        council_tenant=tenant,
        step_join=np.where(slot == 1, join[hh_idx], NAT).astype("datetime64[D]"),
    )


def _distinct_multiple_names(
    rng: np.random.Generator,
    bank: NameBank,
    forename: np.ndarray,
    middle: np.ndarray,
    multiple: np.ndarray,
    group: np.ndarray,
    sex: np.ndarray,
) -> None:
    """Twins and triplets get distinct first names, also after nickname folding.

    The first-born of a set keeps its name (it may be a parent's namesake); a later one whose
    name folds to an earlier one's is drawn again until none do. Only members of a multiple
    birth are looked at (a few per thousand people); a middle name equal to the new first
    name is dropped, as for everyone.
    """
    members = np.flatnonzero(multiple >= 0)  # a set's members are adjacent, eldest slot first
    if len(members) == 0:
        return
    sets = multiple[members]
    pos = np.arange(len(members)) - np.searchsorted(sets, sets, side="left")
    changed = np.zeros(len(members), dtype=bool)
    while True:
        names = forename[members]
        _, key = np.unique(
            np.array([fold_name(f) for f in names], dtype=object), return_inverse=True
        )
        clash = np.zeros(len(members), dtype=bool)
        for back in (1, 2):  # sets are of two or three
            later = np.flatnonzero(pos >= back)
            clash[later] |= key[later] == key[later - back]
        redo = members[clash]
        if len(redo) == 0:
            break
        forename[redo] = bank.draw_forenames(rng, group[redo], sex[redo])
        changed |= clash
    fixed = members[changed]
    middle[fixed] = where(middle[fixed] == forename[fixed], None, middle[fixed])


def _step_parent_join(
    rng: np.random.Generator, hh_type: np.ndarray, eldest_dob: np.ndarray
) -> np.ndarray:
    """When a step-parent moved in: after the eldest child's birth, before the extract (for a
    baby born in the last months, not after it: the truth has them in the family now)."""
    high = EXTRACT_DATE - np.timedelta64(30, "D")
    low = np.minimum(eldest_dob + np.timedelta64(200, "D"), high)
    span = np.maximum((high - low).astype(np.int64), 1)
    join = low + (rng.random(len(hh_type)) * span).astype("timedelta64[D]")
    return np.where(hh_type == BLENDED, join, NAT).astype("datetime64[D]")


def _feminise(sex: np.ndarray, surname: np.ndarray, birth_surname: np.ndarray) -> None:
    """Women and girls carry the feminine form of Polish adjectival surnames."""
    polish = {s for s in name_bank().surnames[POLISH] if s.endswith("ki")}
    for arr in (surname, birth_surname):
        text = pa.array(arr, type=pa.string())
        maybe = pc.fill_null(pc.match_substring(text, "ki"), False).to_numpy(zero_copy_only=False)
        female = np.flatnonzero((sex == 1) & maybe)
        for i, value in zip(female, arr[female], strict=True):
            parts = value.split("-")
            if any(p in polish for p in parts):
                arr[i] = "-".join(feminine_polish(p) if p in polish else p for p in parts)


def _pupil_numbers(
    rng: np.random.Generator, dob: np.ndarray, household: np.ndarray, n_people: int
) -> np.ndarray:
    """UPNs for everyone of school age (reception to year 13) at some point in the window."""
    from familyhub.synth.calendar import academic_year_start

    cohort = academic_year_start(dob)  # birth "academic year"; reception starts cohort + 5
    first_term = academic_year_start(np.array([WINDOW_START]))[0]
    last_term = academic_year_start(np.array([EXTRACT_DATE]))[0] - 1
    pupil = (cohort + 5 <= last_term) & (cohort + 18 >= first_term)
    idx = np.flatnonzero(pupil)
    la = np.where(rng.random(len(idx)) < 0.9, 919, np.where(rng.random(len(idx)) < 0.5, 888, 830))
    primaries = max(3, round(n_people / 15_000))
    establishment = 2001 + household[idx] % primaries
    year2 = (cohort[idx] + 5) % 100
    order = np.lexsort((idx, year2, establishment, la))
    key = la[order] * 10**8 + establishment[order] * 100 + year2[order]
    serial = np.empty(len(idx), dtype=np.int64)
    serial[order] = np.arange(len(idx)) - np.searchsorted(key, key, side="left")
    upn = np.full(len(dob), None, dtype=object)
    # Serial numbers run to 999 per school, year and LA; beyond that the next school's range.
    establishment = establishment + serial // 1000 * primaries
    upn[idx] = upns(la, establishment, year2, serial % 1000)
    return upn

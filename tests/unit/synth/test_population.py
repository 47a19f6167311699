"""The population is plausible: exact size, parents of a believable age, unique identifiers."""

from __future__ import annotations

import numpy as np
import pytest

from familyhub.synth.calendar import EXTRACT_DATE
from familyhub.synth.families import build_families
from familyhub.synth.names import fold_name
from familyhub.synth.needs import build_spells
from familyhub.synth.population import CHILD, Population, build_population


@pytest.fixture(scope="module")
def pop() -> Population:
    return build_population(np.random.default_rng(21), 20_000)


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype(int) / 365.25


@pytest.mark.parametrize("n", [1, 7, 499, 5_003])
def test_exactly_the_people_asked_for(n: int) -> None:
    assert len(build_population(np.random.default_rng(n), n)) == n


def test_parents_are_of_a_believable_age(pop: Population) -> None:
    kids = np.flatnonzero(pop.role == CHILD)
    mother = pop.mother[kids]
    has = mother >= 0
    at_birth = _years(pop.dob[kids[has]] - pop.dob[mother[has]])
    assert at_birth.min() >= 16
    assert at_birth.max() <= 46.1
    father = pop.father[kids]
    has = father >= 0
    assert _years(pop.dob[kids[has]] - pop.dob[father[has]]).min() >= 17.9


def test_children_are_under_18_and_born_by_the_extract_date(pop: Population) -> None:
    kids = pop.role == CHILD
    assert (pop.dob[kids] <= EXTRACT_DATE).all()
    assert _years(EXTRACT_DATE - pop.dob[kids]).max() < 18.01


def test_identifiers_are_unique(pop: Population) -> None:
    assert len(set(pop.nhs)) == len(pop)
    ninos = [n for n in pop.nino if n]
    upns = [u for u in pop.upn if u]
    assert len(set(ninos)) == len(ninos)
    assert len(set(upns)) == len(upns)


def test_need_spells_belong_to_family_members(pop: Population) -> None:
    families = build_families(pop)
    spells = build_spells(np.random.default_rng(2), pop, families)
    member_family = families.family_of(spells.subject, pop.household)
    in_family = member_family == spells.family
    assert in_family.all()
    assert (spells.start >= np.datetime64("2022-01-01")).all()
    ended = ~np.isnat(spells.end)
    assert (spells.end[ended] + np.timedelta64(183, "D") <= EXTRACT_DATE).all()


@pytest.mark.parametrize("seed", range(6))
def test_twins_and_triplets_never_share_a_first_name(seed: int) -> None:
    pop = build_population(np.random.default_rng(seed), 5_000)
    members = np.flatnonzero(pop.multiple_birth >= 0)
    births: dict[int, list[str]] = {}
    for i in members:
        births.setdefault(int(pop.multiple_birth[i]), []).append(pop.forename[i])
    assert 2 in {len(v) for v in births.values()}
    assert 3 in {len(v) for v in births.values()}
    for names in births.values():
        assert len({fold_name(n) for n in names}) == len(names), names
    # Still the same birthday, and a middle name never repeats the first name.
    dob = {int(h): pop.dob[members[pop.multiple_birth[members] == h]] for h in births}
    assert all(len(set(d)) == 1 for d in dob.values())
    assert not (pop.middle[members] == pop.forename[members]).any()


def test_a_child_may_still_share_a_parents_first_name(pop: Population) -> None:
    kids = pop.role == CHILD
    namesakes = 0
    for parent in (pop.mother, pop.father):
        has = np.flatnonzero(kids & (parent >= 0))
        namesakes += int((pop.forename[has] == pop.forename[parent[has]]).sum())
    assert namesakes > 0


def test_nicknames_and_variants_fold_together() -> None:
    assert len({fold_name(n) for n in ("Katherine", "Kate", "Katie", "Catherine")}) == 1
    assert fold_name("Mohammed") == fold_name("Muhammad") == fold_name("Mohamed")
    assert fold_name("Oliver") == "Oliver"
    assert fold_name("Oliver") != fold_name("Harry")

"""Where everyone lives over time: dwellings, household moves, step-parents moving in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE, NAT, WINDOW_START, uniform_dates
from familyhub.synth.places import Dwellings, build_dwellings
from familyhub.synth.population import BLENDED, MOVE_RATE, Population


@dataclass(frozen=True)
class Residence:
    """Per person: an earlier address until ``switch`` (NaT: never moved) and the current one."""

    earlier: np.ndarray  # dwelling index before the switch (-1 when there was no switch)
    current: np.ndarray  # dwelling index now
    switch: np.ndarray
    earlier_household: np.ndarray  # household number for the earlier period
    household_move: np.ndarray  # per household: the move date (NaT if none)
    dwellings: Dwellings

    def address_at(self, person: np.ndarray, date: np.ndarray) -> np.ndarray:
        """The dwelling each person lived in on each date."""
        switch = self.switch[person]
        before = ~np.isnat(switch) & (date < switch)
        return np.where(before, self.earlier[person], self.current[person])

    def moved_before(self, person: np.ndarray, date: np.ndarray) -> np.ndarray:
        """Whether the person had moved on or before the date (a stale address is possible)."""
        switch = self.switch[person]
        return ~np.isnat(switch) & (switch <= date)


def build_residence(rng: np.random.Generator, pop: Population) -> Residence:
    """Addresses for every household; about 30% move once in the window."""
    n_hh = len(pop.hh_type)
    moves = (rng.random(n_hh) < MOVE_RATE) & (pop.hh_type != BLENDED)
    move_date = np.where(
        moves,
        uniform_dates(rng, np.full(n_hh, WINDOW_START + 30), np.full(n_hh, EXTRACT_DATE - 30)),
        NAT,
    ).astype("datetime64[D]")
    step = np.flatnonzero(~np.isnat(pop.step_join))
    n_moved = int(moves.sum())
    dwellings = build_dwellings(rng, n_hh + n_moved + len(step))
    order = rng.permutation(len(dwellings))
    hh_now = order[:n_hh]
    hh_before = np.full(n_hh, -1)
    hh_before[moves] = order[n_hh : n_hh + n_moved]

    person_hh = pop.household
    earlier = hh_before[person_hh].copy()
    switch = move_date[person_hh].copy()
    earlier_household = person_hh.copy()
    # Babies born after the move only ever lived at the new address.
    born_after = ~np.isnat(switch) & (pop.dob >= switch)
    earlier[born_after] = -1
    switch[born_after] = NAT
    # A step-parent lived alone elsewhere until moving in.
    earlier[step] = order[n_hh + n_moved :]
    switch[step] = pop.step_join[step]
    earlier_household[step] = n_hh + np.arange(len(step))
    return Residence(
        earlier=earlier,
        current=hh_now[person_hh],
        switch=switch,
        earlier_household=earlier_household,
        household_move=move_date,
        dwellings=dwellings,
    )

"""Shared helpers for builders: events inside need spells, and household members at a date."""

from __future__ import annotations

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE, WINDOW_START, uniform_dates
from familyhub.synth.population import CHILD
from familyhub.synth.rows import World


def events_in_spells(
    rng: np.random.Generator, w: World, spells: np.ndarray, low: int, high: int
) -> tuple[np.ndarray, np.ndarray]:
    """``low``..``high`` events per spell: (spell per event, date inside the spell)."""
    counts = rng.integers(low, high + 1, len(spells))
    rep = np.repeat(spells, counts)
    dates = uniform_dates(rng, w.spells.start[rep], w.spells.last_day()[rep])
    return rep, dates


def children_present(
    w: World, person: np.ndarray, date: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (person, date): the children living in that person's household, born by then.

    Returns (index into the inputs, child person).
    """
    pos, member = w.members_of_households(w.pop.household[person])
    keep = (
        (w.pop.role[member] == CHILD) & (w.pop.dob[member] <= date[pos]) & (member != person[pos])
    )
    return pos[keep], member[keep]


def background_dates(
    rng: np.random.Generator, n: int, earliest: np.ndarray | None = None
) -> np.ndarray:
    """Dates in the window (not before ``earliest`` where given)."""
    low = np.full(n, WINDOW_START)
    if earliest is not None:
        low = np.maximum(low, earliest)
    return uniform_dates(rng, low, np.full(n, EXTRACT_DATE))


def sample(rng: np.random.Generator, pool: np.ndarray, rate: float) -> np.ndarray:
    """A random subset of ``pool`` of about ``rate`` of its size, in pool order."""
    return pool[rng.random(len(pool)) < rate]

"""Rows of a partner extract before rendering: who, when, which need spell, what happened.

Builders return :class:`Rows`; identity columns (names, date of birth, identifiers, address)
are added later from the partner's own record of the person, with its errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from familyhub.synth.arrays import full_like_value
from familyhub.synth.families import Families
from familyhub.synth.needs import Spells
from familyhub.synth.places import Schools
from familyhub.synth.population import Population
from familyhub.synth.residence import Residence


@dataclass(frozen=True)
class World:
    """Everything the source builders draw on."""

    pop: Population
    residence: Residence
    families: Families
    spells: Spells
    schools: Schools

    def members_of_households(self, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``households``, person) for every member of each household."""
        pop = self.pop
        sizes = np.bincount(pop.household, minlength=len(pop.hh_type))
        counts = sizes[households]
        pos = np.repeat(np.arange(len(households)), counts)
        offset = np.arange(len(pos)) - np.repeat(np.cumsum(counts) - counts, counts)
        return pos, pop.hh_first[households][pos] + offset


@dataclass
class Rows:
    """Rows of one source; ``cols`` holds the source's own event columns."""

    person: np.ndarray
    date: np.ndarray
    spell: np.ndarray
    spell2: np.ndarray
    group: np.ndarray
    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.person)

    def take(self, index: np.ndarray) -> Rows:
        return Rows(
            self.person[index],
            self.date[index],
            self.spell[index],
            self.spell2[index],
            self.group[index],
            {k: v[index] for k, v in self.cols.items()},
        )


def make_rows(
    person: np.ndarray,
    date: np.ndarray,
    *,
    spell: np.ndarray | int = -1,
    spell2: np.ndarray | int = -1,
    group: np.ndarray | int = -1,
    **cols: np.ndarray | object,
) -> Rows:
    """Rows from per-row arrays; scalars are broadcast."""
    n = len(person)

    def full(value: np.ndarray | object, dtype: object = None) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        return full_like_value(n, value, dtype if dtype is not None else object)

    return Rows(
        person=np.asarray(person, dtype=np.int64),
        date=np.asarray(date, dtype="datetime64[D]"),
        spell=full(spell, np.int64),
        spell2=full(spell2, np.int64),
        group=full(group, np.int64),
        cols={k: full(v) for k, v in cols.items()},
    )


def _fill(like: np.ndarray, n: int) -> np.ndarray:
    if np.issubdtype(like.dtype, np.datetime64):
        return np.full(n, np.datetime64("NaT"), dtype=like.dtype)
    if np.issubdtype(like.dtype, np.integer):
        return np.full(n, -1, dtype=like.dtype)
    if np.issubdtype(like.dtype, np.floating):
        return np.full(n, np.nan, dtype=like.dtype)
    return np.full(n, None, dtype=object)


def concat(parts: list[Rows], group_offsets: bool = True) -> Rows:
    """One Rows from several; missing columns are filled, group ids kept apart per part."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return make_rows(np.zeros(0, np.int64), np.zeros(0, "datetime64[D]"))
    keys: dict[str, np.ndarray] = {}
    for p in parts:
        for k, v in p.cols.items():
            keys.setdefault(k, v)
    groups = []
    offset = 0
    for p in parts:
        g = p.group.copy()
        if group_offsets:
            g = np.where(g >= 0, g + offset, -1)
            offset = int(max(offset, g.max() + 1 if len(g) else offset))
        groups.append(g)
    cols = {
        k: np.concatenate([p.cols[k] if k in p.cols else _fill(like, len(p)) for p in parts])
        for k, like in keys.items()
    }
    return Rows(
        person=np.concatenate([p.person for p in parts]),
        date=np.concatenate([p.date for p in parts]),
        spell=np.concatenate([p.spell for p in parts]),
        spell2=np.concatenate([p.spell2 for p in parts]),
        group=np.concatenate(groups),
        cols=cols,
    )


def repeat_counts(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """How many events each of ``n`` items has, uniformly in [low, high]."""
    return rng.integers(low, high + 1, n)


def choice(
    rng: np.random.Generator, options: tuple[str, ...], n: int, p: tuple[float, ...] | None = None
) -> np.ndarray:
    """``n`` codes drawn from ``options`` (with probabilities ``p``)."""
    probs = None if p is None else np.asarray(p) / np.sum(p)
    return np.array(options, dtype=object)[rng.choice(len(options), n, p=probs)]

"""Name lists per origin group (package data) and drawing names from them.

The lists hold common names only, in rough order of how common they are; nobody real is
described. Weights fall with rank so a few names are common and many are rare, as in life.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

GROUPS = (
    "white_british",
    "irish",
    "polish",
    "south_asian",
    "black_african",
    "black_caribbean",
    "chinese",
    "arabic",
)
GROUP_SHARES = np.array([0.68, 0.04, 0.04, 0.10, 0.04, 0.03, 0.03, 0.04])
POLISH = GROUPS.index("polish")


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("familyhub.synth").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _rank_weights(n: int) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 4.0)
    return w / w.sum()


@dataclass(frozen=True)
class NameBank:
    """Forenames per (group, sex) and surnames per group, with spelling variants/nicknames."""

    forenames: dict[tuple[int, int], np.ndarray]
    surnames: dict[int, np.ndarray]
    variants: dict[str, tuple[str, ...]]

    def draw_forenames(
        self, rng: np.random.Generator, group: np.ndarray, sex: np.ndarray
    ) -> np.ndarray:
        """One forename per person of the given origin group and sex (0 male, 1 female)."""
        out = np.empty(len(group), dtype=object)
        for g in range(len(GROUPS)):
            for s in (0, 1):
                where = np.flatnonzero((group == g) & (sex == s))
                names = self.forenames[(g, s)]
                out[where] = names[
                    rng.choice(len(names), size=len(where), p=_rank_weights(len(names)))
                ]
        return out

    def draw_surnames(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """One family name per person of the given origin group."""
        out = np.empty(len(group), dtype=object)
        for g in range(len(GROUPS)):
            where = np.flatnonzero(group == g)
            names = self.surnames[g]
            out[where] = names[rng.choice(len(names), size=len(where), p=_rank_weights(len(names)))]
        return out


@cache
def name_bank() -> NameBank:
    """The packaged name lists (read once)."""
    forenames: dict[tuple[int, int], list[str]] = {}
    for row in _read("first_names.csv"):
        key = (GROUPS.index(row["group"]), 0 if row["sex"] == "M" else 1)
        forenames.setdefault(key, []).append(row["name"])
    surnames: dict[int, list[str]] = {}
    for row in _read("surnames.csv"):
        surnames.setdefault(GROUPS.index(row["group"]), []).append(row["name"])
    return NameBank(
        forenames={k: np.array(v, dtype=object) for k, v in forenames.items()},
        surnames={k: np.array(v, dtype=object) for k, v in surnames.items()},
        variants=name_variants(),
    )


@cache
def name_variants() -> dict[str, tuple[str, ...]]:
    """Forename -> the nicknames and spelling variants a partner might record instead."""
    variants: dict[str, list[str]] = {}
    for row in _read("name_variants.csv"):
        variants.setdefault(row["name"], []).append(row["variant"])
    return {k: tuple(v) for k, v in variants.items()}


@cache
def name_folds() -> dict[str, str]:
    """Forename -> one key shared by all names linked through nicknames and variants.

    Katherine, Kate, Katie, Catherine and Kathryn fold to one key, so do Mohammed, Muhammad
    and Mohamed; a name with no variants is its own key.
    """
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for name, variants in name_variants().items():
        for variant in variants:
            a, b = sorted((root(name), root(variant)))
            parent[b] = a
    return {name: root(name) for name in parent}


def fold_name(name: str) -> str:
    """The key of ``name`` under nickname and variant folding (see ``name_folds``)."""
    return name_folds().get(name, name)


_FEMININE = (("dzki", "dzka"), ("cki", "cka"), ("ski", "ska"))


def feminine_polish(surname: str) -> str:
    """Polish adjectival surnames take a feminine ending: Kowalski -> Kowalska."""
    for male, female in _FEMININE:
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname

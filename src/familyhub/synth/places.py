"""Dwellings with UPRNs and well-formed postcodes in Northshire, and its schools.

Northshire is fictional: postcode area ``NS`` (no real area uses it; the format is valid),
districts NS1-NS8 in three post towns, streets made from common English street names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from familyhub.synth.identifiers import fmt_int

TOWNS = ("Northtown", "Eastbridge", "Millford")
TOWN_DISTRICTS = ((1, 2, 3, 4), (5, 6), (7, 8))
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C I K M O V
UPRN_BASE = 100_090_000_000
HOUSES_PER_UNIT = 14

STREET_STEMS = (
    "Acacia",
    "Alder",
    "Ash",
    "Aspen",
    "Beech",
    "Birch",
    "Cedar",
    "Cherry",
    "Elm",
    "Hazel",
    "Holly",
    "Larch",
    "Laurel",
    "Lime",
    "Maple",
    "Oak",
    "Pine",
    "Poplar",
    "Rowan",
    "Willow",
    "Yew",
    "Mill",
    "Church",
    "Station",
    "Park",
    "School",
    "Bridge",
    "Chapel",
    "Market",
    "Victoria",
    "Albert",
    "Queen",
    "King",
    "Princess",
    "Windsor",
    "York",
    "Lancaster",
    "Stanley",
    "Derby",
    "Grange",
    "Manor",
    "Meadow",
    "Orchard",
    "Brook",
    "River",
    "Canal",
    "Hill",
    "Green",
    "Moor",
    "Heath",
    "Field",
    "Garden",
    "Spring",
    "Well",
    "Abbey",
    "Priory",
    "Castle",
    "Tower",
    "Forge",
    "Foundry",
    "Weaver",
    "Spinners",
    "Cotton",
    "Wool",
    "Coronation",
    "Jubilee",
)
SCHOOL_STEMS = (
    "Oakfield",
    "Beechwood",
    "Hollins",
    "Moorside",
    "Brookhouse",
    "St Anne's",
    "St Mary's",
    "Christ Church",
    "Heathfield",
    "Meadowbank",
    "Larchwood",
    "Riverside",
    "Abbeyfield",
    "Greenbank",
    "Westfield",
    "Castle Hill",
    "Ashgrove",
)
STREET_SUFFIXES = (
    "Road",
    "Street",
    "Avenue",
    "Lane",
    "Close",
    "Drive",
    "Grove",
    "Way",
    "Crescent",
    "Gardens",
    "Court",
    "Terrace",
)


@dataclass(frozen=True)
class Dwellings:
    """One row per dwelling (a UPRN): its address line, post town and postcode."""

    uprn: np.ndarray
    line: np.ndarray
    town: np.ndarray
    postcode: np.ndarray

    def __len__(self) -> int:
        return len(self.uprn)


def build_dwellings(rng: np.random.Generator, count: int) -> Dwellings:
    """``count`` distinct dwellings spread over the streets of the three towns."""
    stems = np.array(STREET_STEMS, dtype=object)
    suffixes = np.array(STREET_SUFFIXES, dtype=object)
    combos = np.array([(s, x) for s in range(len(stems)) for x in range(len(suffixes))])
    per_town = rng.permutation(len(combos))
    n_streets = int(min(len(combos) * len(TOWNS), max(30, count // 150)))
    street_town = np.arange(n_streets) % len(TOWNS)
    street_combo = combos[per_town[(np.arange(n_streets) // len(TOWNS)) % len(combos)]]
    street_name = stems[street_combo[:, 0]] + " " + suffixes[street_combo[:, 1]]
    districts = np.array([rng.choice(TOWN_DISTRICTS[t]) for t in street_town])
    sector = rng.integers(0, 10, n_streets)
    unit_offset = rng.integers(0, len(INWARD_LETTERS) ** 2, n_streets)

    street = rng.integers(0, n_streets, count)
    order = np.lexsort((np.arange(count), street))
    number = np.empty(count, dtype=np.int64)
    sorted_street = street[order]
    starts = np.searchsorted(sorted_street, sorted_street, side="left")
    number[order] = np.arange(count) - starts + 1
    flat = rng.random(count) < 0.12
    building = number
    flat_no = rng.integers(1, 9, count)

    unit = (unit_offset[street] + building // HOUSES_PER_UNIT * 7) % len(INWARD_LETTERS) ** 2
    letters = np.array(list(INWARD_LETTERS), dtype=object)
    inward = (
        fmt_int(sector[street], 1)
        + letters[unit // len(INWARD_LETTERS)]
        + letters[unit % len(INWARD_LETTERS)]
    )
    postcode = fmt_int(districts[street], 1, "NS") + " " + inward
    house = fmt_int(building, 1) + " " + street_name[street]
    line = np.where(flat, "Flat " + fmt_int(flat_no, 1) + ", " + house, house)
    uprn = fmt_int(UPRN_BASE + rng.permutation(count), 12)
    town = np.array(TOWNS, dtype=object)[street_town[street]]
    return Dwellings(uprn=uprn, line=line, town=town, postcode=postcode)


@dataclass(frozen=True)
class Schools:
    """Primary (R-6) and secondary (7-13) schools: URN, DfE establishment number, name."""

    urn: np.ndarray
    establishment: np.ndarray
    name: np.ndarray
    secondary: np.ndarray

    def __len__(self) -> int:
        return len(self.urn)


def build_schools(rng: np.random.Generator, people: int) -> Schools:
    """Enough schools for ``people`` (about one primary per 15,000 people)."""
    primaries = max(3, round(people / 15_000))
    secondaries = max(2, round(people / 50_000))
    n = primaries + secondaries
    secondary = np.arange(n) >= primaries
    stems = rng.choice(np.array(SCHOOL_STEMS, dtype=object), n)
    towns = np.array(TOWNS, dtype=object)[np.arange(n) % len(TOWNS)]
    kind = np.where(secondary, " High School", " Primary School")
    name = stems + " " + np.where(secondary, towns + " ", "") + kind.astype(object)
    name = np.array([" ".join(x.split()) for x in name], dtype=object)
    establishment = np.where(secondary, 4000, 2000) + np.arange(n) + 1
    urn = 100_000 + rng.permutation(900_000)[:n]
    return Schools(urn=urn, establishment=establishment, name=name, secondary=secondary)

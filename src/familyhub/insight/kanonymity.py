"""k-anonymity for extracts: every combination of quasi-identifiers is shared by >= k rows.

Quasi-identifiers are the columns someone could know about a person from elsewhere (age
band, sex, area, household type). Each has a ladder of ever coarser versions of its value,
ending in ``*`` (anything). Rows in a combination smaller than k climb the ladders, one
rung at a time on their least generalised quasi-identifier (the earlier in the order given
on a tie), until their combination is large enough; rows still in a too-small combination
at the top of every ladder are held back. Only the rows that need it are generalised
("local recoding"), so most rows keep their detail.

The work is done on integer codes (Arrow dictionary encoding, numpy) so that a million
rows take seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

ANY = "*"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class QuasiIdentifier:
    """A quasi-identifier and its ladder: ``ladder[i](value)`` is the value at level i + 1."""

    name: str
    ladder: Sequence[Callable[[str], str]]

    def at_level(self, value: str, level: int) -> str:
        return value if level == 0 else self.ladder[level - 1](value)


@dataclass
class KAnonymityReport:
    k: int
    rows_in: int
    rows_out: int
    held_back: int
    rows_generalised: int
    generalised_by: dict[str, int] = field(default_factory=dict)
    smallest_class: int | None = None

    def describe(self) -> str:
        parts = [f"k-anonymity (k={self.k}): {self.rows_out} of {self.rows_in} rows kept"]
        if self.rows_generalised:
            detail = ", ".join(f"{n} {name}" for name, n in self.generalised_by.items() if n)
            parts.append(f"{self.rows_generalised} generalised ({detail})")
        parts.append(f"{self.held_back} held back")
        return "; ".join(parts)


@dataclass
class KAnonymised:
    """The rows kept (indices into the input) and their quasi-identifier values as published."""

    kept: IntArray
    values: dict[str, list[str]]
    report: KAnonymityReport


@dataclass
class _Coded:
    qi: QuasiIdentifier
    original: IntArray  # per row: index into the vocabulary of original values
    # per level: for each original code, the code of its value at that level. One code space
    # for all levels, so a value reached at two levels ("NS3|*|*") is one class, as published.
    level_codes: list[IntArray]
    vocabulary: list[str]


def _encode(qi: QuasiIdentifier, values: Sequence[str] | pa.Array | pa.ChunkedArray) -> _Coded:
    array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    encoded = pc.dictionary_encode(array.cast(pa.string()))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    original = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    originals = [str(v) for v in encoded.dictionary.to_pylist()]
    code_of: dict[str, int] = {}
    level_codes = []
    for level in range(len(qi.ladder) + 1):
        generalised = [qi.at_level(str(v), level) for v in originals]
        level_codes.append(
            np.asarray([code_of.setdefault(g, len(code_of)) for g in generalised], dtype=np.int64)
        )
    return _Coded(qi, original, level_codes, list(code_of))


def k_anonymise(
    columns: Mapping[str, Sequence[str] | pa.Array | pa.ChunkedArray],
    quasi_identifiers: Sequence[QuasiIdentifier],
    k: int,
) -> KAnonymised:
    """Generalise or hold back rows until every quasi-identifier combination has >= k rows.

    ``columns`` gives each quasi-identifier's original value per row (all the same length).
    The order of ``quasi_identifiers`` is the order their ladders are climbed in.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    lengths = {len(columns[qi.name]) for qi in quasi_identifiers}
    if len(lengths) > 1:
        raise ValueError("every quasi-identifier column must have one value per row")
    n = lengths.pop() if lengths else 0
    coded = [_encode(qi, columns[qi.name]) for qi in quasi_identifiers]
    levels = [np.zeros(n, dtype=np.int64) for _ in coded]

    tops = np.asarray([len(c.level_codes) - 1 for c in coded], dtype=np.int64)
    while coded:
        small = _in_small_classes(coded, levels, k)
        stacked = np.stack(levels)
        can_climb = stacked < tops[:, None]
        movable = small & can_climb.any(axis=0)
        if not movable.any():
            break
        # Each row in a too-small class climbs one rung of its least generalised ladder
        # (the earlier quasi-identifier on a tie), so detail is given up evenly.
        score = np.where(can_climb, stacked, np.iinfo(np.int64).max)
        choice = np.argmin(score, axis=0)
        for q, level in enumerate(levels):
            level[movable & (choice == q)] += 1

    small = _in_small_classes(coded, levels, k)
    kept = np.flatnonzero(~small)
    values = {c.qi.name: _published(c, level, kept) for c, level in zip(coded, levels, strict=True)}
    generalised_by = {
        c.qi.name: int(np.count_nonzero(level[kept] > 0))
        for c, level in zip(coded, levels, strict=True)
    }
    any_generalised = np.zeros(n, dtype=bool)
    for level in levels:
        any_generalised |= level > 0
    report = KAnonymityReport(
        k=k,
        rows_in=n,
        rows_out=len(kept),
        held_back=n - len(kept),
        rows_generalised=int(np.count_nonzero(any_generalised[kept])),
        generalised_by=generalised_by,
        smallest_class=_smallest_class(coded, levels, kept),
    )
    return KAnonymised(kept=kept, values=values, report=report)


def _current_codes(c: _Coded, level: IntArray) -> IntArray:
    """Each row's code at its own level."""
    codes = np.empty(len(level), dtype=np.int64)
    for lvl, mapping in enumerate(c.level_codes):
        mask = level == lvl
        codes[mask] = mapping[c.original[mask]]
    return codes


def _class_ids(coded: Sequence[_Coded], levels: Sequence[IntArray]) -> IntArray:
    n = len(levels[0]) if levels else 0
    if not coded:
        return np.zeros(n, dtype=np.int64)
    # Mix the codes into one integer per row (a mixed-radix number) and number its values.
    key = np.zeros(n, dtype=np.int64)
    for c, level in zip(coded, levels, strict=True):
        radix = len(c.vocabulary)
        if radix and int(key.max(initial=0)) > (np.iinfo(np.int64).max // radix) - radix:
            _, key = np.unique(key, return_inverse=True)  # renumber densely before overflow
        key = key * radix + _current_codes(c, level)
    _, inverse = np.unique(key, return_inverse=True)
    return np.asarray(inverse, dtype=np.int64).ravel()


def _in_small_classes(
    coded: Sequence[_Coded], levels: Sequence[IntArray], k: int
) -> npt.NDArray[np.bool_]:
    if not levels or len(levels[0]) == 0:
        return np.zeros(0, dtype=bool)
    ids = _class_ids(coded, levels)
    sizes = np.bincount(ids)
    return np.asarray(sizes[ids] < k)


def _smallest_class(
    coded: Sequence[_Coded], levels: Sequence[IntArray], kept: IntArray
) -> int | None:
    if len(kept) == 0:
        return None
    # A held-back row never shares a class with a kept one (same class, same size).
    ids = _class_ids(coded, levels)
    return int(np.bincount(ids)[ids[kept]].min())


def _published(c: _Coded, level: IntArray, kept: IntArray) -> list[str]:
    codes = _current_codes(c, level)[kept]
    return list(pa.array(c.vocabulary, pa.string()).take(pa.array(codes)).to_pylist())

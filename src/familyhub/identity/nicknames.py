"""Given-name variants: nicknames and spellings that refer to the same given name.

The ``nicknames`` package knows US English short forms (Bill/William, Liz/Elizabeth). British
families also use spellings it lacks (Mohammed/Muhammad/Mohamed, Siobhan/Shevaun, Rhys/Reece),
so we add our own list, ``british_names.txt``, beside this module.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from nicknames import NickNamer

from familyhub.identity.names import match_name


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=1)
def _british_groups() -> dict[str, frozenset[str]]:
    text = files("familyhub.identity").joinpath("british_names.txt").read_text(encoding="utf-8")
    index: dict[str, set[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group = {m for name in line.split(",") if (m := match_name(name.strip()))}
        for name in group:
            index.setdefault(name, set()).update(group)
    return {name: frozenset(group) for name, group in index.items()}


@lru_cache(maxsize=100_000)
def name_variants(raw: str | None) -> frozenset[str]:
    """Every match form that may be the same given name as ``raw`` (including ``raw``'s own).
    For example ``name_variants("Mohamed")`` includes ``muhammad`` and ``mohammed``.
    """
    name = match_name(raw)
    if name is None:
        return frozenset()
    variants = {name}
    variants |= _british_groups().get(name, frozenset())
    namer = _namer()
    for canonical in namer.canonicals_of(name) | {name}:
        variants.add(canonical)
        variants |= namer.nicknames_of(canonical)
    variants |= namer.nicknames_of(name)
    return frozenset(v for v in variants if v)


def same_given_name(a: str | None, b: str | None) -> bool:
    """True when ``a`` and ``b`` are the same given name, a nickname of it, or another spelling."""
    ma, mb = match_name(a), match_name(b)
    if ma is None or mb is None:
        return False
    return ma == mb or mb in name_variants(ma)

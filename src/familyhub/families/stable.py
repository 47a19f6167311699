"""Stable family ids: a rebuilt family keeps the id of the family it most overlaps.

Like person ids, a family id never changes meaning. Each new family is matched to at most one
existing family and each existing family to at most one new one, greedily by the number of
members they share (children counting double, since a family follows its children); the
rest are new families (new ids) or ended families (kept, with their history).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


def new_family_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Member:
    person_id: str
    role: str


@dataclass
class IdAssignment:
    ids: dict[str, str]  # new family key -> family id
    new_ids: set[str]
    ended_ids: set[str]


def assign_family_ids(
    previous: Mapping[str, set[Member]], current: Mapping[str, set[Member]]
) -> IdAssignment:
    """Give each current family (by key) an id: the best-overlapping previous family's id,
    else a new one. Previous families left without a match have ended."""
    # A non-resident parent can belong to more than one family.
    families_of_person: dict[str, list[str]] = {}
    for family_id, members in previous.items():
        for member in members:
            families_of_person.setdefault(member.person_id, []).append(family_id)
    candidates: list[tuple[int, str, str]] = []
    for key, members in current.items():
        shared: Counter[str] = Counter()
        for member in members:
            for old in families_of_person.get(member.person_id, ()):
                shared[old] += 2 if member.role == "child" else 1
        candidates.extend((count, old, key) for old, count in shared.items())
    # Highest overlap first; ties broken by ids so that the result does not depend on order.
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for _, old, key in candidates:
        if key in ids or old in taken:
            continue
        ids[key] = old
        taken.add(old)
    new_ids = set()
    for key in sorted(current):
        if key not in ids:
            ids[key] = new_family_id()
            new_ids.add(ids[key])
    return IdAssignment(ids=ids, new_ids=new_ids, ended_ids=set(previous) - taken)

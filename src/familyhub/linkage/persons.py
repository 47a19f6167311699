"""Stable person ids: this run's clusters matched to last run's persons by shared records.

A cluster takes the id of the previous person it shares most records with, each previous id
going to at most one cluster (largest overlaps first). What is left over is history:

* a previous person none of whose records kept its id is ``merged`` into the person that took
  most of its records (the old id still resolves, through ``merged_into``);
* records of a kept person that went to another cluster are a ``split``;
* a cluster with no previous person is ``created``;
* a previous person whose records are all withdrawn is ``retired``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.linkage.models import Person

# SQL here is built from our own table names, never from user input.
# ruff: noqa: S608

MAX_MERGE_HOPS = 50


@dataclass
class IdEvent:
    event: str
    person_id: str
    other_person_id: str | None
    records_moved: int
    reason: str


@dataclass
class Assignment:
    """``cluster_id -> person_id`` for this run, and what happened to previous ids."""

    person_of_cluster: dict[int, str] = field(default_factory=dict)
    new_ids: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)  # old id -> id it merged into
    retired: set[str] = field(default_factory=set)
    events: list[IdEvent] = field(default_factory=list)


def new_person_id() -> str:
    return uuid.uuid4().hex


def assign(
    con: duckdb.DuckDBPyConnection,
    *,
    clusters: str,
    previous: str,
    scope_person_ids: set[str] | None = None,
) -> Assignment:
    """Match clusters (``unique_id, cluster_id``) to previous links (``unique_id, person_id``).

    ``scope_person_ids``: previous persons this run could affect (an incremental run passes
    the persons it touched); ``None`` means every previous person (a full run).
    """
    result = Assignment()
    overlaps = con.sql(
        f"""
        select c.cluster_id, p.person_id, count(*) as n
        from {clusters} c join {previous} p using (unique_id)
        group by 1, 2 order by n desc, p.person_id, c.cluster_id
        """
    ).fetchall()
    used: set[str] = set()
    for cluster_id, person_id, _n in overlaps:
        if cluster_id in result.person_of_cluster or person_id in used:
            continue
        result.person_of_cluster[int(cluster_id)] = str(person_id)
        used.add(str(person_id))
    all_clusters = [
        int(c) for (c,) in con.sql(f"select distinct cluster_id from {clusters}").fetchall()
    ]
    for cluster_id in all_clusters:
        if cluster_id not in result.person_of_cluster:
            pid = new_person_id()
            result.person_of_cluster[cluster_id] = pid
            result.new_ids.add(pid)
    # Where did each previous person's records go?
    moved: dict[str, dict[str, int]] = {}
    for cluster_id, person_id, n in overlaps:
        target = result.person_of_cluster[int(cluster_id)]
        moved.setdefault(str(person_id), {})[target] = int(n)
    for old_id, targets in moved.items():
        if old_id in used:
            for target, n in targets.items():
                if target != old_id:
                    result.events.append(
                        IdEvent("split", target, old_id, n, f"{n} record(s) no longer fit {old_id}")
                    )
        else:
            target, n = max(targets.items(), key=lambda item: (item[1], item[0]))
            result.merged[old_id] = target
            result.events.append(
                IdEvent("merged", old_id, target, n, f"its records now link with {target}")
            )
    previous_ids = {
        str(p) for (p,) in con.sql(f"select distinct person_id from {previous}").fetchall()
    }
    if scope_person_ids is not None:
        previous_ids &= scope_person_ids
    for old_id in previous_ids - set(moved):
        result.retired.add(old_id)
        result.events.append(IdEvent("retired", old_id, None, 0, "no active records left"))
    split_targets = {e.person_id for e in result.events if e.event == "split"}
    for pid in result.new_ids:
        reason = "split from an existing person" if pid in split_targets else "new records"
        result.events.append(IdEvent("created", pid, None, 0, reason))
    return result


def resolve(person_id: str, *, session: Session) -> Person | None:
    """The current person for ``person_id``, following merges (an old id still resolves)."""
    seen: set[str] = set()
    current = session.get(Person, person_id)
    while current is not None and current.status == "merged" and current.merged_into:
        if current.id in seen or len(seen) > MAX_MERGE_HOPS:
            break
        seen.add(current.id)
        current = session.get(Person, current.merged_into)
    return current


def active_person_ids(*, session: Session) -> list[str]:
    return list(session.scalars(select(Person.id).where(Person.status == "active")))

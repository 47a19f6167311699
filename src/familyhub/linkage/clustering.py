"""Clustering scored pairs into persons, with cannot-link constraints.

Plain connected components over pairs above a threshold merges families: one strong-looking
edge between twins, or a chain through a parent who shares a name with a child, joins them for
good. Here:

1. pairs that break a cannot-link rule (see ``constraints``) or a manual "do not link" are
   never edges, whatever their score;
2. connected components are found over the remaining edges (vectorised, numpy);
3. every pair of records inside each component is checked against the rules (in DuckDB);
   components with no conflict are persons as they stand (nearly all of them);
4. a component holding a conflict is rebuilt greedily, strongest edge first, joining two
   groups only if no record of one conflicts with any record of the other. The weakest links,
   which are the ones a conflict says are wrong, are the ones left out.

Components larger than ``max_cluster_size`` are reported: they usually mean a placeholder
value or a shared identifier that survived preparation.
"""

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from familyhub.linkage.constraints import SOFT_RULES, paired_records_sql, violated_rule_sql

MAX_CLUSTER_SIZE = 60
MANUAL_LINK_WEIGHT = 1000.0
# A record whose evidence for another (kept-apart) person is within this many match-weight
# points (bits) of the evidence for its own is ambiguous: it stands alone and goes to review.
AMBIGUITY_MARGIN = 3.0


@dataclass
class ClusterReport:
    records: int = 0
    edges: int = 0
    blocked_edges: dict[str, int] = field(default_factory=dict)
    components: int = 0
    components_with_conflicts: int = 0
    clusters: int = 0
    largest_cluster: int = 0
    oversized_clusters: list[dict[str, Any]] = field(default_factory=list)
    detached_without_dob: int = 0


def connected_components(n_nodes: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Component label (smallest node index) for each of ``n_nodes`` nodes."""
    labels = np.arange(n_nodes, dtype=np.int64)
    if len(src) == 0:
        return labels
    while True:
        low = np.minimum(labels[src], labels[dst])
        before = labels.copy()
        np.minimum.at(labels, src, low)
        np.minimum.at(labels, dst, low)
        while True:  # pointer jumping: every node points at its root
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def constrained_merge(
    nodes: list[int],
    edges: list[tuple[float, int, int]],
    conflicts: set[tuple[int, int]],
    soft: set[tuple[int, int]] | None = None,
    undated: set[int] | None = None,
    kept_apart: set[tuple[int, int]] | None = None,
) -> dict[int, int]:
    """Greedy agglomeration, strongest edge first, never joining two conflicting groups.

    ``conflicts`` are hard; ``soft`` conflicts (name rules) give way when more edges than
    soft conflicts join the two groups: a record whose name was mistyped twice conflicts with
    one spelling but links strongly to the rest of its person. Twins have no edges between
    them at all (every pair breaks the twin rule), so they never pass.

    A manual "link" (an edge of MANUAL_LINK_WEIGHT) is a person's decision, which the model's
    rules do not overrule: it joins its two groups unless a manual "do not link"
    (``kept_apart``, also among ``conflicts``) stands between them.
    """
    soft = soft or set()
    kept_apart = kept_apart or set()
    parent = {n: n for n in nodes}
    members: dict[int, list[int]] = {n: [n] for n in nodes}
    neighbours: dict[int, set[int]] = {n: set() for n in nodes}
    for _score, a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    for score, a, b in sorted(edges, reverse=True):
        ra, rb = _find(parent, a), _find(parent, b)
        if ra == rb:
            continue
        pairs = [(min(x, y), max(x, y)) for x in members[ra] for y in members[rb]]
        manual = score >= MANUAL_LINK_WEIGHT
        if any(p in (kept_apart if manual else conflicts) for p in pairs):
            continue
        n_soft = 0 if manual else sum(1 for p in pairs if p in soft)
        if n_soft:
            small, other = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
            n_edges = sum(
                1 for x in members[small] for y in neighbours[x] if _find(parent, y) == other
            )
            if n_edges < n_soft:
                continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra].extend(members.pop(rb))
    assignment = {n: _find(parent, n) for n in nodes}
    return _detach_ambiguous(assignment, edges, undated)


def _detach_ambiguous(
    assignment: dict[int, int],
    edges: list[tuple[float, int, int]],
    candidates: set[int] | None = None,
) -> dict[int, int]:
    """Stand alone a record that fits another, kept-apart person about as well as its own.

    A record without a date of birth in a household where a father and son share a name
    could be either, so it is neither until someone decides. ``candidates``: the records that
    may be stood alone (those without a date of birth); None means any. A dated record that
    fits two groups is left with the better one: the other group is usually a fragment of the
    same person, cut off by a wrong identifier.
    """
    best: dict[tuple[int, int], float] = {}
    for score, a, b in edges:
        for node, other in ((a, b), (b, a)):
            key = (node, assignment[other])
            best[key] = max(best.get(key, float("-inf")), score)
    rivals: dict[int, float] = {}
    for (node, cluster_id), score in best.items():
        if cluster_id != assignment[node]:
            rivals[node] = max(rivals.get(node, float("-inf")), score)
    detached = {
        node
        for node, rival in rivals.items()
        if candidates is None or node in candidates
        if (own := best.get((node, assignment[node]))) is not None
        and own < MANUAL_LINK_WEIGHT
        and rival >= own - AMBIGUITY_MARGIN
    }
    groups: dict[int, list[int]] = {}
    for node, root in assignment.items():
        groups.setdefault(node if node in detached else root, []).append(node)
    return {node: min(members) for members in groups.values() for node in members}


def cluster(
    con: duckdb.DuckDBPyConnection,
    *,
    records: str,
    pairs: str,
    link_probability: float,
    manual_links: list[tuple[int, int]] | None = None,
    manual_nolinks: list[tuple[int, int]] | None = None,
    out: str = "fh_clusters",
    max_cluster_size: int = MAX_CLUSTER_SIZE,
) -> ClusterReport:
    """Write ``out(unique_id, cluster_id)`` for every record in ``records``.

    ``cluster_id`` is the smallest ``unique_id`` in the cluster: a label for this run only;
    stable person ids are assigned afterwards (``persons``).
    """
    report = ClusterReport()
    _register_pairs(con, "fh_manual_link", manual_links or [])
    _register_pairs(con, "fh_manual_nolink", manual_nolinks or [])
    con.execute(
        f"""
        create or replace table fh_pairs_checked as
        with checked as (
            select *, {violated_rule_sql()} as rule from ({paired_records_sql(pairs, records)})
        )
        select c.unique_id_l, c.unique_id_r, c.match_probability, c.match_weight,
               case when n.a is not null then 'manual' else c.rule end as rule
        from checked c
        left join fh_manual_nolink n on n.a = c.unique_id_l and n.b = c.unique_id_r
        """
    )
    for rule, n in con.sql(
        f"select rule, count(*) from fh_pairs_checked where rule is not null "
        f"and match_probability >= {link_probability} group by 1"
    ).fetchall():
        report.blocked_edges[str(rule)] = int(n)
    con.execute(
        f"""
        create or replace table fh_edges as
        select unique_id_l as a, unique_id_r as b, match_weight as score
        from fh_pairs_checked where rule is null and match_probability >= {link_probability}
        union all select a, b, {MANUAL_LINK_WEIGHT} from fh_manual_link
        """
    )
    ids = con.sql(f"select unique_id from {records} order by unique_id").fetchnumpy()["unique_id"]
    report.records = len(ids)
    edges = con.sql("select a, b, score from fh_edges").fetchnumpy()
    report.edges = len(edges["a"])
    src = np.searchsorted(ids, edges["a"])
    dst = np.searchsorted(ids, edges["b"])
    labels = connected_components(len(ids), src, dst)
    con.register("fh_components_in", pa.table({"unique_id": ids, "component": ids[labels]}))
    con.execute("create or replace table fh_components as select * from fh_components_in")
    con.unregister("fh_components_in")
    report.components = len(np.unique(labels))
    final = _resolve_conflicts(con, records, report, max_cluster_size)
    con.register("fh_final_in", final)
    con.execute(
        f"""
        create or replace table {out} as
        select c.unique_id, coalesce(f.cluster_id, c.component) as cluster_id
        from fh_components c left join fh_final_in f using (unique_id)
        """
    )
    con.unregister("fh_final_in")
    report.detached_without_dob = _detach_ambiguous_undated(con, records, out)
    sizes = con.sql(
        f"select cluster_id, count(*) as n from {out} group by 1 order by n desc"
    ).fetchall()
    report.clusters = len(sizes)
    report.largest_cluster = int(sizes[0][1]) if sizes else 0
    report.oversized_clusters = [
        {"cluster_id": int(c), "records": int(n)} for c, n in sizes if n > max_cluster_size
    ]
    return report


def _detach_ambiguous_undated(con: duckdb.DuckDBPyConnection, records: str, out: str) -> int:
    """Stand alone a record without a date of birth that fits another person about as well.

    A father and son who share a name and an address are told apart by their dates of
    birth; a record with none could be either. Linking it to one would put one's history on
    the other's record, so it stays alone and its pairs go to the review queue.
    """
    con.execute(
        f"""
        create or replace table fh_undated_ambiguous as
        with e as (
            select unique_id_l as a, unique_id_r as b, match_weight as w
            from fh_pairs_checked where rule is null
        ), both_ways as (select a as u, b as v, w from e union all select b, a, w from e),
        scored as (
            select x.u, x.w, cu.cluster_id = cv.cluster_id as own
            from both_ways x
            join {out} cu on cu.unique_id = x.u
            join {out} cv on cv.unique_id = x.v
            join {records} r on r.unique_id = x.u
            where r.dob is null
        ), best as (
            select u, max(w) filter (where own) as own_w, max(w) filter (where not own) as rival_w
            from scored group by u
        )
        select u as unique_id from best
        where own_w is not null and rival_w is not null
          and rival_w >= own_w - {AMBIGUITY_MARGIN} and own_w < {MANUAL_LINK_WEIGHT}
        """
    )
    # Negative labels cannot collide with the smallest-member labels of other clusters.
    con.execute(
        f"update {out} set cluster_id = -unique_id "
        "where unique_id in (select unique_id from fh_undated_ambiguous)"
    )
    return int(con.sql("select count(*) from fh_undated_ambiguous").fetchall()[0][0])


def _register_pairs(
    con: duckdb.DuckDBPyConnection, name: str, pairs: list[tuple[int, int]]
) -> None:
    ordered = [(min(a, b), max(a, b)) for a, b in pairs]
    con.register(
        f"{name}_in",
        pa.table(
            {
                "a": pa.array([p[0] for p in ordered], pa.int64()),
                "b": pa.array([p[1] for p in ordered], pa.int64()),
            }
        ),
    )
    con.execute(f"create or replace table {name} as select * from {name}_in")
    con.unregister(f"{name}_in")


def _resolve_conflicts(
    con: duckdb.DuckDBPyConnection, records: str, report: ClusterReport, max_cluster_size: int
) -> pa.Table:
    """Rebuild the components that hold a conflict; returns (unique_id, cluster_id) for them."""
    con.execute(
        """
        create or replace table fh_component_pairs as
        select l.unique_id as unique_id_l, r.unique_id as unique_id_r
        from fh_components l join fh_components r
          on l.component = r.component and l.unique_id < r.unique_id
        where l.component in (
            select component from fh_components group by 1 having count(*) > 1)
        """
    )
    con.execute(
        f"""
        create or replace table fh_conflicts as
        with unchecked as (
            select * from fh_component_pairs c
            anti join fh_pairs_checked p using (unique_id_l, unique_id_r)
        ), checked as (
            select unique_id_l, unique_id_r, {violated_rule_sql()} as rule
            from ({paired_records_sql("unchecked", records)})
            union all
            select p.unique_id_l, p.unique_id_r, p.rule from fh_pairs_checked p
            semi join fh_component_pairs c using (unique_id_l, unique_id_r)
            where p.rule is not null
        )
        select unique_id_l as a, unique_id_r as b, rule in {SOFT_RULES} as soft
        from checked where rule is not null
        union
        select n.a, n.b, false from fh_manual_nolink n
        join fh_components l on l.unique_id = n.a
        join fh_components r on r.unique_id = n.b and r.component = l.component
        """
    )
    conflicted = con.sql(
        f"""
        select distinct c.component from fh_conflicts x join fh_components c on c.unique_id = x.a
        union
        select component from fh_components group by 1 having count(*) > {max_cluster_size}
        """
    ).fetchnumpy()["component"]
    report.components_with_conflicts = len(conflicted)
    out_ids: list[int] = []
    out_clusters: list[int] = []
    if len(conflicted):
        con.register("fh_conflicted", pa.table({"component": conflicted}))
        members = con.sql(
            "select component, list(unique_id) from fh_components "
            "where component in (select component from fh_conflicted) group by 1"
        ).fetchall()
        edges = con.sql(
            """
            select c.component, list((e.score, e.a, e.b))
            from fh_edges e join fh_components c on c.unique_id = e.a
            where c.component in (select component from fh_conflicted) group by 1
            """
        ).fetchall()
        conflicts = con.sql(
            """
            select c.component, list((x.a, x.b, x.soft)) from fh_conflicts x
            join fh_components c on c.unique_id = x.a
            where c.component in (select component from fh_conflicted) group by 1
            """
        ).fetchall()
        edges_by = {
            c: [(float(s["score"] if isinstance(s, dict) else s[0]), *_ab(s)) for s in e]
            for c, e in edges
        }
        hard_by = {c: {_pair(x) for x in xs if not _is_soft(x)} for c, xs in conflicts}
        soft_by = {c: {_pair(x) for x in xs if _is_soft(x)} for c, xs in conflicts}
        undated = {
            int(u)
            for (u,) in con.sql(
                f"select unique_id from {records} where dob is null and unique_id in "
                "(select unique_id from fh_components where component in "
                "(select component from fh_conflicted))"
            ).fetchall()
        }
        kept_apart = {
            (min(int(a), int(b)), max(int(a), int(b)))
            for a, b in con.sql("select a, b from fh_manual_nolink").fetchall()
        }
        for component, nodes in members:
            assignment = constrained_merge(
                list(nodes),
                edges_by.get(component, []),
                hard_by.get(component, set()),
                soft_by.get(component, set()),
                undated,
                kept_apart,
            )
            for node, root in assignment.items():
                out_ids.append(node)
                out_clusters.append(root)
        con.unregister("fh_conflicted")
    return pa.table(
        {
            "unique_id": pa.array(out_ids, pa.int64()),
            "cluster_id": pa.array(out_clusters, pa.int64()),
        }
    )


def _ab(struct: Any) -> tuple[int, int]:
    if isinstance(struct, dict):
        values = list(struct.values())
        return int(values[1]), int(values[2])
    return int(struct[1]), int(struct[2])


def _is_soft(struct: Any) -> bool:
    values = list(struct.values()) if isinstance(struct, dict) else list(struct)
    return bool(values[2])


def _pair(struct: Any) -> tuple[int, int]:
    values = list(struct.values()) if isinstance(struct, dict) else list(struct)
    a, b = int(values[0]), int(values[1])
    return (min(a, b), max(a, b))

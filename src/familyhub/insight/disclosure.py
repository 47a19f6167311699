"""Statistical disclosure control: the one place that decides what a published count may say.

The rules are the ones official statistics producers use:

* primary suppression: a count from 1 to ``threshold`` (7 by default, 10 for some recipients)
  is replaced by ``c``; zero is published (it identifies nobody);
* rounding: every other count, totals included, is rounded to the nearest ``rounding`` (5),
  each from its true value (a total is never the sum of rounded cells);
* secondary suppression: more cells are suppressed until no suppressed cell can be worked out
  from the published totals and the other published cells.

Why a graph: within a table whose totals are published, every total is one linear equation
(``row total = sum of the row's cells``). Written with a sign flip on the totals, the cells of
a two-way table with its margins are the edges of a bipartite graph (a node per row and per
column) and the equations are its node equations. A set of suppressed cells can be solved
for exactly when a suppressed cell is a *bridge* of the graph of suppressed cells (it lies on
no cycle); cells on a cycle can be shifted round the cycle without changing any total. So
secondary suppression adds, for each bridge, the cheapest path that closes a cycle through
it. This is exact linear recoverability, which is stricter than what an attacker could do
with rounded figures.

Only dimensions that split the counted units into disjoint parts ("additive": each family
has one area; each family-need pair is first identified in one month) get totals. Needs are
not additive (a family with three needs is in three cells), so no total across needs is
published; each need is then a table of its own ("slice"). At most two additive dimensions.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TOTAL = "Total"
SUPPRESSED = "c"

# Costs that steer secondary suppression: hide small non-zero cells first, totals reluctantly
# (they are what planners read), the grand total most reluctantly, and zeros only as a last
# resort (a zero known to be structural protects nothing).
_MARGIN_FACTOR = 3
_GRAND_TOTAL_FACTOR = 10
_ZERO_COST = 10**12


class DisclosureError(ValueError):
    """A table cannot be published under the rules (e.g. everything would be suppressed)."""


@dataclass(frozen=True)
class DisclosureRules:
    """Primary suppression threshold (1..threshold hidden) and the rounding base."""

    threshold: int = 7
    rounding: int = 5

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("the suppression threshold must be at least 1")
        if self.rounding < 1:
            raise ValueError("the rounding base must be at least 1")

    def is_small(self, count: int) -> bool:
        return 1 <= count <= self.threshold

    def round(self, count: int) -> int:
        # Half-way cases round up; counts are whole numbers so with base 5 there are none.
        return ((count + self.rounding // 2) // self.rounding) * self.rounding


@dataclass(frozen=True)
class PublishedCell:
    """One figure of a controlled table: its key (``TOTAL`` where summed) and what is shown."""

    key: tuple[str, ...]
    value: int | None  # None: suppressed

    @property
    def shown(self) -> str:
        return SUPPRESSED if self.value is None else str(self.value)

    @property
    def is_total(self) -> bool:
        return TOTAL in self.key


@dataclass
class ControlledTable:
    """A table that has passed disclosure control; nothing in it needs checking again."""

    dims: tuple[str, ...]
    additive: tuple[str, ...]
    measure: str
    rules: DisclosureRules
    cells: list[PublishedCell]
    primary_suppressed: int
    secondary_suppressed: int
    _index: dict[tuple[str, ...], PublishedCell] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {cell.key: cell for cell in self.cells}

    def __getitem__(self, key: tuple[str, ...]) -> PublishedCell:
        return self._index[key]

    @property
    def suppressed(self) -> int:
        return self.primary_suppressed + self.secondary_suppressed

    def rows(self) -> list[dict[str, str]]:
        """The table as CSV rows: one column per dimension, then the measure."""
        return [
            {**dict(zip(self.dims, cell.key, strict=True)), self.measure: cell.shown}
            for cell in self.cells
        ]


@dataclass
class _Edge:
    key: tuple[str, ...]
    true_value: int
    u: int
    v: int
    cost: int
    suppressed: bool = False


def control_table(
    counts: Mapping[tuple[str, ...], int],
    *,
    dims: Sequence[str],
    additive: Collection[str] = (),
    levels: Mapping[str, Sequence[str]] | None = None,
    rules: DisclosureRules | None = None,
    measure: str = "count",
) -> ControlledTable:
    """Apply primary suppression, secondary suppression and rounding to a table of counts.

    ``counts`` maps a key (one value per dimension, in ``dims`` order) to a true count; keys
    missing from it are zero. ``levels`` lists every value of a dimension (so that empty
    cells are shown as 0); by default the values seen. Totals are added over the ``additive``
    dimensions. Raises :class:`DisclosureError` when no non-zero count would survive.
    """
    rules = rules or DisclosureRules()
    dims = tuple(dims)
    if len(set(dims)) != len(dims) or not dims:
        raise ValueError(f"dimensions must be distinct and at least one: {dims}")
    unknown = set(additive) - set(dims)
    if unknown:
        raise ValueError(f"additive dimensions {sorted(unknown)} are not among {dims}")
    additive_dims = tuple(d for d in dims if d in set(additive))
    if len(additive_dims) > 2:
        raise ValueError("at most two dimensions can carry totals")
    for key, count in counts.items():
        if len(key) != len(dims):
            raise ValueError(f"key {key} does not have one value per dimension {dims}")
        if count < 0:
            raise ValueError(f"count for {key} is negative")
    all_levels = _levels(counts, dims, levels)

    edges: list[_Edge] = []
    for slice_edges in _slices(counts, dims, additive_dims, all_levels, rules):
        _suppress(slice_edges)
        if _nothing_left(slice_edges):
            # Hiding the next smallest cell left this table with no figure but its totals;
            # hiding totals instead may keep the cells, which is what the breakdown is for.
            retry = _with_totals_cheapest(slice_edges, rules)
            _suppress(retry)
            if not _nothing_left(retry):
                slice_edges = retry
        edges.extend(slice_edges)

    _refuse_if_nothing_left(edges, dims, rules)
    cells = [
        PublishedCell(e.key, None if e.suppressed else rules.round(e.true_value)) for e in edges
    ]
    primary = sum(1 for e in edges if rules.is_small(e.true_value))
    return ControlledTable(
        dims=dims,
        additive=additive_dims,
        measure=measure,
        rules=rules,
        cells=cells,
        primary_suppressed=primary,
        secondary_suppressed=sum(1 for e in edges if e.suppressed) - primary,
    )


def _levels(
    counts: Mapping[tuple[str, ...], int],
    dims: tuple[str, ...],
    levels: Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for i, dim in enumerate(dims):
        seen = sorted({key[i] for key in counts})
        given = list(levels[dim]) if levels and dim in levels else seen
        missing = set(seen) - set(given)
        if missing:
            raise ValueError(f"values {sorted(missing)} of {dim!r} are not among its levels")
        if TOTAL in given:
            raise ValueError(f"{TOTAL!r} is reserved for totals and cannot be a value of {dim!r}")
        result[dim] = given
    return result


def _slices(
    counts: Mapping[tuple[str, ...], int],
    dims: tuple[str, ...],
    additive_dims: tuple[str, ...],
    levels: Mapping[str, list[str]],
    rules: DisclosureRules,
) -> Iterable[list[_Edge]]:
    """Yield each independent sub-table as graph edges (one per cell, totals included)."""
    fixed_dims = [d for d in dims if d not in additive_dims]
    row_dim = additive_dims[0] if additive_dims else None
    col_dim = additive_dims[1] if len(additive_dims) == 2 else None
    rows: list[str | None] = [*levels[row_dim], TOTAL] if row_dim else [None]
    cols: list[str | None] = [*levels[col_dim], TOTAL] if col_dim else [None]

    for fixed in _product([levels[d] for d in fixed_dims]):
        base = dict(zip(fixed_dims, fixed, strict=True))
        true: dict[tuple[str | None, str | None], int] = {}
        for r in rows:
            for c in cols:
                if r == TOTAL or c == TOTAL:
                    continue
                true[(r, c)] = counts.get(_key(dims, base, row_dim, r, col_dim, c), 0)
        # Totals are true sums, rounded later on their own (never sums of rounded cells).
        for (r, c), value in list(true.items()):
            if row_dim:
                true[(TOTAL, c)] = true.get((TOTAL, c), 0) + value
            if col_dim:
                true[(r, TOTAL)] = true.get((r, TOTAL), 0) + value
            if row_dim and col_dim:
                true[(TOTAL, TOTAL)] = true.get((TOTAL, TOTAL), 0) + value
        yield _edges_for(true, dims, base, row_dim, col_dim, rows, cols, rules)


def _edges_for(
    true: Mapping[tuple[str | None, str | None], int],
    dims: tuple[str, ...],
    base: Mapping[str, str],
    row_dim: str | None,
    col_dim: str | None,
    rows: list[str | None],
    cols: list[str | None],
    rules: DisclosureRules,
) -> list[_Edge]:
    # Nodes: one per line that is an equation. With two additive dimensions every row and
    # column (totals included) is an equation. With one, the single line is an equation and
    # every cell's other end is a "ground" node with none. With none, there is no equation.
    row_node = {r: i for i, r in enumerate(rows)}
    col_node = {c: len(rows) + i for i, c in enumerate(cols)}
    edges = []
    for r in rows:
        for c in cols:
            if (r, c) not in true:
                continue
            value = true[(r, c)]
            if col_dim:
                u, v = row_node[r], col_node[c]
            elif row_dim:
                u, v = 0, 1  # the line, and ground
            else:
                u, v = 0, 0  # a lone cell: a self-loop is never a bridge
            n_totals = (r == TOTAL) + (c == TOTAL)
            edges.append(
                _Edge(
                    key=_key(dims, base, row_dim, r, col_dim, c),
                    true_value=value,
                    u=u,
                    v=v,
                    cost=_cost(value, n_totals),
                    suppressed=rules.is_small(value),
                )
            )
    return edges


def _nothing_left(edges: Sequence[_Edge]) -> bool:
    inner = [e for e in edges if TOTAL not in e.key and e.true_value > 0]
    return bool(inner) and all(e.suppressed for e in inner)


def _with_totals_cheapest(edges: Sequence[_Edge], rules: DisclosureRules) -> list[_Edge]:
    """The same sub-table, primary suppression only, with totals the cheapest to hide."""
    return [
        _Edge(
            key=e.key,
            true_value=e.true_value,
            u=e.u,
            v=e.v,
            cost=max(1, e.true_value) if TOTAL in e.key else e.cost * _GRAND_TOTAL_FACTOR,
            suppressed=rules.is_small(e.true_value),
        )
        for e in edges
    ]


def _cost(value: int, n_totals: int) -> int:
    if value == 0:
        return _ZERO_COST
    if n_totals == 2:
        return value * _GRAND_TOTAL_FACTOR
    return value * (_MARGIN_FACTOR if n_totals else 1)


def _key(
    dims: tuple[str, ...],
    base: Mapping[str, str],
    row_dim: str | None,
    r: str | None,
    col_dim: str | None,
    c: str | None,
) -> tuple[str, ...]:
    values = dict(base)
    if row_dim is not None and r is not None:
        values[row_dim] = r
    if col_dim is not None and c is not None:
        values[col_dim] = c
    return tuple(values[d] for d in dims)


def _product(lists: list[list[str]]) -> Iterable[tuple[str, ...]]:
    result: list[tuple[str, ...]] = [()]
    for values in lists:
        result = [(*prefix, v) for prefix in result for v in values]
    return result


def _suppress(edges: list[_Edge]) -> None:
    """Secondary suppression: close a cycle through every suppressed cell that is a bridge."""
    adjacency: dict[int, list[int]] = defaultdict(list)
    for i, edge in enumerate(edges):
        adjacency[edge.u].append(i)
        if edge.v != edge.u:
            adjacency[edge.v].append(i)
    while True:
        bridges = find_bridges(_edges_of(edges, suppressed_only=True))
        if not bridges:
            return
        # Repair one bridge at a time: one repair often closes the cycle for several.
        for bridge in sorted(bridges)[:1]:
            path = _cheapest_path(edges, adjacency, bridge)
            if path is None:
                raise DisclosureError(
                    f"cannot protect the count at {edges[bridge].key}: the table has no other "
                    "cells to hide it among"
                )
            for i in path:
                edges[i].suppressed = True


def _edges_of(edges: Sequence[_Edge], *, suppressed_only: bool) -> list[tuple[int, int, int]]:
    return [(i, e.u, e.v) for i, e in enumerate(edges) if e.suppressed or not suppressed_only]


def find_bridges(edges: Sequence[tuple[int, int, int]]) -> set[int]:
    """Ids of the bridges of a multigraph given as (edge id, u, v); self-loops never are."""
    adjacency: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for edge_id, u, v in edges:
        if u == v:
            continue
        adjacency[u].append((v, edge_id))
        adjacency[v].append((u, edge_id))
    discovered: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: set[int] = set()
    counter = 0
    for start in list(adjacency):
        if start in discovered:
            continue
        discovered[start] = low[start] = counter
        counter += 1
        # Iterative DFS (tables can be deep enough to exhaust Python's recursion limit).
        stack: list[tuple[int, int, int]] = [(start, -1, 0)]
        while stack:
            node, via_edge, next_index = stack[-1]
            neighbours = adjacency[node]
            if next_index < len(neighbours):
                stack[-1] = (node, via_edge, next_index + 1)
                other, edge_id = neighbours[next_index]
                if edge_id == via_edge:
                    continue
                if other in discovered:
                    low[node] = min(low[node], discovered[other])
                else:
                    discovered[other] = low[other] = counter
                    counter += 1
                    stack.append((other, edge_id, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > discovered[parent]:
                        bridges.add(via_edge)
    return bridges


def _cheapest_path(
    edges: Sequence[_Edge], adjacency: Mapping[int, list[int]], bridge: int
) -> list[int] | None:
    """Unsuppressed edges on the cheapest path between the bridge's ends that avoids it."""
    source, target = edges[bridge].u, edges[bridge].v
    best: dict[int, int] = {source: 0}
    came_by: dict[int, int] = {}
    queue: list[tuple[int, int]] = [(0, source)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == target:
            break
        if cost > best.get(node, cost):
            continue
        for edge_id in adjacency[node]:
            if edge_id == bridge:
                continue
            edge = edges[edge_id]
            other = edge.v if edge.u == node else edge.u
            step = 0 if edge.suppressed else edge.cost
            if cost + step < best.get(other, cost + step + 1):
                best[other] = cost + step
                came_by[other] = edge_id
                heapq.heappush(queue, (cost + step, other))
    if target not in came_by:
        return None
    path = []
    node = target
    while node != source:
        edge_id = came_by[node]
        if not edges[edge_id].suppressed:
            path.append(edge_id)
        edge = edges[edge_id]
        node = edge.u if edge.v == node else edge.v
    return path


def _refuse_if_nothing_left(
    edges: Sequence[_Edge], dims: tuple[str, ...], rules: DisclosureRules
) -> None:
    if _nothing_left(edges):
        raise DisclosureError(
            f"The breakdown by {', '.join(dims)} is too fine: every non-zero count would be "
            f"suppressed (counts of 1 to {rules.threshold} are hidden, and others to protect "
            "them). Use fewer dimensions, coarser areas or a shorter period; nothing was written."
        )

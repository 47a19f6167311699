"""The linkage pipeline inside DuckDB: prepare, (train), score, cluster, golden values.

No application-database access here: ``service`` loads the inputs and writes the outputs, so
this part can be run and measured on any Arrow table of source records (tests, benchmarks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import pyarrow as pa

from familyhub import duck
from familyhub.linkage import clustering, features, model, scorer

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608


class Scorer(Protocol):
    """Scores the candidate pairs of a DuckDB table into ``fh_pairs`` (another backend)."""

    def __call__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        trained: dict[str, Any],
        *,
        threshold_probability: float,
    ) -> int: ...


# Pairs at or above this probability are links (subject to the cannot-link rules); pairs
# between the two thresholds go to the review queue. The rules, not these numbers, keep
# families apart: quality barely moves between 0.5 and 0.99 (docs/linkage.md).
LINK_PROBABILITY = 0.95
REVIEW_PROBABILITY = 0.5
# A partner's own person id is near-certain evidence, still checked by the rules.
PARTNER_ID_WEIGHT = 60.0


@dataclass
class Decisions:
    """Manual decisions as pairs of source record ids."""

    links: list[tuple[int, int]] = field(default_factory=list)
    do_not_link: list[tuple[int, int]] = field(default_factory=list)


class Stages:
    """Wall-clock and CPU seconds per stage of a run. CPU time is the whole process's, DuckDB's
    threads included, so on a shared machine it shows the work apart from the waiting."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.mark()

    def mark(self) -> None:
        """Start timing the next stage here."""
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        """The stage ``name`` ends here (a repeated name adds up); the next one starts."""
        self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - self._wall
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - self._cpu
        self.mark()

    def update(self, other: Stages) -> None:
        self.wall.update(other.wall)
        self.cpu.update(other.cpu)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            "timings_seconds": {k: round(v, 2) for k, v in self.wall.items()},
            "cpu_seconds": {k: round(v, 2) for k, v in self.cpu.items()},
        }


@dataclass
class PipelineResult:
    features: features.FeatureReport
    clusters: clustering.ClusterReport
    trained: dict[str, Any]
    training_summary: dict[str, Any] | None
    pairs_scored: int
    stages: Stages = field(default_factory=Stages)


def connect(
    path: str = ":memory:", *, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    con = duck.connect(path)
    # No extension may be downloaded at run time; everything used is built in.
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")
    # Timestamps leave DuckDB as naive UTC (``store`` marks them UTC on the way out).
    con.execute("set TimeZone = 'UTC'")
    if memory_limit:
        con.execute(f"set memory_limit = '{memory_limit}'")
    return con


def run(
    con: duckdb.DuckDBPyConnection,
    records: pa.Table | str,
    *,
    trained: dict[str, Any] | None,
    decisions: Decisions | None = None,
    link_probability: float = LINK_PROBABILITY,
    review_probability: float = REVIEW_PROBABILITY,
    tf_schema: str | None = None,
    scorer_on: Scorer | None = None,
) -> PipelineResult:
    """Prepare ``records``, train if ``trained`` is None, score and cluster.

    ``tf_schema``: score with the term frequencies stored there (an incremental run scores a
    subset of records; frequencies must stay the population's).

    Leaves in ``con``: ``fh_raw`` (rows), ``fh_records`` (linkage units), ``fh_pairs_checked``
    (scored pairs with any rule they break), ``fh_clusters`` (unit -> cluster) and
    ``fh_record_cluster`` (row id -> cluster).
    """
    stages = Stages()
    report = features.prepare(con, records)
    stages.lap("prepare")
    if report.units == 0 or (report.units < 2 and trained is None):
        raise ValueError(
            "fewer than two active source records: nothing to link (load sources first: "
            "familyhub ingest)"
        )
    if tf_schema is None:
        scorer.store_term_frequencies(con)
    summary = None
    if trained is None:
        stages.mark()
        trained, summary = model.train(con, "fh_records")
        stages.lap("train")
    stages.mark()
    if scorer_on is not None:
        n_pairs = scorer_on(con, "fh_records", trained, threshold_probability=review_probability)
    elif tf_schema is None:
        n_pairs = model.score(con, "fh_records", trained, threshold_probability=review_probability)
    else:
        n_pairs = scorer.score_with_stored_tf(
            con,
            "fh_records",
            trained,
            threshold_probability=review_probability,
            tf_schema=tf_schema,
        )
    con.execute(
        f"""
        insert into fh_pairs
        select least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r),
               {PARTNER_ID_WEIGHT}, 1.0
        from fh_partner_pairs
        """
    )
    con.execute(
        "create or replace table fh_pairs as select unique_id_l, unique_id_r, "
        "max(match_weight) as match_weight, max(match_probability) as match_probability "
        "from fh_pairs group by 1, 2"
    )
    stages.lap("score")
    decisions = decisions or Decisions()
    cluster_report = clustering.cluster(
        con,
        records="fh_records",
        pairs="fh_pairs",
        link_probability=link_probability,
        manual_links=_to_units(con, decisions.links),
        manual_nolinks=_to_units(con, decisions.do_not_link),
    )
    con.execute(
        """
        create or replace table fh_record_cluster as
        select m.id, c.cluster_id from fh_unit_members m join fh_clusters c
        on c.unique_id = m.unit_id
        """
    )
    stages.lap("cluster")
    return PipelineResult(
        features=report,
        clusters=cluster_report,
        trained=trained,
        training_summary=summary,
        pairs_scored=n_pairs,
        stages=stages,
    )


def _to_units(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Decisions name source records; the clustering works on linkage units."""
    if not pairs:
        return []
    unit = dict(con.sql("select id, unit_id from fh_unit_members").fetchall())
    out = []
    for a, b in pairs:
        ua, ub = unit.get(a), unit.get(b)
        if ua is not None and ub is not None and ua != ub:
            out.append((int(ua), int(ub)))
    return out


def review_candidates(
    con: duckdb.DuckDBPyConnection, *, link_probability: float = LINK_PROBABILITY
) -> list[tuple[Any, ...]]:
    """Pairs in the uncertain band, or strong pairs left apart because a record fits two people.

    Rows: (record_a, record_b, match_weight, match_probability, cluster_a, cluster_b, reason).
    """
    return con.sql(
        f"""
        select p.unique_id_l, p.unique_id_r, p.match_weight, p.match_probability,
               a.cluster_id, b.cluster_id,
               case when p.match_probability >= {link_probability}
                    then 'fits more than one person: left apart'
                    else 'uncertain score' end
        from fh_pairs_checked p
        join fh_clusters a on a.unique_id = p.unique_id_l
        join fh_clusters b on b.unique_id = p.unique_id_r
        where a.cluster_id <> b.cluster_id and p.rule is null
        order by p.match_weight desc
        """
    ).fetchall()


def build_link_rows(
    con: duckdb.DuckDBPyConnection, person_of_cluster: dict[int, str], manual_ids: set[int]
) -> None:
    """Table ``fh_link_rows``: per source row its person, link kind and best in-cluster score."""
    con.register(
        "fh_cluster_person_in",
        pa.table(
            {
                "cluster_id": pa.array(list(person_of_cluster), pa.int64()),
                "person_id": pa.array(list(person_of_cluster.values()), pa.string()),
            }
        ),
    )
    con.execute("create or replace table fh_cluster_person as select * from fh_cluster_person_in")
    con.unregister("fh_cluster_person_in")
    con.register("fh_manual_ids_in", pa.table({"id": pa.array(sorted(manual_ids), pa.int64())}))
    con.execute("create or replace table fh_manual_ids as select * from fh_manual_ids_in")
    con.unregister("fh_manual_ids_in")
    con.execute(
        """
        create or replace table fh_unit_score as
        with e as (
            select p.unique_id_l as a, p.unique_id_r as b, p.match_weight as w,
                   p.match_probability as pr
            from fh_pairs_checked p
            join fh_clusters x on x.unique_id = p.unique_id_l
            join fh_clusters y on y.unique_id = p.unique_id_r
            where x.cluster_id = y.cluster_id and p.rule is null
        ), both_ends as (select a as u, w, pr from e union all select b, w, pr from e)
        select u as unit_id, max(w) as score, max(pr) as match_probability
        from both_ends group by 1
        """
    )
    con.execute(
        """
        create or replace table fh_link_rows as
        select r.id, r.source, r.record_id, cp.person_id,
               case when r.id in (select id from fh_manual_ids) then 'manual' else 'auto' end
                   as kind,
               case when m.unit_id <> m.id and s.score is null then null else s.score end
                   as score,
               s.match_probability
        from fh_raw r
        join fh_unit_members m on m.id = r.id
        join fh_record_cluster rc on rc.id = r.id
        join fh_cluster_person cp on cp.cluster_id = rc.cluster_id
        left join fh_unit_score s on s.unit_id = m.unit_id
        """
    )
    con.execute(
        "create or replace table fh_record_person as select id, person_id from fh_link_rows"
    )

"""Linkage quality against synthetic ground truth: pairwise and B-cubed, overall and per group.

``truth`` is a DuckDB table ``(unique_id, true_person, name_origin)`` and optionally
``birth_group`` (persons sharing one are twins/triplets) and ``namesake_group`` (persons
sharing one are relatives with the same name, such as a father and son); ``predicted`` is
``(unique_id, cluster_id)``. Everything is computed in SQL, so a million records take seconds.
"""

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

import duckdb


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    return tuple(con.sql(sql).fetchall()[0])


def quality(con: duckdb.DuckDBPyConnection, *, truth: str, predicted: str) -> dict[str, Any]:
    """Pairwise precision/recall/F1, B-cubed precision/recall/F1, per-group recall, twins merged."""
    con.execute(
        f"""
        create or replace temp table fh_eval as
        select p.unique_id, p.cluster_id, t.true_person, t.name_origin
        from {predicted} p join {truth} t using (unique_id)
        """
    )
    result: dict[str, Any] = {"overall": _scores(con, "true")}
    groups = [
        g for (g,) in con.sql("select distinct name_origin from fh_eval order by 1").fetchall()
    ]
    result["by_name_origin"] = {
        str(g): _scores(con, f"name_origin = '{g}'") for g in groups if g is not None
    }
    columns = {c for (c,) in con.sql(f"select column_name from (describe {truth})").fetchall()}
    for column, key in (("birth_group", "twin"), ("namesake_group", "namesake")):
        if column in columns:
            result[f"{key}_pairs"], result[f"{key}_pairs_merged"] = _group_pairs(
                con, truth, predicted, column
            )
    return result


def _scores(con: duckdb.DuckDBPyConnection, where: str) -> dict[str, float]:
    # Pairs are counted over records of true persons in the group (recall) and over predicted
    # clusters restricted to the group's records (precision), so group figures add up.
    tp, predicted_pairs, true_pairs = _one(
        con,
        f"""
        with e as (select * from fh_eval where {where}),
        cells as (select count(*) as n from e group by cluster_id, true_person),
        pred as (select count(*) as n from e group by cluster_id),
        tru as (select count(*) as n from e group by true_person)
        select (select coalesce(sum(n * (n - 1) / 2), 0) from cells),
               (select coalesce(sum(n * (n - 1) / 2), 0) from pred),
               (select coalesce(sum(n * (n - 1) / 2), 0) from tru)
        """,
    )
    b_precision, b_recall, records = _one(
        con,
        f"""
        with all_e as (select * from fh_eval),
        cells as (select cluster_id, true_person, count(*) as n from all_e
                  group by 1, 2),
        pred as (select cluster_id, count(*) as n from all_e group by 1),
        tru as (select true_person, count(*) as n from all_e group by 1)
        select avg(c.n / p.n), avg(c.n / t.n), count(*)
        from all_e e
        join cells c using (cluster_id, true_person)
        join pred p using (cluster_id)
        join tru t using (true_person)
        where {where}
        """,
    )
    precision = float(tp) / float(predicted_pairs) if predicted_pairs else 1.0
    recall = float(tp) / float(true_pairs) if true_pairs else 1.0
    b_p, b_r = float(b_precision or 0), float(b_recall or 0)
    return {
        "records": int(records or 0),
        "true_pairs": int(true_pairs),
        "predicted_pairs": int(predicted_pairs),
        "pairwise_precision": precision,
        "pairwise_recall": recall,
        "pairwise_f1": _f1(precision, recall),
        "bcubed_precision": b_p,
        "bcubed_recall": b_r,
        "bcubed_f1": _f1(b_p, b_r),
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _group_pairs(
    con: duckdb.DuckDBPyConnection, truth: str, predicted: str, column: str
) -> tuple[int, int]:
    """Pairs of distinct true persons sharing ``column``, and how many were merged."""
    total, merged = _one(
        con,
        f"""
        with people as (
            select distinct t.true_person, t.{column} as g from {truth} t
            where t.{column} is not null
        ), groups as (
            select g from people group by g having count(*) > 1
        ), person_pairs as (
            select a.true_person as pa, b.true_person as pb from people a
            join people b on a.g = b.g and a.true_person < b.true_person
            where a.g in (select g from groups)
        ), clusters as (
            select distinct t.true_person, p.cluster_id from {truth} t
            join {predicted} p using (unique_id)
        )
        select (select count(*) from person_pairs),
               (select count(*) from person_pairs pp where exists (
                   select 1 from clusters ca join clusters cb on ca.cluster_id = cb.cluster_id
                   where ca.true_person = pp.pa and cb.true_person = pp.pb))
        """,
    )
    return int(total), int(merged)

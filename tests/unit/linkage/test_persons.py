"""Stable ids: clusters keep the id of the person whose records they hold; history is kept."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from familyhub.linkage.persons import assign


def _con(clusters: dict[int, int], previous: dict[int, str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register(
        "c_in", pa.table({"unique_id": list(clusters), "cluster_id": list(clusters.values())})
    )
    con.execute("create table c as select * from c_in")
    con.register(
        "p_in",
        pa.table(
            {
                "unique_id": pa.array(list(previous), pa.int64()),
                "person_id": pa.array(list(previous.values()), pa.string()),
            }
        ),
    )
    con.execute("create table p as select * from p_in")
    return con


def test_unchanged_clusters_keep_their_ids() -> None:
    con = _con({1: 1, 2: 1, 3: 3}, {1: "A", 2: "A", 3: "B"})
    result = assign(con, clusters="c", previous="p")
    assert result.person_of_cluster == {1: "A", 3: "B"}
    assert result.events == []


def test_a_merge_keeps_the_larger_id_and_records_the_other() -> None:
    con = _con({1: 1, 2: 1, 3: 1}, {1: "A", 2: "A", 3: "B"})
    result = assign(con, clusters="c", previous="p")
    assert result.person_of_cluster == {1: "A"}
    assert result.merged == {"B": "A"}
    assert [(e.event, e.person_id, e.other_person_id) for e in result.events] == [
        ("merged", "B", "A")
    ]


def test_a_split_keeps_the_id_on_the_larger_part_and_creates_one() -> None:
    con = _con({1: 1, 2: 1, 3: 3, 4: 4}, {1: "A", 2: "A", 3: "A", 4: "C"})
    result = assign(con, clusters="c", previous="p")
    assert result.person_of_cluster[1] == "A"
    new_id = result.person_of_cluster[3]
    assert new_id in result.new_ids
    kinds = {(e.event, e.person_id, e.other_person_id) for e in result.events}
    assert ("split", new_id, "A") in kinds
    assert ("created", new_id, None) in kinds


def test_a_person_whose_records_all_went_is_retired() -> None:
    con = _con({1: 1}, {1: "A", 2: "B"})
    con.execute("delete from p where unique_id = 2")
    con.execute("insert into p values (99, 'B')")
    result = assign(con, clusters="c", previous="p")
    assert "B" in result.retired

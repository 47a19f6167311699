"""DuckDB connections for the set-based steps (linkage, families, needs, insight).

Every connection spills to a folder in the data directory, not DuckDB's default ``.tmp`` in
whatever directory the command was started from (which left gigabytes of temporary files in
a checkout when a big run was stopped).
"""

from __future__ import annotations

import duckdb

from familyhub.config import get_settings


def connect(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    # DuckDB makes the folder only when it first spills.
    spill = get_settings().data_dir / "duckdb-tmp"
    con = duckdb.connect(path)
    con.execute("SET temp_directory = ?", [str(spill)])
    return con

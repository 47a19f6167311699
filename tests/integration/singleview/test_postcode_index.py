"""The district and sector search (postcode LIKE 'NS3 7%') is served by ix_person_postcode."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from familyhub.identity.postcodes import parse_postcode
from familyhub.linkage.models import Person
from familyhub.singleview.search import _lookup_candidates


def test_the_district_and_sector_search_uses_the_postcode_index(session: Session) -> None:
    connection = session.connection()
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(connection).get_indexes("person")}
    assert indexes.get("ix_person_postcode") == ["postcode"]
    session.add_all(
        Person(id=f"Pidx{n:05d}", status="active", postcode=f"ZZ{n % 40} {n % 9}AB")
        for n in range(2000)
    )
    session.flush()
    dialect = connection.dialect.name
    connection.execute(text("ANALYZE person" if dialect == "postgresql" else "ANALYZE"))
    if dialect == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))

    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", keep)
    try:
        found = _lookup_candidates(
            session, {"postcode": parse_postcode("ZZ7", allow_partial=True)}, 500
        )
    finally:
        event.remove(connection, "before_cursor_execute", keep)
    assert found
    assert all(p.startswith("Pidx") for p in found)
    (statement, parameters), *_ = [s for s in statements if "LIKE" in s[0].upper()]
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    if dialect == "postgresql":
        cursor.execute("EXPLAIN " + statement, parameters)
    else:
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    plan = " ".join(str(row) for row in cursor.fetchall())
    assert "ix_person_postcode" in plan, plan

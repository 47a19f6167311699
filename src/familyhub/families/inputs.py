"""What families and needs are built from: source records and events, and the links that
say which person each source record is.

The links come from linkage's table once it holds them, or from a CSV file of
``source, record_id, person_id`` (what ``familyhub export links`` writes, or a synthetic
truth), so families and needs can be measured "given the linkage".
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from familyhub.families.tables import read_arrow

LINKS_SCHEMA = pa.schema(
    [("source", pa.string()), ("record_id", pa.string()), ("person_id", pa.string())]
)
# Linkage's table of record -> person links: the first of these that exists is used.
LINK_TABLES = (
    ("person_link", "record_id"),
    ("source_link", "record_id"),
    ("link", "record_id"),
)


class NoLinksError(RuntimeError):
    """There is nothing saying which person each source record is."""


def read_links_file(path: Path) -> pa.Table:
    header = path.open(encoding="utf-8").readline()
    fields = [f.strip().strip('"') for f in header.strip().split(",")]
    record_key = "record_id" if "record_id" in fields else "source_record_id"
    if not {"source", record_key, "person_id"} <= set(fields):
        raise NoLinksError(
            f"{path}: a links file needs the columns source, record_id (or "
            "source_record_id) and person_id"
        )
    table = pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            include_columns=["source", record_key, "person_id"],
            column_types={c: pa.string() for c in ("source", record_key, "person_id")},
        ),
    )
    columns = table.select(["source", record_key, "person_id"])
    return columns.rename_columns(LINKS_SCHEMA.names).cast(LINKS_SCHEMA)


def read_links(session: Session, links_file: Path | None = None) -> pa.Table:
    """Every source record's person: from ``links_file`` if given, else linkage's table."""
    if links_file is not None:
        return read_links_file(links_file)
    inspector = inspect(session.connection())
    for table, record_column in LINK_TABLES:
        if not inspector.has_table(table):
            continue
        columns = {c["name"] for c in inspector.get_columns(table)}
        if {"source", record_column, "person_id"} <= columns:
            status = " WHERE status = 'active'" if "status" in columns else ""
            sql = f"SELECT source, {record_column}, person_id FROM {table}{status}"  # noqa: S608
            links = read_arrow(session, sql, LINKS_SCHEMA)
            if links.num_rows:
                return links
    raise NoLinksError(
        "no links yet: run `familyhub link` first, or give --links FILE "
        "(columns source, record_id, person_id)"
    )


RECORDS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("date_of_birth", pa.date32()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("uprn", pa.string()),
        ("family_name", pa.string()),
    ]
)


def read_records(session: Session) -> pa.Table:
    sql = (
        "SELECT source, record_id, date_of_birth, address, postcode, uprn, family_name_match "
        "FROM source_record "
        "WHERE status = 'active'"
    )
    return read_arrow(session, sql, RECORDS_SCHEMA)


EVENTS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("event_id", pa.string()),
        ("event_type", pa.string()),
        ("event_date", pa.date32()),
        ("end_date", pa.date32()),
        ("description", pa.string()),
        ("attributes", pa.string()),
    ]
)


def read_events(session: Session, event_types: list[str] | None = None) -> pa.Table:
    where = ""
    if event_types is not None:
        quoted = ", ".join("'" + t.replace("'", "''") + "'" for t in sorted(event_types))
        where = f" WHERE e.event_type IN ({quoted})"
    columns = "e.source, e.record_id, e.event_id, e.event_type, e.event_date, e.end_date"
    columns += ", e.description, CAST(e.attributes AS TEXT)"
    sql = f"SELECT {columns} FROM source_event e{where}"  # noqa: S608
    return read_arrow(session, sql, EVENTS_SCHEMA)


RELATIONSHIPS_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_id", pa.string()),
        ("related_record_id", pa.string()),
        ("relationship", pa.string()),
    ]
)


def read_relationships(session: Session) -> pa.Table:
    sql = (
        "SELECT source, record_id, related_record_id, relationship FROM source_relationship "
        "WHERE related_record_id IS NOT NULL"
    )
    return read_arrow(session, sql, RELATIONSHIPS_SCHEMA)


MEMBERS_SCHEMA = pa.schema(
    [
        ("family_id", pa.string()),
        ("person_id", pa.string()),
        ("role", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("date_of_birth", pa.date32()),
    ]
)


def read_members(session: Session) -> pa.Table:
    # Only families that exist now are assessed; their past members' events count up to
    # the day they left.
    sql = (
        "SELECT m.family_id, m.person_id, m.role, m.valid_from, m.valid_to, m.date_of_birth "
        "FROM family_member m "
        "JOIN family f ON f.id = m.family_id WHERE f.status = 'active'"
    )
    return read_arrow(session, sql, MEMBERS_SCHEMA)

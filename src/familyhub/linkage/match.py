"""``match``: candidate persons for one set of identity fields, creating nothing.

The query is normalised with the same standardisers as loaded records, prepared like a source
record, and scored with the saved model against the last run's records (``predict_between``,
blocking as in a run, so it costs milliseconds rather than a scan). Each candidate person gets
the best score of any of their records, and a note when a cannot-link rule applies (a twin
with the same surname and birthday is shown, but never as the same person).

A ``Matcher`` keeps its DuckDB connection and linker between calls (the web search holds one);
it reopens itself when a new run has replaced the linkage cache.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from familyhub.identity.names import match_name
from familyhub.identity.numbers import normalise_nhs_number, normalise_ni_number, normalise_upn
from familyhub.identity.postcodes import parse_postcode
from familyhub.linkage import features, scorer
from familyhub.linkage.constraints import paired_records_sql, violated_rule_sql

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

QUERY_ID = -1
MIN_PROBABILITY = 0.01


@dataclass
class Candidate:
    person_id: str
    match_probability: float
    match_weight: float
    best_record_id: int
    cannot_link_rule: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "match_probability": round(self.match_probability, 6),
            "match_weight": round(self.match_weight, 2),
            "best_record_id": self.best_record_id,
            "cannot_link_rule": self.cannot_link_rule,
        }


def _safe(function: Any, value: Any) -> Any:
    try:
        return function(value)
    except ValueError:
        return None


def query_row(fields: dict[str, Any]) -> pa.Table:
    """One source-record-shaped row from free identity fields (invalid identifiers dropped)."""
    postcode = parse_postcode(fields.get("postcode")) if fields.get("postcode") else None
    dob = fields.get("date_of_birth")
    if isinstance(dob, str) and dob:
        dob = date.fromisoformat(dob)
    row: dict[str, Any] = {
        "id": QUERY_ID,
        "source": "query",
        "record_id": "query",
        "partner_person_id": None,
        "status": "active",
        "given_name": fields.get("given_name"),
        "family_name": fields.get("family_name"),
        "given_name_match": match_name(fields.get("given_name")),
        "family_name_match": match_name(fields.get("family_name")),
        "other_names": fields.get("other_names"),
        "date_of_birth": dob or None,
        "sex": (fields.get("sex") or None),
        "nhs_number": _safe(normalise_nhs_number, fields.get("nhs_number")),
        "ni_number": _safe(normalise_ni_number, fields.get("ni_number")),
        "upn": _safe(normalise_upn, fields.get("upn")),
        "address": fields.get("address"),
        "postcode": postcode.unit if postcode else None,
        "postcode_sector": postcode.sector if postcode else None,
        "postcode_district": postcode.district if postcode else None,
        "uprn": fields.get("uprn"),
        "phone": fields.get("phone"),
        "email": fields.get("email"),
        "updated_at": datetime.now(UTC),
    }
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("date_of_birth", pa.date32()),
            ("updated_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    arrays = {}
    for key, value in row.items():
        kind = schema.field(key).type if key in schema.names else pa.string()
        arrays[key] = pa.array([value], kind)
    return pa.table(arrays)


class Matcher:
    """Scores queries against the linkage cache at ``cache`` with model ``trained``."""

    def __init__(self, cache: Path, trained: dict[str, Any]) -> None:
        if not cache.exists():
            raise FileNotFoundError(f"no linkage results at {cache}: run `familyhub link` first")
        self.cache = cache
        self.mtime = cache.stat().st_mtime
        self.con = duckdb.connect()
        self.con.execute(f"attach '{cache}' as cache (read_only)")
        self.con.execute("create view fh_cached_records as select * from cache.fh_records")
        self.linker, self.db_api = scorer.linker_over(
            self.con, "fh_cached_records", trained, tf_schema="cache"
        )
        self.lock = threading.Lock()
        self.calls = itertools.count()

    def match(self, fields: dict[str, Any], *, limit: int = 10) -> list[Candidate]:
        with self.lock:
            return self._match(fields, limit)

    def _match(self, fields: dict[str, Any], limit: int) -> list[Candidate]:
        features.prepare(self.con, query_row(fields), table="fh_query")
        # Narrow the cache to records sharing any blocking key with the query first (a
        # filter over one table, milliseconds), so Splink joins one record to a few dozen.
        self.con.execute(
            """
            create or replace table fh_match_candidates as
            select c.* from cache.fh_records c, fh_query q
            where c.nhs_number = q.nhs_number or c.ni_number = q.ni_number or c.upn = q.upn
               or c.dob = q.dob or c.postcode = q.postcode or c.email = q.email
               or c.phone = q.phone or (c.given = q.given and c.family = q.family)
               or c.given = q.family or c.family = q.given
            """
        )
        call = next(self.calls)
        query = self.db_api.register("fh_query", table_name=f"fh_query_{call}")
        predictions = self.linker.inference.predict_between(
            query,
            self.db_api.register("fh_match_candidates", table_name=f"fh_candidates_{call}"),
            threshold_match_probability=MIN_PROBABILITY,
            warning_mode="never",
        )
        self.con.execute(
            f"create or replace table fh_query_pairs as select "
            f"least(unique_id_l, unique_id_r) as unique_id_l, "
            f"greatest(unique_id_l, unique_id_r) as unique_id_r, "
            f"match_weight, match_probability from {predictions.physical_name}"
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        self.con.execute(
            "create or replace table fh_query_records as "
            "select * from fh_query union all by name select * from cache.fh_records "
            "where unique_id in (select unique_id_r from fh_query_pairs)"
        )
        rows = self.con.sql(
            f"""
            with checked as (
                select *, {violated_rule_sql()} as rule
                from ({paired_records_sql("fh_query_pairs", "fh_query_records")})
            ), per_person as (
                select l.person_id, c.match_probability, c.match_weight, c.unique_id_r,
                       c.rule,
                       row_number() over (partition by l.person_id
                           order by (c.rule is null) desc, c.match_weight desc) as n
                from checked c join cache.fh_link_rows l on l.id = c.unique_id_r
            )
            select person_id, match_probability, match_weight, unique_id_r, rule
            from per_person where n = 1
            order by (rule is null) desc, match_weight desc limit {int(limit)}
            """
        ).fetchall()
        return [
            Candidate(str(p), float(pr), float(w), int(r), str(rule) if rule else None)
            for p, pr, w, r, rule in rows
        ]

    def close(self) -> None:
        self.con.close()


_matchers: dict[Path, Matcher] = {}
_matchers_lock = threading.Lock()


def matcher(cache: Path, trained: dict[str, Any]) -> Matcher:
    """A shared matcher for ``cache``, reopened when a run has written a new one."""
    with _matchers_lock:
        current = _matchers.get(cache)
        if current is None or current.mtime != cache.stat().st_mtime:
            if current is not None:
                current.close()
            current = Matcher(cache, trained)
            _matchers[cache] = current
        return current

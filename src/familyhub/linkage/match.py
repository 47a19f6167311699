"""``match``: candidate persons for one set of identity fields, creating nothing.

A query is answered in three steps, none of which sets Splink up again:

1. **Candidates by index.** The source records that share an identifier, the date of birth,
   the postcode, or the family name together with the given name (or one of its aliases, or
   the two swapped) are read from ``source_record`` through its indexes, with their current
   person from ``person_link``: a few dozen rows, however many people are held.
2. **Prepared in Python** (``features.prepare_row``) exactly as the run prepares them, with the
   run's placeholders blanked and the population's term frequencies from the linkage cache.
3. **Scored by one DuckDB query** compiled once per model version from Splink's own SQL (the
   same comparison vectors and match weights as ``predict``), with the cannot-link rules
   checked in the same query. Each candidate person gets the best score of any of their
   records, and a note when a rule applies (a twin with the same surname and birthday is
   shown, but never as the same person).

``Matcher`` objects are shared per linkage cache and model version (``matcher_for``); one is
replaced when a run writes a new cache or a new model becomes active.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import SettingsCreator
from splink.internals.comparison_vector_values import (
    compute_comparison_vector_values_from_id_pairs_sqls,
)
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.orm import Session

from familyhub.identity.names import match_name
from familyhub.identity.numbers import normalise_nhs_number, normalise_ni_number, normalise_upn
from familyhub.identity.postcodes import parse_postcode
from familyhub.linkage import features, pipeline, scorer
from familyhub.linkage.constraints import paired_records_sql, violated_rule_sql
from familyhub.linkage.models import LinkageModel, PersonLink
from familyhub.linkage.settings import settings_for
from familyhub.sources.models import SourceRecord

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

QUERY_ID = -1
MIN_PROBABILITY = 0.01
MAX_PER_LOOKUP = 250
# Searches scoring at the same time, each on its own DuckDB cursor (more only share the cores).
MAX_SCORERS = 4
PREPARED_COLUMNS = [
    "unique_id",
    "source",
    "partner_person_id",
    "given",
    "given_full",
    "other_given",
    "family",
    "given_aliases",
    "given_skeleton",
    "dob",
    "dob_text",
    "birth_year",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "uprn",
    "phone",
    "email",
]
# Every prepared column is text but these.
_PREPARED_TYPES = {
    "unique_id": pa.int64(),
    "birth_year": pa.int64(),
    "dob": pa.date32(),
    "given_aliases": pa.list_(pa.string()),
}
_PREPARED_SCHEMA = pa.schema(
    [(name, _PREPARED_TYPES.get(name, pa.string())) for name in PREPARED_COLUMNS]
)


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


def query_record(fields: dict[str, Any]) -> dict[str, Any]:
    """One source-record-shaped row (``features.SOURCE_COLUMNS``) from free identity fields,
    normalised like a loaded record (invalid identifiers dropped)."""
    postcode = _safe(parse_postcode, fields.get("postcode")) if fields.get("postcode") else None
    dob = fields.get("date_of_birth")
    if isinstance(dob, str):
        dob = _safe(date.fromisoformat, dob.strip()) if dob.strip() else None
    return {
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
        "uprn": fields.get("uprn") or None,
        "phone": fields.get("phone"),
        "email": fields.get("email"),
    }


@lru_cache(maxsize=4)
def _compiled_scoring(version: str, settings_json: str) -> str:
    """The scoring query for model ``version``: Splink's comparison vectors and match
    weights for every pair of the query (``fh_match_query_in``, one prepared record) and
    the candidates (``fh_match_candidates_in``), with the cannot-link rule each pair breaks.

    Built once per model version (Splink takes tens of milliseconds to render it, more than
    a whole match should cost); ``settings_json`` travels with the version so that the cache
    can never serve another model's weights under a reused name.
    """
    trained = json.loads(settings_json)
    rendered = settings_for("duckdb", trained)
    rendered["retain_intermediate_calculation_columns"] = False
    rendered["retain_matching_columns"] = False
    settings = SettingsCreator.from_path_or_dict(rendered).get_settings("duckdb")
    steps = compute_comparison_vector_values_from_id_pairs_sqls(
        settings._columns_to_select_for_blocking,
        settings._columns_to_select_for_comparison_vector_values,
        input_tablename_l="fh_match_query",
        input_tablename_r="fh_match_candidates",
        source_dataset_input_column=settings.column_info_settings.source_dataset_input_column,
        unique_id_input_column=settings.column_info_settings.unique_id_input_column,
        link_type=settings._link_type,
        sql_dialect_str="duckdb",
    )
    steps += predict_from_comparison_vectors_sqls_using_settings(settings, MIN_PROBABILITY, None)
    ctes = [
        (
            f"fh_match_{side}",
            f"select i.*, g.tf_given, f.tf_family from fh_match_{side}_in i "
            "left join fh_tf_given g on g.given = i.given "
            "left join fh_tf_family f on f.family = i.family",
        )
        for side in ("query", "candidates")
    ]
    ctes.append(
        (
            "__splink__blocked_id_pairs",
            "select '0' as match_key, q.unique_id as join_key_l, c.unique_id as join_key_r "
            "from fh_match_query q, fh_match_candidates c",
        )
    )
    ctes += [(step["output_table_name"], step["sql"]) for step in steps]
    scored = ctes[-1][0]
    paired = paired_records_sql(scored, "fh_match_query", "fh_match_candidates")
    ctes.append(
        (
            "fh_match_checked",
            f"select s.unique_id_r, s.match_weight, s.match_probability, "
            f"{violated_rule_sql()} as rule from ({paired}) s",
        )
    )
    body = ",\n".join(f"{name} as (\n{sql}\n)" for name, sql in ctes)
    return f"with {body}\nselect * from fh_match_checked"


class Matcher:
    """Scores queries with one model against the records and persons in the database.

    ``cache`` is the last run's linkage cache: the population's term frequencies and the
    placeholders the run blanked come from it, once.
    """

    def __init__(self, cache: Path, model: LinkageModel) -> None:
        if not cache.exists():
            raise FileNotFoundError(f"no linkage results at {cache}: run `familyhub link` first")
        self.cache = cache
        self.mtime = cache.stat().st_mtime
        self.version = model.version
        self.sql = _compiled_scoring(model.version, json.dumps(model.settings, sort_keys=True))
        self.con = pipeline.connect()
        # A match scores a few hundred pairs: more threads only add hand-over on a busy
        # machine.
        self.con.execute("set threads = 1")
        self.con.execute(f"attach '{cache}' as cache (read_only)")
        for column in scorer.TF_COLUMNS:
            self.con.execute(f"create table fh_tf_{column} as select * from cache.fh_tf_{column}")
        self.placeholders = _placeholders(self.con)
        self.con.execute("detach cache")
        # Each scorer is a cursor (its own connection to this database, sharing the term
        # frequencies) with its own query and candidate tables: concurrent searches score
        # side by side instead of queueing for one connection (DuckDB plans a statement
        # again on every EXECUTE, tens of milliseconds, so a queue behind one connection
        # was the slow tail of name searches under load).
        self.lock = threading.Lock()
        self._idle: list[duckdb.DuckDBPyConnection] = []
        self._scorers: list[duckdb.DuckDBPyConnection] = []
        self._slots = threading.BoundedSemaphore(MAX_SCORERS)
        self._idle.append(self._new_scorer())  # one at once: a broken model fails here

    def _new_scorer(self) -> duckdb.DuckDBPyConnection:
        """A cursor with the query and candidate tables (temporary: its own) the scoring
        statement is prepared against, so each call only binds and runs it."""
        cursor = self.con.cursor()
        for side in ("query", "candidates"):
            cursor.register("fh_match_empty", _prepared_table([]))
            cursor.execute(f"create temp table fh_match_{side}_in as from fh_match_empty")
            cursor.unregister("fh_match_empty")
        cursor.execute(f"prepare fh_match_score as {self.sql}")
        with self.lock:
            self._scorers.append(cursor)
        return cursor

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        self._slots.acquire()
        try:
            with self.lock:
                idle = self._idle.pop() if self._idle else None
            return idle if idle is not None else self._new_scorer()
        except BaseException:
            self._slots.release()
            raise

    def _release(self, cursor: duckdb.DuckDBPyConnection) -> None:
        with self.lock:
            self._idle.append(cursor)
        self._slots.release()

    def match(
        self, fields: dict[str, Any], *, session: Session, limit: int = 10
    ) -> list[Candidate]:
        """Candidate persons for ``fields``, best first; those a cannot-link rule separates
        from the query (a twin) come last, with the rule named."""
        scored, person_of = self.scores(fields, session=session)
        best: dict[str, Candidate] = {}
        # Best record per person: one no rule forbids first, then by weight.
        for record_id, weight, probability, rule in sorted(
            scored, key=lambda s: (s[3] is not None, -s[1], s[0])
        ):
            person_id = person_of[record_id]
            if person_id not in best:
                best[person_id] = Candidate(person_id, probability, weight, record_id, rule)
        ranked = sorted(
            best.values(),
            key=lambda c: (c.cannot_link_rule is not None, -c.match_weight, c.person_id),
        )
        return ranked[:limit]

    def scores(
        self, fields: dict[str, Any], *, session: Session
    ) -> tuple[list[tuple[int, float, float, str | None]], dict[int, str]]:
        """Every candidate record's (id, match weight, probability, cannot-link rule) at or
        above ``MIN_PROBABILITY``, and each candidate record's person."""
        query = features.prepare_row(query_record(fields), placeholders=self.placeholders)
        assert query is not None  # a query is never withdrawn
        person_of: dict[int, str] = {}
        prepared: list[dict[str, Any]] = []
        for row, person_id in candidate_records(session, query):
            record = features.prepare_row(row, placeholders=self.placeholders)
            if record is not None and record["unique_id"] not in person_of:
                person_of[record["unique_id"]] = person_id
                prepared.append(record)
        if not prepared:
            return [], person_of
        return self._score(query, prepared), person_of

    def _score(
        self, query: dict[str, Any], candidates: list[dict[str, Any]]
    ) -> list[tuple[int, float, float, str | None]]:
        cursor = self._acquire()
        try:
            for side, prepared in (("query", [query]), ("candidates", candidates)):
                cursor.execute(f"delete from fh_match_{side}_in")
                cursor.register("fh_match_rows", _prepared_table(prepared))
                try:
                    cursor.execute(f"insert into fh_match_{side}_in from fh_match_rows")
                finally:
                    cursor.unregister("fh_match_rows")
            rows = cursor.execute("execute fh_match_score").fetchall()
        finally:
            self._release(cursor)
        return [(int(r), float(w), float(p), str(rule) if rule else None) for r, w, p, rule in rows]

    def close(self) -> None:
        with self.lock:
            scorers, self._scorers, self._idle = self._scorers, [], []
        for cursor in scorers:
            cursor.close()
        self.con.close()


def _prepared_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=_PREPARED_SCHEMA)


def _placeholders(con: duckdb.DuckDBPyConnection) -> dict[str, set[Any]]:
    """The values the last full run blanked as placeholders (field -> values)."""
    found = {
        name
        for (name,) in con.sql(
            "select table_name from information_schema.tables where table_catalog = 'cache'"
        ).fetchall()
    }
    if "fh_placeholders" not in found:
        return {}
    out: dict[str, set[Any]] = {}
    for field, value in con.sql("select field, value from cache.fh_placeholders").fetchall():
        parsed: Any = date.fromisoformat(value) if field == "date_of_birth" else value
        out.setdefault(str(field), set()).add(parsed)
    return out


def _name_forms(name: str) -> list[str]:
    """A given name as it may be stored: itself and its aliases (nickname and full form,
    spelling variants), so that "Bill Smith" finds William Smith's records."""
    return sorted({name, *features.name_aliases(name)})


def _first_word_in(column: Any, names: Iterable[str]) -> Any:
    """``column``'s first word is one of ``names`` (the column holds the whole given name)."""
    names = list(names)
    return or_(column.in_(names), *(column.like(f"{n} %") for n in names))


def _capped(condition: Any) -> Select[Any]:
    # A key held by hundreds of records (a common name without a date of birth, a block of
    # flats) cannot narrow a search alone; its candidates would all score alike.
    inner = select(SourceRecord.id).where(condition).limit(MAX_PER_LOOKUP).subquery()
    return select(inner.c.id)


def _lookups(query: dict[str, Any]) -> list[Select[Any]]:
    """The index lookups for ``query``: the run's blocking rules, each led by an indexed
    column (identifiers, date of birth, postcode, family name with date of birth)."""
    record = SourceRecord
    given, family, dob = query.get("given"), query.get("family"), query.get("dob")
    postcode, district = query.get("postcode"), query.get("postcode_district")
    forms = _name_forms(given) if given else []
    initial_given = func.substr(record.given_name_match, 1, 1)
    initial_family = func.substr(record.family_name_match, 1, 1)
    lookups = [
        select(record.id).where(getattr(record, column) == query[column])
        for column in ("nhs_number", "ni_number", "upn", "uprn")
        if query.get(column)
    ]
    # Date of birth with any part of the name or address the run blocks on with it.
    if dob:
        with_dob = []
        if family:
            with_dob += [
                record.family_name_match == family,
                _first_word_in(record.given_name_match, [family]),
            ]
        if given:
            with_dob += [
                _first_word_in(record.given_name_match, forms),
                record.family_name_match == given,
            ]
        if given and family:
            with_dob.append(and_(initial_given == given[0], initial_family == family[0]))
        if postcode:
            with_dob.append(record.postcode == postcode)
        if district and family:
            with_dob.append(
                and_(
                    record.postcode_district == district,
                    func.substr(record.family_name_match, 1, 2) == family[:2],
                )
            )
        condition = record.date_of_birth == dob
        lookups.append(_capped(and_(condition, or_(*with_dob)) if with_dob else condition))
    # The name with a date of birth near the query's (or any, when it gave none): a
    # mistyped date. The family name leads an index with the date of birth.
    near = (
        [record.date_of_birth.between(dob - timedelta(days=366), dob + timedelta(days=366))]
        if dob
        else []
    )
    if family:
        named = [record.family_name_match == family, *near]
        if given:
            named.append(_first_word_in(record.given_name_match, forms))
        lookups.append(_capped(and_(*named)))
    if given and family:  # given and family name the other way round
        lookups.append(
            _capped(
                and_(
                    record.family_name_match == given,
                    _first_word_in(record.given_name_match, [family]),
                    *near,
                )
            )
        )
    if postcode:
        at_address = []
        if given:
            at_address.append(initial_given == given[0])
        if family:
            at_address.append(initial_family == family[0])
        if dob:
            at_address.append(record.date_of_birth == dob)
        condition = record.postcode == postcode
        lookups.append(_capped(and_(condition, or_(*at_address)) if at_address else condition))
    return lookups


def candidate_records(session: Session, query: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Source records sharing a blocking key with ``query`` (prepared), each with its person.

    Every lookup is one the ``source_record`` indexes answer (see ``_lookups``). Records
    loaded since the last run have no person yet and are not candidates.
    """
    lookups = _lookups(query)
    if not lookups:
        return []
    ids = (union(*lookups) if len(lookups) > 1 else lookups[0]).subquery()
    columns = [getattr(SourceRecord, c) for c in features.SOURCE_COLUMNS if c != "updated_at"]
    rows = session.execute(
        select(*columns, PersonLink.person_id)
        .join(PersonLink, PersonLink.source_record_id == SourceRecord.id)
        .where(SourceRecord.id.in_(select(ids.c.id)))
    ).all()
    names = [c.key for c in columns]
    return [(dict(zip(names, row[:-1], strict=True)), str(row[-1])) for row in rows]


_matchers: dict[Path, Matcher] = {}
_matchers_lock = threading.Lock()


def _current(cache: Path, version: str) -> Matcher | None:
    """The shared matcher for ``cache`` if it still serves model ``version`` and the cache
    the last run wrote; call with ``_matchers_lock`` held."""
    current = _matchers.get(cache)
    if current is None or current.version != version or not cache.exists():
        return None
    return current if current.mtime == cache.stat().st_mtime else None


def matcher(cache: Path, model: LinkageModel) -> Matcher:
    """The shared matcher for ``cache`` and ``model``, replaced when a run has written a new
    cache or another model is active."""
    with _matchers_lock:
        current = _current(cache, model.version)
        if current is None:
            # The replaced matcher is not closed here: another thread may be scoring with
            # it; it closes when the last user lets it go.
            current = Matcher(cache, model)
            _matchers[cache] = current
        return current


def matcher_for(session: Session, cache: Path) -> Matcher | None:
    """The shared matcher for the active model, or None before the first run (no trained
    model); FileNotFoundError, naming the path, when the model's linkage cache is missing.

    Reads only the active model's id and version while the shared matcher is current, so a
    search does not load and render the model again for every query.
    """
    from familyhub.linkage.service import active_model

    row = session.execute(
        select(LinkageModel.id, LinkageModel.version)
        .where(LinkageModel.status == "active")
        .order_by(LinkageModel.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    with _matchers_lock:
        current = _current(cache, row.version)
    if current is not None:
        return current
    model = active_model(session=session)
    return None if model is None else matcher(cache, model)

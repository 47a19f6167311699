"""The golden record: each field's values for a person, with provenance, and the one chosen.

Every distinct value any linked source gave is kept with the sources that said it, how many of
their rows, and when they last said it; conflicting values (two dates of birth) stay visible.
One value per field is *chosen* by rule:

* identity fields (names, date of birth, sex, identifiers): the source trusted most for that
  field, then the value most sources agree on, then the most recent;
* where-to-find-them fields (address, postcode, UPRN, phone, email): the most recent, then
  trust, then agreement, because people move.
"""

from __future__ import annotations

from typing import Any

import duckdb

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

IDENTITY_FIELDS = [
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
]
CONTACT_FIELDS = ["address", "postcode", "uprn", "phone", "email"]
CONFLICT_FIELDS = ("date_of_birth", "nhs_number", "sex", "ni_number", "upn")
# (field, pattern in the source's name, trust): who knows a field best. Unlisted: 1.
TRUST = [
    ("nhs_number", "%health%", 5),
    ("nhs_number", "%gp%", 5),
    ("date_of_birth", "%health%", 4),
    ("date_of_birth", "%birth%", 5),
    ("sex", "%health%", 4),
    ("upn", "%school%", 5),
    ("upn", "%education%", 5),
    ("date_of_birth", "%school%", 3),
    ("ni_number", "%dwp%", 5),
    ("ni_number", "%benefit%", 4),
    ("given_name", "%health%", 3),
    ("family_name", "%health%", 3),
    ("given_name", "%school%", 3),
    ("family_name", "%school%", 3),
    ("address", "%housing%", 3),
    ("uprn", "%housing%", 3),
    ("address", "%council_tax%", 3),
]
RULE_IDENTITY = "most trusted source for the field, then most sources agreeing, then latest"
RULE_CONTACT = "latest, then most trusted source, then most sources agreeing"


def _trust_sql() -> str:
    cases = " ".join(
        f"when field = '{f}' and source like '{pattern}' then {weight}"
        for f, pattern, weight in TRUST
    )
    return f"case {cases} else 1 end"


def build(con: duckdb.DuckDBPyConnection, *, raw: str, record_person: str) -> None:
    """Tables ``fh_golden`` (one row per person, field, value) and ``fh_person_summary``.

    ``raw`` holds the source rows (``features`` keeps them as ``fh_raw``); ``record_person``
    maps each row's ``id`` to its ``person_id``. ``fh_golden.sources`` is the JSON text of
    the value's sources, latest first.
    """
    fields = IDENTITY_FIELDS + CONTACT_FIELDS
    casts = ", ".join(f"cast({f} as varchar) as {f}" for f in fields)
    contact = ", ".join(f"'{f}'" for f in CONTACT_FIELDS)
    # Rows that say the same of a person (a pupil's census row term after term) are counted
    # together before the fields are unpivoted: millions fewer rows to group at scale.
    con.execute(
        f"""
        create or replace table fh_golden as
        with same_rows as (
            select m.person_id, r.source, {", ".join(fields)}, count(*) as n,
                   max(r.updated_at) as updated_at, min(r.record_id) as record_id
            from (select id, source, record_id, updated_at::timestamp as updated_at, {casts}
                  from {raw}) r
            join {record_person} m using (id)
            group by all
        ), per_source as (
            select person_id, field, trim(value) as value, source,
                   sum(n)::bigint as records, max(updated_at) as last_seen,
                   min(record_id) as example_record_id
            from (unpivot same_rows on {", ".join(fields)} into name field value value)
            where trim(value) <> '' group by all
        ), per_value as (
            select person_id, field, value,
                   '[' || array_to_string(list_transform(list_reverse_sort(list(
                       {{'k': last_seen, 'json': to_json({{
                           'source': source, 'records': records,
                           'last_seen': strftime(last_seen, '%Y-%m-%dT%H:%M:%S'),
                           'record_id': example_record_id}})::varchar}})),
                       lambda e: e.json), ',') || ']' as sources,
                   count(*) as source_count, max(last_seen) as last_seen,
                   max({_trust_sql()}) as trust
            from per_source group by all
        )
        select *,
            case when field in ({contact}) then '{RULE_CONTACT}' else '{RULE_IDENTITY}' end
                as rule,
            row_number() over (
                partition by person_id, field
                order by
                    case when field in ({contact}) then epoch(last_seen) else trust end desc,
                    case when field in ({contact}) then trust else source_count end desc,
                    case when field in ({contact}) then source_count
                         else epoch(last_seen) end desc,
                    value
            ) = 1 as chosen
        from per_value
        """
    )
    conflicts = ", ".join(f"'{f}'" for f in CONFLICT_FIELDS)
    con.execute(
        f"""
        create or replace table fh_person_summary as
        with chosen as (
            select person_id, field, value from fh_golden where chosen
        ), wide as (
            pivot chosen on field in ('given_name', 'family_name', 'date_of_birth', 'sex',
                                      'nhs_number', 'postcode')
            using first(value) group by person_id
        ), counts as (
            select person_id, count(*) as record_count from {record_person} group by 1
        ), conflicts as (
            select person_id, bool_or(n > 1) as has_conflicts from (
                select person_id, field, count(*) as n from fh_golden
                where field in ({conflicts}) group by 1, 2) group by 1
        )
        select c.person_id, w.given_name, w.family_name,
               try_cast(w.date_of_birth as date) as date_of_birth, w.sex, w.nhs_number,
               w.postcode, c.record_count, coalesce(k.has_conflicts, false) as has_conflicts
        from counts c left join wide w using (person_id) left join conflicts k using (person_id)
        """
    )


def values_for(con: duckdb.DuckDBPyConnection, person_id: str) -> list[dict[str, Any]]:
    """The golden values of one person from ``fh_golden`` (for tests and explanations)."""
    rows = con.execute(
        "select field, value, chosen, source_count from fh_golden where person_id = ? "
        "order by field, chosen desc, value",
        [person_id],
    ).fetchall()
    return [{"field": f, "value": v, "chosen": c, "source_count": n} for f, v, c, n in rows]

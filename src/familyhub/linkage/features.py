"""The linkage input: one row per active source record, in the shape the model compares.

Source records arrive already normalised (``given_name_match``, ``family_name_match``,
postcode parts, validated identifiers). Here we derive what only linkage needs: the first
given name and the rest, name aliases (nickname canonicals and a consonant skeleton that
folds transliterations such as Mohammed / Muhammad / Mohamed), the date of birth as a string
for edit distances, and we blank out placeholders (``01/01/1900``, a date of birth or a name
shared by implausibly many records) so that they can never pull thousands of records into one
person. What was blanked is reported, never silent.
"""

# SQL here is built from our own table and column names, never from user input.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa

from familyhub.identity.nicknames import name_variants

# The columns of ``source_record`` the linkage reads.
SOURCE_COLUMNS = [
    "id",
    "source",
    "record_id",
    "partner_person_id",
    "status",
    "given_name",
    "family_name",
    "given_name_match",
    "family_name_match",
    "other_names",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "address",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "uprn",
    "phone",
    "email",
    "updated_at",
]
# Columns that make two rows the same statement about a person.
IDENTITY_SIGNATURE = [
    "source",
    "coalesce(partner_person_id, record_id)",
    "given_name_match",
    "family_name_match",
    "other_names",
    "date_of_birth",
    "sex",
    "nhs_number",
    "ni_number",
    "upn",
    "postcode",
    "uprn",
    "phone",
    "email",
]
PLACEHOLDER_DATES = (date(1900, 1, 1), date(1901, 1, 1), date(1800, 1, 1), date(1899, 12, 31))
PLACEHOLDER_NAMES = ("unknown", "not known", "baby", "infant", "child", "unborn", "test", "xxx")
# A value shared by this many times more records than the typical value of its field is a
# placeholder (e.g. one date of birth keyed for every record lacking one).
PLACEHOLDER_FACTOR = 40
PLACEHOLDER_MIN_COUNT = 200
_VOWELISH = re.compile(r"[aeiouhwy]")
_FIRST_WORD = re.compile(r"^\S+\s*")
_NOT_DIGIT = re.compile(r"[^0-9]")
_REPEATS = re.compile(r"(.)\1+")


@dataclass
class FeatureReport:
    """What the preparation did to the data, for the run summary and the quality report."""

    records: int = 0
    units: int = 0
    withdrawn_skipped: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    missing_dob: int = 0
    placeholders: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def skeleton(name: str) -> str:
    """First letter plus the consonants, vowels and h/w/y dropped and repeats collapsed.

    Folds common transliterations: mohammed, muhammad, mohamed -> ``mmd``; aisha, ayesha -> ``ash``.
    """
    if not name:
        return ""
    rest = _REPEATS.sub(r"\1", _VOWELISH.sub("", name[1:]))
    return name[0] + rest


@lru_cache(maxsize=1)
def _nicknamer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=200_000)
def name_aliases(name: str) -> tuple[str, ...]:
    """Names directly related to ``name``: nickname and full form (``bill``, ``william``) and
    the British spelling variants of ``identity.nicknames`` (``mohammed``, ``muhammad``).

    Only direct relations count: ``robert`` and ``william`` share the nickname ``bill`` but
    are not aliases of each other, and two brothers may well be Robert and William.
    """
    namer = _nicknamer()
    canonicals = set(namer.canonicals_of(name))
    direct = {name} | canonicals | set(namer.nicknames_of(name))
    through_canonicals = set(direct)
    for canonical in canonicals:
        through_canonicals |= set(namer.nicknames_of(canonical))
    spellings = set(name_variants(name)) - through_canonicals
    return tuple(sorted(direct | spellings))


def prepare(
    con: duckdb.DuckDBPyConnection, records: pa.Table | str, *, table: str = "fh_records"
) -> FeatureReport:
    """Build ``table`` in ``con`` from source records (an Arrow table or a DuckDB relation name).

    Withdrawn records are left out: they link to nothing.
    """
    report = FeatureReport()
    if isinstance(records, pa.Table):
        missing = [c for c in SOURCE_COLUMNS if c not in records.column_names]
        if missing:
            raise ValueError(f"source records lack columns: {', '.join(missing)}")
        con.register("fh_source_in", records)
        relation = "fh_source_in"
    else:
        relation = records
    total = con.sql(f"select count(*) from {relation}").fetchall()[0]
    con.execute(
        f"""
        create or replace table fh_raw as
        select * from {relation} where coalesce(status, 'active') = 'active'
        """
    )
    n_active = _count(con, "fh_raw")
    report.withdrawn_skipped = int(total[0] if total else 0) - n_active
    report.records = n_active
    if n_active == 0:
        report.warnings.append("no active source records: nothing to link")
    _blank_placeholders(con, report)
    _register_aliases(con)
    # Rows that say exactly the same about a person (a pupil on roll term after term) are
    # compared once: one linkage unit per distinct identity, named by its smallest id.
    con.execute(
        f"""
        create or replace table fh_unit_members as
        select id, min(id) over (partition by {", ".join(IDENTITY_SIGNATURE)}) as unit_id
        from fh_raw
        """
    )
    con.execute(
        f"""
        create or replace table {table} as
        select
            r.id::bigint as unique_id,
            r.source,
            r.partner_person_id,
            nullif(split_part(r.given_name_match, ' ', 1), '') as given,
            nullif(trim(r.given_name_match), '') as given_full,
            nullif(trim(concat_ws(' ',
                nullif(regexp_replace(r.given_name_match, '^\\S+\\s*', ''), ''),
                lower(r.other_names))), '') as other_given,
            nullif(trim(r.family_name_match), '') as family,
            a.aliases as given_aliases,
            a.skeleton as given_skeleton,
            r.date_of_birth::date as dob,
            strftime(r.date_of_birth::date, '%Y%m%d') as dob_text,
            year(r.date_of_birth::date) as birth_year,
            upper(nullif(r.sex, '')) as sex,
            nullif(r.nhs_number, '') as nhs_number,
            nullif(upper(r.ni_number), '') as ni_number,
            nullif(upper(r.upn), '') as upn,
            nullif(r.postcode, '') as postcode,
            nullif(r.postcode_sector, '') as postcode_sector,
            nullif(r.postcode_district, '') as postcode_district,
            nullif(r.uprn, '') as uprn,
            nullif(regexp_replace(r.phone, '[^0-9]', '', 'g'), '') as phone,
            nullif(lower(r.email), '') as email
        from fh_raw r
        left join fh_alias a on a.name = split_part(r.given_name_match, ' ', 1)
        where r.id in (select unit_id from fh_unit_members)
        """
    )
    # The partner's own person id: units one partner says are one person (a pupil whose
    # address changed) are chained together for the clustering, which still checks them.
    con.execute(
        f"""
        create or replace table fh_partner_pairs as
        with u as (
            select unique_id, source, partner_person_id,
                   lag(unique_id) over (partition by source, partner_person_id
                                        order by unique_id) as previous
            from {table} where partner_person_id is not null
        )
        select previous as unique_id_l, unique_id as unique_id_r
        from u where previous is not null
        """
    )
    report.units = _count(con, table)
    for source, n in con.sql(
        "select source, count(*) from fh_raw group by 1 order by 1"
    ).fetchall():
        report.sources[source] = int(n)
    report.missing_dob = _count(con, "fh_raw where date_of_birth is null")
    if n_active and report.missing_dob == n_active:
        report.warnings.append(
            "every record lacks a date of birth: links rest on names, addresses and "
            "identifiers alone, and twins cannot be told apart; expect a long review queue"
        )
    return report


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.sql(f"select count(*) from {table}").fetchall()[0]
    return int(row[0]) if row else 0


def _blank_placeholders(con: duckdb.DuckDBPyConnection, report: FeatureReport) -> None:
    """Null out placeholder dates of birth and names, known ones and implausibly common ones."""
    dates = ", ".join(f"DATE '{d.isoformat()}'" for d in PLACEHOLDER_DATES)
    known = con.sql(
        f"select date_of_birth::date::varchar, count(*) from fh_raw "
        f"where date_of_birth::date in ({dates}) group by 1"
    ).fetchall()
    common = con.sql(
        f"""
        with counts as (
            select date_of_birth::date as v, count(*) as n from fh_raw
            where date_of_birth is not null group by 1
        ), typical as (select quantile_cont(n, 0.99) as q from counts)
        select v::varchar, n from counts, typical
        where n >= {PLACEHOLDER_MIN_COUNT} and n > {PLACEHOLDER_FACTOR} * greatest(q, 1)
        """
    ).fetchall()
    bad_dates = {v: int(n) for v, n in [*known, *common]}
    for value, n in bad_dates.items():
        report.placeholders.append({"field": "date_of_birth", "value": value, "records": n})
    if bad_dates:
        listed = ", ".join(f"DATE '{v}'" for v in bad_dates)
        con.execute(
            f"update fh_raw set date_of_birth = null where date_of_birth::date in ({listed})"
        )
    for column in ("given_name_match", "family_name_match"):
        names = ", ".join(f"'{n}'" for n in PLACEHOLDER_NAMES)
        rows = con.sql(
            f"select {column}, count(*) from fh_raw where {column} in ({names}) group by 1"
        ).fetchall()
        for value, n in rows:
            report.placeholders.append({"field": column, "value": value, "records": int(n)})
        if rows:
            con.execute(f"update fh_raw set {column} = null where {column} in ({names})")
    for value, n in con.sql(
        """
        select nhs_number, count(distinct coalesce(family_name_match, '') || coalesce(
            date_of_birth::varchar, '')) as n
        from fh_raw where nhs_number is not null group by 1 having n >= 20
        """
    ).fetchall():
        report.placeholders.append({"field": "nhs_number", "value": value, "records": int(n)})
        con.execute("update fh_raw set nhs_number = null where nhs_number = ?", [value])


def _register_aliases(con: duckdb.DuckDBPyConnection) -> None:
    names = [
        row[0]
        for row in con.sql(
            "select distinct split_part(given_name_match, ' ', 1) from fh_raw "
            "where given_name_match is not null"
        ).fetchall()
        if row[0]
    ]
    table = pa.table(
        {
            "name": pa.array(names, pa.string()),
            "aliases": pa.array([list(name_aliases(n)) for n in names], pa.list_(pa.string())),
            "skeleton": pa.array([skeleton(n) if len(n) >= 5 else n for n in names], pa.string()),
        }
    )
    con.register("fh_alias_in", table)
    con.execute("create or replace table fh_alias as select * from fh_alias_in")
    con.unregister("fh_alias_in")


def _blank(value: Any) -> Any:
    return None if value == "" else value


def _trimmed(value: str | None) -> str | None:
    # DuckDB's trim() strips spaces only, not other whitespace.
    return None if value is None else _blank(value.strip(" "))


def prepare_row(
    row: dict[str, Any], *, placeholders: dict[str, set[Any]] | None = None
) -> dict[str, Any] | None:
    """One source record (``SOURCE_COLUMNS``) in the shape ``prepare`` gives it, or None when
    it is withdrawn.

    The same derivation as the SQL in ``prepare``, in Python, for scoring a handful of
    records (``match``) without a DuckDB round trip per step. ``placeholders``: values a run
    found implausibly common (field -> values), blanked as that run blanked them; the known
    placeholders are always blanked. A unit test keeps the two derivations equal.
    """
    if (row.get("status") or "active") != "active":
        return None
    extra = placeholders or {}
    dob = row.get("date_of_birth")
    if isinstance(dob, datetime):
        dob = dob.date()
    elif isinstance(dob, str):
        dob = date.fromisoformat(dob[:10]) if dob else None
    if dob in PLACEHOLDER_DATES or dob in extra.get("date_of_birth", ()):
        dob = None
    names = {}
    for column in ("given_name_match", "family_name_match"):
        value = row.get(column)
        if value in PLACEHOLDER_NAMES or value in extra.get(column, ()):
            value = None
        names[column] = value
    given_match, family_match = names["given_name_match"], names["family_name_match"]
    nhs = _blank(row.get("nhs_number"))
    if nhs in extra.get("nhs_number", ()):
        nhs = None
    first = given_match.split(" ")[0] if given_match is not None else None
    rest = _blank(_FIRST_WORD.sub("", given_match, count=1)) if given_match is not None else None
    other = row.get("other_names")
    joined = " ".join(p for p in (rest, other.lower() if other is not None else None) if p)
    phone = row.get("phone")
    email = row.get("email")
    sex = row.get("sex")
    return {
        "unique_id": int(row["id"]),
        "source": row.get("source"),
        "partner_person_id": row.get("partner_person_id"),
        "given": _blank(first),
        "given_full": _trimmed(given_match),
        "other_given": _trimmed(joined),
        "family": _trimmed(family_match),
        "given_aliases": list(name_aliases(first)) if first else None,
        "given_skeleton": (skeleton(first) if len(first) >= 5 else first) if first else None,
        "dob": dob,
        "dob_text": f"{dob.year:04d}{dob.month:02d}{dob.day:02d}" if dob else None,
        "birth_year": dob.year if dob else None,
        "sex": _blank(sex).upper() if _blank(sex) is not None else None,
        "nhs_number": nhs,
        "ni_number": _blank((row.get("ni_number") or "").upper()),
        "upn": _blank((row.get("upn") or "").upper()),
        "postcode": _blank(row.get("postcode")),
        "postcode_sector": _blank(row.get("postcode_sector")),
        "postcode_district": _blank(row.get("postcode_district")),
        "uprn": _blank(row.get("uprn")),
        "phone": _blank(_NOT_DIGIT.sub("", phone)) if phone is not None else None,
        "email": _blank(email.lower()) if email is not None else None,
    }

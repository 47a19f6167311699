"""Households and families from linked source records, set-based in DuckDB.

* A household is a dwelling: its UPRN, or else its normalised address line and postcode (an
  address written without a UPRN is matched to the UPRN other records give it). A person's
  current household is the one most sources placed them at in their latest year; the others
  are kept as history with the dates they were seen there.
* A person seen at no dwelling (a baby known only to the health visitor, a parent known only
  from a referral) lives with the relative a source relates them to; so does a child whose
  only address is one where no adult is seen (a stale address after a move). Failing that,
  with the one household at their postcode where someone shares their family name.
* A family is a household with a dependent child (under 16, or 16 to 18 and in education) or
  an expectant parent, plus any parent a source relates to one of its children who lives
  elsewhere (a non-resident parent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from familyhub import duck
from familyhub.families.placement import PARENT_RELATIONSHIPS, place_people


@dataclass
class FamilyInputs:
    """``records``: source, record_id, date_of_birth, address, postcode, uprn, family_name
    (its match form);
    ``links``: source, record_id, person_id; ``record_dates``: source, record_id, first_date,
    last_date (of the record's events); ``facts``: source, record_id, event_type, event_date,
    attributes (school terms, post-16 activity, antenatal contacts); ``relationships``:
    source, record_id, related_record_id, relationship."""

    records: pa.Table
    links: pa.Table
    record_dates: pa.Table
    facts: pa.Table
    relationships: pa.Table


@dataclass
class FamilyBuild:
    households: pa.Table  # household_key, uprn, address, postcode
    residence: pa.Table  # person_id, household_key, first_seen, last_seen, current
    relationships: pa.Table  # person_id, related_person_id, relationship, sources
    members: pa.Table  # family_key, person_id, role, valid_from
    as_of: date


# The address line without its town (a last part with no digits), in capitals, letters and
# digits only, with the postcode: "14 Larch Avenue, Northtown" and "14 LARCH AVENUE" agree.
ADDRESS_KEY_SQL = """
    CASE WHEN address IS NOT NULL AND postcode IS NOT NULL THEN
      'A' || trim(regexp_replace(array_to_string(
        CASE WHEN len(string_split(upper(address), ',')) > 1
              AND NOT regexp_matches(string_split(upper(address), ',')[-1], '[0-9]')
             THEN string_split(upper(address), ',')[1:-2]
             ELSE string_split(upper(address), ',') END, ' '),
        '[^A-Z0-9]+', ' ', 'g')) || '|' || replace(upper(postcode), ' ', '')
    END
"""

# A dependent child, as the Supporting Families programme defines a family (the child benefit
# definition): under 16, or 16 to 18 while in education. A 16- or 17-year-old who has left
# education (NEET, working) is no dependant and does not make a household a family, though
# they remain a member of one that is.
CHILD_AGE = 16
DEPENDENT_UNTIL = 19
# A child in law until 18 (Children Act 1989): someone younger who is no dependant still
# lives with their parents wherever their own records do not say otherwise, so placement
# treats everyone under 18, and every dependant, as a child.
ADULT_AGE = 18
# In education on the date: on the roll at the latest school census the extracts hold (a
# pupil who left after an earlier census is not), or in full-time education by the latest
# post-16 activity tracked (codes 1xx), within this many days before it. Post-16 tracking
# records each September what a young person does that year, so on 30 September a start
# recorded in the September before is still their current activity.
IN_EDUCATION_WITHIN_DAYS = 400
# An antenatal contact's due date passed this recently still makes an expectant parent: the
# baby's own records (the new birth visit at 10-14 days, the 6-8 week review) may not have
# reached the extracts, and a newborn is as much a dependant as the pregnancy was.
BIRTH_RECORDED_WITHIN_DAYS = 42


def build_families(inputs: FamilyInputs, *, as_of: date) -> FamilyBuild:
    con = duck.connect()
    try:
        con.execute("SET threads TO 2")
        for name in ("records", "links", "record_dates", "facts", "relationships"):
            con.register(f"{name}_in", getattr(inputs, name))
        on = f"DATE '{as_of.isoformat()}'"
        _residence(con, on)
        _people(con, on)
        _relationships(con)
        place_people(con)
        _families(con)
        return FamilyBuild(
            households=con.sql("SELECT * FROM households ORDER BY household_key").to_arrow_table(),
            residence=con.sql(
                "SELECT * FROM residence ORDER BY person_id, first_seen"
            ).to_arrow_table(),
            relationships=con.sql(
                "SELECT * FROM person_relationships ORDER BY person_id, related_person_id"
            ).to_arrow_table(),
            members=con.sql(
                "SELECT * FROM members ORDER BY family_key, person_id"
            ).to_arrow_table(),
            as_of=as_of,
        )
    finally:
        con.close()


def _residence(con: duckdb.DuckDBPyConnection, on: str) -> None:
    con.execute(
        f"""
        CREATE TEMP TABLE observed AS
        SELECT l.person_id, r.source, r.record_id, r.uprn, r.address, r.postcode,
               CASE WHEN r.uprn IS NOT NULL AND trim(r.uprn) <> '' THEN 'U' || trim(r.uprn)
                    ELSE {ADDRESS_KEY_SQL} END AS raw_key,
               {ADDRESS_KEY_SQL} AS address_key,
               coalesce(d.first_date, {on}) AS first_seen,
               coalesce(d.last_date, d.first_date, {on}) AS last_seen
        FROM records_in r
        JOIN links_in l USING (source, record_id)
        LEFT JOIN record_dates_in d USING (source, record_id)
        WHERE (r.uprn IS NOT NULL AND trim(r.uprn) <> '')
           OR (r.address IS NOT NULL AND r.postcode IS NOT NULL)
        """  # noqa: S608
    )
    # An address line without a UPRN joins the UPRN other records give that address.
    con.execute(
        """
        CREATE TEMP TABLE address_uprn AS
        SELECT address_key, max({'n': n, 'v': raw_key}).v AS uprn_key
        FROM (SELECT address_key, raw_key, count(*) AS n FROM observed
              WHERE raw_key LIKE 'U%' AND address_key IS NOT NULL GROUP BY ALL)
        GROUP BY address_key
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE seen AS
        SELECT o.*, coalesce(CASE WHEN o.raw_key LIKE 'U%' THEN o.raw_key END, a.uprn_key,
                             o.raw_key) AS household_key
        FROM observed o LEFT JOIN address_uprn a USING (address_key)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE households AS
        SELECT household_key,
               max(CASE WHEN household_key LIKE 'U%' THEN substr(household_key, 2) END) AS uprn,
               max({'n': n, 'v': address}).v AS address,
               max({'n': n, 'v': postcode}).v AS postcode
        FROM (SELECT household_key, address, postcode, count(*) AS n FROM seen GROUP BY ALL)
        GROUP BY household_key
        """
    )
    # Where each person lives now: most sources in their latest year, then the latest seen.
    con.execute(
        """
        CREATE TEMP TABLE residence AS
        WITH latest AS (SELECT person_id, max(last_seen) AS latest FROM seen GROUP BY person_id),
        per_key AS (
            SELECT s.person_id, s.household_key, min(s.first_seen) AS first_seen,
                   max(s.last_seen) AS last_seen,
                   count(DISTINCT s.source) FILTER (
                       WHERE s.last_seen >= l.latest - INTERVAL 365 DAY) AS recent_sources,
                   count(*) AS observations
            FROM seen s JOIN latest l USING (person_id)
            GROUP BY s.person_id, s.household_key
        ),
        ranked AS (
            SELECT *, row_number() OVER (
                PARTITION BY person_id
                ORDER BY recent_sources DESC, last_seen DESC, observations DESC, household_key
            ) AS rank
            FROM per_key
        )
        SELECT person_id, household_key, first_seen, last_seen, rank = 1 AS current
        FROM ranked
        """
    )


def _people(con: duckdb.DuckDBPyConnection, on: str) -> None:
    since = f"{on} - INTERVAL {IN_EDUCATION_WITHIN_DAYS} DAY"
    con.execute(
        f"""
        CREATE TEMP TABLE people AS
        WITH birth AS (
            SELECT person_id, max({{'n': n, 'v': date_of_birth}}).v AS date_of_birth
            FROM (SELECT l.person_id, r.date_of_birth, count(*) AS n
                  FROM records_in r JOIN links_in l USING (source, record_id)
                  WHERE r.date_of_birth > DATE '1901-01-01' GROUP BY ALL)
            GROUP BY person_id
        ),
        facts AS (
            SELECT l.person_id,
                   max(f.event_date) FILTER (WHERE f.event_type = 'school_term'
                                             AND f.event_date <= {on}) AS last_term,
                   -- The latest activity is the current one (a NEET spell after a start
                   -- at college means they left it).
                   arg_max(json_extract_string(f.attributes, '$.activity_code'), f.event_date)
                     FILTER (WHERE f.event_type = 'post16_activity' AND f.event_date > {since}
                             AND f.event_date <= {on}) AS post16_activity,
                   max(TRY_CAST(json_extract_string(f.attributes, '$.expected_delivery_date')
                                AS DATE))
                     FILTER (WHERE f.event_type = 'antenatal_contact'
                             AND f.event_date > {on} - INTERVAL 300 DAY) AS due,
                   -- A treatment service records whether the client lives with children.
                   arg_max(json_extract_string(f.attributes, '$.parental_status'), f.event_date)
                     FILTER (WHERE f.event_type = 'substance_misuse_treatment')
                     AS parental_status,
                   -- ... and how many children live with them.
                   arg_max(TRY_CAST(json_extract_string(f.attributes, '$.children_in_household')
                                    AS INTEGER), f.event_date)
                     FILTER (WHERE f.event_type = 'substance_misuse_treatment')
                     AS children_at_home,
                   list(DISTINCT json_extract_string(f.attributes, '$.gp_practice'))
                     FILTER (WHERE json_extract_string(f.attributes, '$.gp_practice') IS NOT NULL)
                     AS gp_practices
            FROM facts_in f JOIN links_in l USING (source, record_id)
            GROUP BY l.person_id
        ),
        -- The latest school census the extracts hold (a term's first day), if recent.
        census AS (
            SELECT max(event_date) AS latest FROM facts_in
            WHERE event_type = 'school_term' AND event_date <= {on} AND event_date > {since}
        ),
        everyone AS (SELECT DISTINCT person_id FROM links_in)
        SELECT e.person_id, b.date_of_birth,
               CASE WHEN b.date_of_birth IS NULL THEN NULL
                    ELSE date_diff('year', b.date_of_birth, {on})
                         - CASE WHEN strftime(b.date_of_birth, '%m%d') > strftime({on}, '%m%d')
                                THEN 1 ELSE 0 END END AS age,
               coalesce(f.last_term >= (SELECT latest FROM census), false)
                 OR coalesce(starts_with(f.post16_activity, '1'), false) AS in_education,
               coalesce(f.due > {on} - INTERVAL {BIRTH_RECORDED_WITHIN_DAYS} DAY, false)
                 AS expectant,
               coalesce(f.due <= {on}, false) AS due_passed,
               f.parental_status, f.children_at_home,
               coalesce(f.gp_practices, []) AS gp_practices
        FROM everyone e LEFT JOIN birth b USING (person_id) LEFT JOIN facts f USING (person_id)
        """  # noqa: S608
    )
    con.execute(
        f"""
        ALTER TABLE people ADD COLUMN dependent BOOLEAN;
        ALTER TABLE people ADD COLUMN child BOOLEAN;
        UPDATE people SET dependent = age IS NOT NULL AND age >= 0
            AND (age < {CHILD_AGE} OR (age < {DEPENDENT_UNTIL} AND in_education));
        UPDATE people SET child = dependent OR (age IS NOT NULL AND age >= 0 AND age < {ADULT_AGE});
        """  # noqa: S608 - constants, no outside text
    )


def _relationships(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TEMP TABLE person_relationships AS
        SELECT a.person_id, b.person_id AS related_person_id, r.relationship,
               string_agg(DISTINCT r.source, ',' ORDER BY r.source) AS sources
        FROM relationships_in r
        JOIN links_in a ON a.source = r.source AND a.record_id = r.record_id
        JOIN links_in b ON b.source = r.source AND b.record_id = r.related_record_id
        WHERE a.person_id <> b.person_id
        GROUP BY ALL
        """
    )


def _families(con: duckdb.DuckDBPyConnection) -> None:
    parents = ", ".join(f"'{r}'" for r in PARENT_RELATIONSHIPS)
    con.execute(
        f"""
        CREATE TEMP TABLE members AS
        WITH housed AS (
            SELECT h.household_key, p.* FROM home h JOIN people p USING (person_id)
            WHERE h.household_key IS NOT NULL
        ),
        family_homes AS (
            SELECT household_key, bool_or(dependent) AS has_dependant,
                   max(age) FILTER (WHERE dependent) AS eldest_child_age,
                   min(age) FILTER (WHERE NOT child AND age >= 16) AS youngest_adult_age
            FROM housed GROUP BY household_key
            -- An 18-year-old student seen living on their own is an adult in law whom no
            -- one in the household supports: not a family (on the synthetic population,
            -- many of the families that matched no true family were one). A 16- or
            -- 17-year-old student seen alone is a child whose parents the data lacks.
            HAVING bool_or(dependent AND age < {ADULT_AGE}) OR bool_or(expectant)
                OR (bool_or(dependent) AND count(*) > 1)
        ),
        since AS (
            SELECT person_id, household_key, min(first_seen) AS first_seen
            FROM residence GROUP BY ALL
        ),
        resident AS (
            SELECT f.household_key AS family_key, x.person_id,
                   CASE WHEN x.dependent THEN 'child'
                        -- (a due date just passed: the birth not in the data yet)
                        WHEN x.expectant AND NOT (x.due_passed AND f.has_dependant)
                             THEN 'expectant_parent'
                        WHEN x.age IS NOT NULL AND x.age < 19 THEN 'young_adult'
                        WHEN x.age IS NOT NULL AND f.eldest_child_age IS NOT NULL
                             AND x.age - f.eldest_child_age >= 40
                             AND x.age - f.youngest_adult_age >= 18 THEN 'grandparent'
                        ELSE 'parent' END AS role,
                   s.first_seen AS valid_from, x.date_of_birth
            FROM housed x JOIN family_homes f USING (household_key)
            LEFT JOIN since s ON s.person_id = x.person_id AND s.household_key = x.household_key
        ),
        non_resident AS (
            SELECT DISTINCT c.family_key, r.related_person_id AS person_id,
                   'non_resident_parent' AS role, CAST(NULL AS DATE) AS valid_from,
                   p.date_of_birth
            FROM resident c
            JOIN person_relationships r ON r.person_id = c.person_id
             AND r.relationship IN ({parents})
            JOIN people p ON p.person_id = r.related_person_id
            WHERE c.role = 'child'
              AND r.related_person_id NOT IN (
                  SELECT person_id FROM resident WHERE family_key = c.family_key)
              AND r.related_person_id NOT IN (SELECT person_id FROM resident)
        )
        SELECT * FROM resident UNION ALL SELECT * FROM non_resident
        """  # noqa: S608
    )

"""Where people whose own records give no dwelling live: with their stated kin, else by
family name or GP practice at their postcode (see :func:`place_people`).

Runs inside the DuckDB connection of :func:`familyhub.families.build.build_families`, after
its ``residence``, ``people``, ``households`` and ``person_relationships`` tables exist; it
leaves a ``home`` table (person_id, household_key).

Here a child is ``people.child``: anyone under 18, and any older dependant (a student of
18). Where someone lives does not depend on whether they are still in education: a
17-year-old who left school lives with their parents like their younger siblings, though
only the dependants make the home a family (``build._families``).
"""

from __future__ import annotations

import duckdb

PARENT_RELATIONSHIPS = ("mother", "father", "parent")
# Relationships sources state between a child and an adult of their family group: the adult
# is the child's (first list), or the child is the adult's (second list).
KIN_ADULT_RELATIONSHIPS = (*PARENT_RELATIONSHIPS, "step_parent", "grandparent")
KIN_CHILD_RELATIONSHIPS = ("child", "step_child", "grandchild")
# Partners are rarely more than this many years apart in age; a namesake living alone further
# apart in age is more likely a relative or a stranger than the father.
PARTNER_MAX_AGE_GAP = 12
# A parent is at least this many years older than their eldest child: a namesake closer in
# age to a home's eldest child is a grown-up sibling or a cousin, not a parent.
PARENT_MIN_AGE_GAP = 18
# How old a parent placed by GP practice alone, or by the number of children their treatment
# service says live with them, may have been at their eldest child's birth (a wider window
# when the number of children matches too), and at most at their youngest's: outside these,
# the children were a stranger's more often than theirs (measured on the synthetic
# population against the truth).
PARENT_AGE_AT_ELDEST_BY_GP = (15, 45)
PARENT_AGE_AT_ELDEST_BY_CHILDREN = (15, 50)
PARENT_MAX_AGE_AT_YOUNGEST = 55


def place_people(con: duckdb.DuckDBPyConnection) -> None:
    """Where people whose own address says little live: with their stated kin.

    * a child seen at no dwelling, or only where no adult lives (a stale address), lives at
      a home of an adult a source names as their parent, step-parent or grandparent;
    * an adult seen at no dwelling, or living alone, whom a source names as a child's parent,
      step-parent or grandparent, lives at that child's home (a separated parent living with
      others stays put and joins the family as a non-resident parent);
    * kin seen at no dwelling at all (a mother and baby known only to the health visitor)
      share a home of their own, named after the adult;
    * failing all that, someone shares the one household at their postcode where a resident
      has their family name;
    * kin in a home of their own join the one man or woman of about the adult's age living
      alone at their postcode who shares their family name (a father whose records carry the
      address the health visitor only knows by postcode).
    """
    kin_down = ", ".join(f"'{r}'" for r in KIN_ADULT_RELATIONSHIPS)
    kin_up = ", ".join(f"'{r}'" for r in KIN_CHILD_RELATIONSHIPS)
    con.execute(
        f"""
        CREATE TEMP TABLE kin AS
        SELECT DISTINCT person_id AS child_id, related_person_id AS adult_id
        FROM person_relationships WHERE relationship IN ({kin_down})
        UNION
        SELECT DISTINCT related_person_id, person_id
        FROM person_relationships WHERE relationship IN ({kin_up})
        """  # noqa: S608
    )
    # Family names split into their parts, so that Khan finds Shah Khan and Shah-Khan.
    con.execute(
        """
        CREATE TEMP TABLE names AS
        SELECT DISTINCT l.person_id, unnest(regexp_split_to_array(r.family_name, '[ -]+')) AS name,
               replace(upper(r.postcode), ' ', '') AS postcode
        FROM records_in r JOIN links_in l USING (source, record_id)
        WHERE r.family_name IS NOT NULL AND r.postcode IS NOT NULL;
        DELETE FROM names WHERE length(name) < 3;
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE base_home AS
        WITH current_home AS (SELECT person_id, household_key FROM residence WHERE current),
        occupancy AS (
            SELECT h.household_key, bool_or(p.child) AS has_children,
                   count(*) FILTER (WHERE NOT p.child) AS adults,
                   max(p.age) FILTER (WHERE p.child) AS eldest_child_age
            FROM current_home h JOIN people p USING (person_id) GROUP BY h.household_key
        ),
        resident_names AS (
            SELECT DISTINCT h.household_key, n.name,
                   replace(upper(hh.postcode), ' ', '') AS postcode
            FROM current_home h JOIN names n USING (person_id)
            JOIN households hh USING (household_key)
        ),
        household_gps AS (
            SELECT h.household_key, list(DISTINCT g) AS gps
            FROM current_home h JOIN people p USING (person_id), unnest(p.gp_practices) AS t(g)
            GROUP BY h.household_key
        ),
        -- Who needs a home: adults seen at no dwelling (known only from postcodes), unless a
        -- treatment service says they live apart from children.
        to_place AS (
            SELECT p.person_id, p.gp_practices, p.age FROM people p
            WHERE p.person_id NOT IN (SELECT person_id FROM current_home) AND NOT p.child
              AND coalesce(p.parental_status, '') NOT IN ('NO_CHILDREN', 'CHILDREN_ELSEWHERE')
        ),
        -- Their home is a household with children at one of their postcodes where someone
        -- shares their family name; where there are several, the one registered with their
        -- GP practice, then the one with fewest adults seen (a parent missing from its
        -- addresses). One registered with another GP practice, or none known when theirs
        -- is, is not it: a namesake at a large postcode is a stranger as often as not, and
        -- the practice is what tells them apart. Nor is a home whose eldest child is less
        -- than 18 years younger than them (a grown-up sibling or a cousin, not a parent).
        candidates AS (
            SELECT t.person_id, r.household_key,
                   coalesce(o.adults, 0) AS adults,
                   len(list_intersect(t.gp_practices, coalesce(g.gps, []))) > 0 AS same_gp
            FROM to_place t JOIN names n USING (person_id)
            JOIN resident_names r USING (name, postcode)
            JOIN occupancy o USING (household_key)
            LEFT JOIN household_gps g USING (household_key)
            WHERE o.has_children
              AND (len(t.gp_practices) = 0
                   OR len(list_intersect(t.gp_practices, coalesce(g.gps, []))) > 0)
              AND (t.age IS NULL OR o.eldest_child_age IS NULL
                   OR t.age - o.eldest_child_age >= {PARENT_MIN_AGE_GAP})
            GROUP BY ALL
        ),
        ranked AS (
            SELECT *, rank() OVER (PARTITION BY person_id
                                   ORDER BY same_gp DESC, adults) AS position
            FROM candidates
        ),
        namesake_home AS (
            SELECT person_id, min(household_key) AS household_key
            FROM ranked WHERE position = 1
            GROUP BY person_id HAVING count(DISTINCT household_key) = 1
        )
        SELECT person_id, household_key FROM current_home
        UNION ALL SELECT person_id, household_key FROM namesake_home
        """  # noqa: S608 - constants, no outside text
    )
    con.execute(
        """
        CREATE TEMP TABLE kin_placed AS
        WITH occupancy AS (
            SELECT h.household_key, count(*) AS people,
                   count(*) FILTER (WHERE NOT p.child) AS adults
            FROM base_home h JOIN people p USING (person_id) GROUP BY h.household_key
        ),
        first_home AS (
            SELECT p.person_id, p.child, h.household_key,
                   coalesce(o.people, 0) AS people, coalesce(o.adults, 0) AS adults
            FROM people p LEFT JOIN base_home h USING (person_id)
            LEFT JOIN occupancy o USING (household_key)
        ),
        child_moves AS (
            SELECT k.child_id AS person_id, min(a.household_key) AS household_key
            FROM kin k JOIN first_home c ON c.person_id = k.child_id
            JOIN first_home a ON a.person_id = k.adult_id
            WHERE c.child AND (c.household_key IS NULL OR c.adults = 0)
              AND a.household_key IS NOT NULL AND NOT a.child
            GROUP BY k.child_id
        ),
        adult_moves AS (
            SELECT k.adult_id AS person_id, min(c.household_key) AS household_key
            FROM kin k JOIN first_home a ON a.person_id = k.adult_id
            JOIN first_home c ON c.person_id = k.child_id
            WHERE NOT a.child AND (a.household_key IS NULL OR a.people = 1)
              AND c.child AND c.household_key IS NOT NULL AND c.adults > 0
            GROUP BY k.adult_id
        ),
        family_homes AS (
            SELECT household_key FROM first_home WHERE child AND household_key IS NOT NULL
            UNION SELECT household_key FROM child_moves
        ),
        -- A partner a source states (a joint claim) who is seen at no dwelling, or alone,
        -- lives with their partner's children.
        partner_moves AS (
            SELECT a.person_id, min(b.household_key) AS household_key
            FROM person_relationships r
            JOIN first_home a ON a.person_id = r.person_id
            JOIN first_home b ON b.person_id = r.related_person_id
            JOIN family_homes f ON f.household_key = b.household_key
            WHERE r.relationship = 'partner' AND NOT a.child
              AND (a.household_key IS NULL OR a.people = 1)
            GROUP BY a.person_id
        ),
        unhoused_anchor AS (
            SELECT k.child_id, min(k.adult_id) AS anchor
            FROM kin k JOIN first_home a ON a.person_id = k.adult_id
            JOIN first_home c ON c.person_id = k.child_id
            WHERE a.household_key IS NULL AND c.household_key IS NULL
            GROUP BY k.child_id
        ),
        kin_homes AS (
            SELECT child_id AS person_id, 'K' || anchor AS household_key FROM unhoused_anchor
            UNION ALL
            SELECT k.adult_id, 'K' || min(u.anchor)
            FROM kin k JOIN unhoused_anchor u USING (child_id)
            JOIN first_home a ON a.person_id = k.adult_id
            WHERE a.household_key IS NULL
            GROUP BY k.adult_id
        )
        SELECT f.person_id,
               coalesce(cm.household_key, am.household_key, pm.household_key, f.household_key,
                        kh.household_key) AS household_key
        FROM first_home f
        LEFT JOIN child_moves cm ON cm.person_id = f.person_id
        LEFT JOIN adult_moves am ON am.person_id = f.person_id
        LEFT JOIN partner_moves pm ON pm.person_id = f.person_id
        LEFT JOIN kin_homes kh ON kh.person_id = f.person_id
        """
    )

    # A last look for adults still seen at no dwelling, now that kin have been placed (a
    # mother and baby known only to the health visitor): a home with children where a
    # resident shares their family name at one of their postcodes, or else the one home with
    # children at their postcode registered with their GP practice.
    by_gp_low, by_gp_high = PARENT_AGE_AT_ELDEST_BY_GP
    by_children_low, by_children_high = PARENT_AGE_AT_ELDEST_BY_CHILDREN
    con.execute(
        f"""
        CREATE TEMP TABLE home AS
        WITH placed AS (
            SELECT k.person_id, k.household_key, p.child, p.gp_practices
            FROM kin_placed k JOIN people p USING (person_id)
        ),
        family_homes AS (
            SELECT x.household_key, list(DISTINCT g) FILTER (WHERE g IS NOT NULL) AS gps,
                   count(DISTINCT x.person_id) FILTER (WHERE NOT x.child) AS adults,
                   max(p.age) FILTER (WHERE x.child) AS eldest_child_age,
                   min(p.age) FILTER (WHERE x.child) AS youngest_child_age,
                   count(DISTINCT x.person_id) FILTER (WHERE x.child) AS children
            FROM placed x JOIN people p USING (person_id)
            LEFT JOIN unnest(x.gp_practices) AS t(g) ON TRUE
            WHERE x.household_key IS NOT NULL
            GROUP BY x.household_key HAVING bool_or(x.child)
        ),
        resident_postcodes AS (
            SELECT DISTINCT x.household_key, n.name, n.postcode
            FROM placed x JOIN names n USING (person_id)
            WHERE x.household_key IN (SELECT household_key FROM family_homes)
        ),
        -- Adults still seen at no dwelling; and adults whose treatment service says they
        -- live with children while the dwelling their records give has none (an address
        -- the household has since left).
        waiting AS (
            SELECT x.person_id, x.gp_practices, p.age, p.children_at_home FROM placed x
            JOIN people p USING (person_id)
            WHERE NOT x.child
              AND (x.household_key IS NULL
                   AND coalesce(p.parental_status, '') NOT IN ('NO_CHILDREN', 'CHILDREN_ELSEWHERE')
                   OR p.parental_status = 'LIVES_WITH_CHILDREN'
                   AND x.household_key NOT IN (SELECT household_key FROM family_homes))
        ),
        by_name AS (
            SELECT w.person_id, min(r.household_key) AS household_key
            FROM waiting w JOIN names n USING (person_id)
            JOIN resident_postcodes r USING (name, postcode)
            JOIN family_homes f USING (household_key)
            WHERE (len(w.gp_practices) = 0
                   OR len(list_intersect(w.gp_practices, coalesce(f.gps, []))) > 0)
              AND (w.age IS NULL OR f.eldest_child_age IS NULL
                   OR w.age - f.eldest_child_age >= {PARENT_MIN_AGE_GAP})
            GROUP BY w.person_id HAVING count(DISTINCT r.household_key) = 1
        ),
        -- Each of those adults with each home with children at one of their postcodes where
        -- no adult is seen, whose children's ages fit theirs.
        adultless_homes AS (
            SELECT DISTINCT w.person_id, r.household_key
            FROM waiting w JOIN (SELECT DISTINCT person_id, postcode FROM names) n
              USING (person_id)
            JOIN (SELECT DISTINCT household_key, postcode FROM resident_postcodes) r
              USING (postcode)
            JOIN family_homes f USING (household_key)
            WHERE f.adults = 0
              AND w.age - f.youngest_child_age <= {PARENT_MAX_AGE_AT_YOUNGEST}
        ),
        -- The one such home registered with their GP practice. (A home where an adult is
        -- seen was a stranger's far more often than the other parent's: a GP practice
        -- shared by chance.)
        by_gp AS (
            SELECT w.person_id, min(f.household_key) AS household_key
            FROM adultless_homes a JOIN waiting w USING (person_id)
            JOIN family_homes f USING (household_key)
            WHERE len(list_intersect(w.gp_practices, f.gps)) > 0
              AND w.age - f.eldest_child_age BETWEEN {by_gp_low} AND {by_gp_high}
            GROUP BY w.person_id HAVING count(DISTINCT f.household_key) = 1
        ),
        -- A treatment service that says how many children live with its client: the one
        -- such home with that many children.
        by_children AS (
            SELECT w.person_id, min(f.household_key) AS household_key
            FROM adultless_homes a JOIN waiting w USING (person_id)
            JOIN family_homes f USING (household_key)
            WHERE w.children_at_home > 0 AND f.children = w.children_at_home
              AND w.age - f.eldest_child_age BETWEEN {by_children_low} AND {by_children_high}
            GROUP BY w.person_id HAVING count(DISTINCT f.household_key) = 1
        ),
        -- A child seen at no dwelling and with no stated kin: the one home at their
        -- postcode where an adult shares a part of their family name.
        adult_names AS (
            SELECT DISTINCT x.household_key, n.name, n.postcode
            FROM placed x JOIN names n USING (person_id)
            WHERE x.household_key IS NOT NULL AND NOT x.child
        ),
        child_by_name AS (
            SELECT x.person_id, min(a.household_key) AS household_key
            FROM placed x JOIN names n USING (person_id)
            JOIN adult_names a USING (name, postcode)
            WHERE x.household_key IS NULL AND x.child
            GROUP BY x.person_id HAVING count(DISTINCT a.household_key) = 1
        )
        -- A dependant or an expectant parent still seen at no dwelling is a family's
        -- member all the same: they get a home of their own.
        SELECT x.person_id,
               coalesce(bn.household_key, bg.household_key, bc.household_key, x.household_key,
                        cb.household_key,
                        CASE WHEN p.child OR p.expectant THEN 'K' || x.person_id END)
                 AS household_key
        FROM placed x
        JOIN people p USING (person_id)
        LEFT JOIN by_name bn USING (person_id)
        LEFT JOIN by_gp bg USING (person_id)
        LEFT JOIN by_children bc USING (person_id)
        LEFT JOIN child_by_name cb USING (person_id)
        """  # noqa: S608 - constants, no outside text
    )
    _join_kin_homes_to_partners(con)
    _follow_household_moves(con)


def _follow_household_moves(con: duckdb.DuckDBPyConnection) -> None:
    """A child left on their own at a dwelling (their last records predate the family's
    move: a school census before they turned 16) lives where the people they were seen
    living with there live now, when those all live in one home with an adult."""
    con.execute(
        """
        CREATE TEMP TABLE lone_child_moves AS
        WITH occupancy AS (
            SELECT h.household_key, count(*) AS people,
                   count(*) FILTER (WHERE NOT p.child) AS adults
            FROM home h JOIN people p USING (person_id)
            WHERE h.household_key IS NOT NULL GROUP BY h.household_key
        ),
        alone AS (
            SELECT h.person_id, h.household_key
            FROM home h JOIN people p USING (person_id) JOIN occupancy o USING (household_key)
            WHERE p.child AND o.people = 1 AND h.household_key NOT LIKE 'K%'
        ),
        -- Everyone else ever seen at those dwellings (a few per dwelling), then where they
        -- live now.
        seen_there AS (
            SELECT DISTINCT r.household_key, r.person_id FROM residence r
            WHERE r.household_key IN (SELECT household_key FROM alone)
        ),
        now_at AS (
            SELECT DISTINCT s.household_key AS former_key, h.household_key
            FROM seen_there s JOIN home h USING (person_id)
            JOIN occupancy o ON o.household_key = h.household_key
            WHERE h.household_key <> s.household_key AND o.adults > 0
        ),
        moved_with AS (
            SELECT a.person_id, n.household_key
            FROM alone a JOIN now_at n ON n.former_key = a.household_key
        )
        SELECT person_id, min(household_key) AS household_key FROM moved_with
        GROUP BY person_id HAVING count(DISTINCT household_key) = 1
        """
    )
    con.execute(
        """
        UPDATE home SET household_key = m.household_key
        FROM lone_child_moves m WHERE home.person_id = m.person_id
        """
    )


def _join_kin_homes_to_partners(con: duckdb.DuckDBPyConnection) -> None:
    """A home known to no dwelling (a mother and baby known only to the health visitor, by
    postcode) joins the one dwelling at that postcode where an adult of about the mother's
    age lives alone and shares a part of her family name: the father, whose own records
    carry the address. A dwelling registered with another GP practice is not it."""
    con.execute(
        f"""
        CREATE TEMP TABLE kin_home_moves AS
        WITH homes AS (
            SELECT h.household_key,
                   coalesce(list(DISTINCT g) FILTER (WHERE g IS NOT NULL), []) AS gps,
                   count(DISTINCT h.person_id) AS people,
                   bool_or(p.child) AS has_children,
                   max(p.age) FILTER (WHERE NOT p.child) AS adult_age
            FROM home h JOIN people p USING (person_id)
            LEFT JOIN unnest(p.gp_practices) AS t(g) ON TRUE
            WHERE h.household_key IS NOT NULL
            GROUP BY h.household_key
        ),
        lone_adults AS (
            SELECT DISTINCT h.household_key, n.name, n.postcode
            FROM home h JOIN homes o USING (household_key)
            JOIN households d USING (household_key)
            JOIN names n USING (person_id)
            WHERE o.people = 1 AND NOT o.has_children
              AND n.postcode = replace(upper(d.postcode), ' ', '')
        ),
        candidates AS (
            SELECT DISTINCT k.household_key AS kin_key, a.household_key
            FROM home k JOIN names n USING (person_id)
            JOIN lone_adults a USING (name, postcode)
            JOIN homes kg ON kg.household_key = k.household_key
            JOIN homes ag ON ag.household_key = a.household_key
            WHERE k.household_key LIKE 'K%'
              AND abs(kg.adult_age - ag.adult_age) <= {PARTNER_MAX_AGE_GAP}
              AND (len(kg.gps) = 0 OR len(ag.gps) = 0
                   OR len(list_intersect(kg.gps, ag.gps)) > 0)
        )
        SELECT kin_key, min(household_key) AS household_key FROM candidates
        GROUP BY kin_key HAVING count(DISTINCT household_key) = 1
        """  # noqa: S608 - a constant, no outside text
    )
    con.execute(
        """
        UPDATE home SET household_key = m.household_key
        FROM kin_home_moves m WHERE home.household_key = m.kin_key
        """
    )

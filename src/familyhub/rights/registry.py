"""Where personal data lives: every table that holds something about a person, how to find a
person's rows in it, and what erasure does there.

Subject access reads this registry and erasure acts on it, so a table it does not cover is a
table the rights cannot reach. ``tests/unit/rights/test_registry.py`` fails when any table with
a person key column (``person_id``, ``record_id``...) is neither here nor in ``NOT_ERASED``
with the reason it is kept.

How a person's rows are found (``find``):

* ``person``: the table has a person id column (``column``).
* ``source_record_key``: the table holds ``(source, record_id)`` of a source record.
* ``source_record``: the source records themselves, reached through the links.
* ``source_record_pk``: the table holds a ``source_record.id`` in ``column``.
* ``child``: rows whose ``column`` points at the ``parent`` table's rows already found.
* ``quarantine``: rows whose raw row carries one of the person's record ids.
* ``family``: rows about a whole family the person belongs to (``family_id``, and no person
  named): shown in a subject access export, left alone by erasure (``action="none"``), as
  they are the other members' too.
* ``parent``: rows of ``table`` that found rows of ``parent`` point at through ``column``
  (e.g. the household a person lived in); erased only when no one else still points at them.

Source records belong to a person through the linkage's link table(s), declared in
``LINK_TABLES`` as (table, person column, source record id column).

What erasure does (``action``): ``delete`` the rows; ``clear`` the person column (the row is
someone else's, e.g. a staff account linked to a person); ``scrub`` the named text/JSON columns
(the row must stay, e.g. a rights request, but without the person's details).
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns that say "this row is about a person" wherever they appear.
PERSON_KEY_COLUMNS = frozenset(
    {
        "person_id", "record_id", "source_record_id", "related_record_id", "subject_person_id",
        "related_person_id", "other_person_id", "record_a", "record_b", "person_a", "person_b",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Location:
    table: str
    find: str
    column: str = "person_id"
    action: str = "delete"
    parent: str | None = None
    scrub: tuple[str, ...] = ()
    label: str = ""


REGISTRY: tuple[Location, ...] = (
    # sources: what partners sent
    Location("source_record", "source_record", action="delete", label="records from partners"),
    Location("source_event", "source_record_key", column="record_id",
             label="events partners recorded"),
    Location("source_relationship", "source_record_key", column="record_id",
             label="relationships partners stated"),
    Location(
        "source_relationship",
        "source_record_key",
        column="related_record_id",
        label="relationships naming the person",
    ),
    Location("quarantine_row", "quarantine", label="rows that failed to load"),
    # linkage and families
    Location("person", "person", column="id", label="golden record"),
    Location("person_link", "person", label="links of partners' records to the person"),
    Location("golden_value", "person", label="golden record values and where they came from"),
    Location("person_id_event", "person", label="history of the person id"),
    Location("person_id_event", "person", column="other_person_id",
             label="history of ids merged with the person's"),
    Location("review_pair", "person", column="person_a", label="possible matches reviewed"),
    Location("review_pair", "person", column="person_b", label="possible matches reviewed"),
    Location("review_pair", "source_record_pk", column="record_a",
             label="possible matches reviewed"),
    Location("review_pair", "source_record_pk", column="record_b",
             label="possible matches reviewed"),
    Location("manual_decision", "source_record_pk", column="record_a",
             label="decisions about matches"),
    Location("manual_decision", "source_record_pk", column="record_b",
             label="decisions about matches"),
    Location("person_relationship", "person", label="relationships"),
    Location("person_relationship", "person", column="related_person_id",
             label="relationships naming the person"),
    Location("family_member", "person", label="family membership"),
    Location("family_change", "person", label="changes to family membership"),
    Location("household_member", "person", label="households lived in"),
    Location("household", "parent", column="household_id", parent="household_member",
             action="delete_if_orphaned", label="addresses of households"),
    # outcomes: derived needs and their evidence
    Location("family_need", "person", label="needs identified"),
    Location("need_progress", "person", label="progress of needs"),
    Location("need_evidence", "person", label="evidence for needs"),
    Location("need_evidence", "source_record_key", column="record_id",
             label="evidence for needs"),
    Location("rejected_event", "person", label="events not counted"),
    Location("rejected_event", "source_record_key", column="record_id",
             label="events not counted"),
    # casework and consent
    Location("involvement", "person", label="practitioners and services involved"),
    Location("referral", "person", label="referrals"),
    Location(
        "referral_state_change",
        "child",
        column="referral_id",
        parent="referral",
        label="referral history",
    ),
    Location("consent_record", "person", label="consent"),
    # about the whole family: in subject access, not erased (the other members' too)
    Location("involvement", "family", column="family_id", action="none",
             label="practitioners and services working with the family"),
    Location("referral", "family", column="family_id", action="none",
             label="referrals about the family"),
    Location("consent_record", "family", column="family_id", action="none",
             label="the family's consent"),
    Location("family_assessment", "family", column="family_id", action="none",
             label="the family's assessment"),
    Location("need_decision", "family", column="family_id", action="none",
             label="decisions about the family's needs"),
    Location("family_episode", "family", column="family_id", action="none",
             label="episodes of work with the family"),
    Location("outcome_claim", "family", column="family_id", action="none",
             label="outcome claims for the family"),
    # access: a staff account linked to a person keeps existing, without the link
    Location("app_user", "person", action="clear", label="staff account linked to the person"),
    # rights and governance: the requests stay (we must show we answered), without details
    Location(
        "rights_request",
        "person",
        action="scrub",
        scrub=("subject_details", "requester", "details", "match_candidates"),
        label="rights requests",
    ),
    Location("rectification", "person", label="corrections"),
    Location("processing_restriction", "person", label="restrictions and objections"),
    Location("partner_notification", "person", action="scrub", scrub=("payload",),
             label="notifications to partners"),
)  # fmt: skip

# The linkage's tables saying which source record belongs to which person:
# (table, person id column, source_record.id column).
LINK_TABLES: tuple[tuple[str, str, str], ...] = (("person_link", "person_id", "source_record_id"),)

# Tables with a person key that erasure leaves alone, and why. None holds a name, a date of
# birth, an address or an identifier: only opaque person ids.
NOT_ERASED: dict[str, str] = {
    "audit_event": "the audit log is append-only evidence of who looked (opaque ids only)",
    "audit_event_subject": "index of the audit log by opaque person id",
    "audit_alert": "audit alerts are evidence for information governance reviews",
    "break_glass": "break-glass use is audit evidence, reviewed by information governance",
    "erasure_tombstone": "the tombstone: what was erased, with no personal data",
    "erasure_suppression": "keyed fingerprints of erased records, so extracts do not bring "
    "them back; no personal data in clear",
    "legal_hold": "a hold prevents erasure; it is released before the person can be erased",
}


def locations_for(table: str) -> list[Location]:
    return [loc for loc in REGISTRY if loc.table == table]

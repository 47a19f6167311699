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
* ``child``: rows whose ``column`` points at the ``parent`` table's rows already found.
* ``quarantine``: rows whose raw row carries one of the person's record ids.

What erasure does (``action``): ``delete`` the rows; ``clear`` the person column (the row is
someone else's, e.g. a staff account linked to a person); ``scrub`` the named text/JSON columns
(the row must stay, e.g. a rights request, but without the person's details).
"""

from __future__ import annotations

from dataclasses import dataclass

# Columns that say "this row is about a person" wherever they appear.
PERSON_KEY_COLUMNS = frozenset(
    {"person_id", "record_id", "source_record_id", "related_record_id", "subject_person_id"}
)


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
    Location("source_event", "source_record_key", label="events partners recorded"),
    Location("source_relationship", "source_record_key", label="relationships partners stated"),
    Location(
        "source_relationship",
        "source_record_key",
        column="related_record_id",
        label="relationships naming the person",
    ),
    Location("quarantine_row", "quarantine", label="rows that failed to load"),
    # linkage and families
    Location("person", "person", column="id", label="golden record"),
    Location("family_member", "person", label="family membership"),
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

# Tables with a person key that erasure leaves alone, and why. None holds a name, a date of
# birth, an address or an identifier: only opaque person ids.
NOT_ERASED: dict[str, str] = {
    "audit_event": "the audit log is append-only evidence of who looked (opaque ids only)",
    "audit_event_subject": "index of the audit log by opaque person id",
    "audit_alert": "audit alerts are evidence for information governance reviews",
    "break_glass": "break-glass use is audit evidence, reviewed by information governance",
    "erasure_tombstone": "the tombstone: what was erased, with no personal data",
    "legal_hold": "a hold prevents erasure; it is released before the person can be erased",
}


def locations_for(table: str) -> list[Location]:
    return [loc for loc in REGISTRY if loc.table == table]

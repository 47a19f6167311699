"""The hash chain: canonical JSON of each event, SHA-256 over the previous hash and it.

Canonical JSON here means keys sorted, no spaces, UTF-8 (not ASCII-escaped), times as UTC
ISO 8601 with microseconds and a ``Z``. An event's hash is
``SHA-256(previous hash (hex, ASCII) + "\\n" + canonical JSON of the event's fields)``, the
first event's previous hash being 64 zeros. Anyone can recompute the chain from the table
with these rules (``docs/access-and-audit.md`` gives them for auditors).

The list and object fields are stored as their canonical text (``CanonicalJSON``), so
:func:`event_document` can build the document by joining texts, without parsing: that is
what lets ``verify`` check well over 100,000 events a second.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The fields of an event that the hash covers (the JSON document's keys, sorted).
CHAINED_FIELDS = (
    "action",
    "actor_user_id",
    "actor_username",
    "decision",
    "details",
    "occurred_at",
    "organisation_id",
    "policy_ids",
    "purpose",
    "records",
    "request_id",
    "roles",
    "seq",
)
JSON_FIELDS = frozenset({"details", "policy_ids", "records", "roles"})

_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_string = json.encoder.encode_basestring


def canonical_text(value: Any) -> str:
    return _encoder.encode(value)


def canonical_json(payload: dict[str, Any]) -> bytes:
    return _encoder.encode(payload).encode("utf-8")


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds; naive times (SQLite hands them back) are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def event_document(
    seq: int,
    occurred_at: str,
    actor_user_id: int | None,
    actor_username: str,
    organisation_id: int | None,
    roles: str,
    purpose: str | None,
    action: str,
    records: str,
    decision: str,
    policy_ids: str,
    request_id: str | None,
    details: str,
) -> bytes:
    """The canonical JSON of one event, from its scalars and its JSON fields' canonical text.

    Equal, byte for byte, to ``canonical_json(payload_of(row))``; a unit test holds it so.
    """
    return (
        f'{{"action":{_string(action)},"actor_user_id":{_number(actor_user_id)},'
        f'"actor_username":{_string(actor_username)},"decision":{_string(decision)},'
        f'"details":{details},"occurred_at":"{occurred_at}",'
        f'"organisation_id":{_number(organisation_id)},"policy_ids":{policy_ids},'
        f'"purpose":{_text(purpose)},"records":{records},"request_id":{_text(request_id)},'
        f'"roles":{roles},"seq":{seq}}}'
    ).encode()


def payload_of(row: dict[str, Any]) -> dict[str, Any]:
    """The chained part of an event row as a dict, with its time in canonical form."""
    payload = {name: row[name] for name in CHAINED_FIELDS}
    occurred = payload["occurred_at"]
    if isinstance(occurred, datetime):
        payload["occurred_at"] = format_time(occurred)
    return payload


def document_of(row: dict[str, Any]) -> bytes:
    """The canonical JSON of an event row holding Python values (as the writer has them)."""
    occurred = row["occurred_at"]
    return event_document(
        row["seq"],
        format_time(occurred) if isinstance(occurred, datetime) else str(occurred),
        row["actor_user_id"],
        row["actor_username"],
        row["organisation_id"],
        canonical_text(row["roles"]),
        row["purpose"],
        row["action"],
        canonical_text(row["records"]),
        row["decision"],
        canonical_text(row["policy_ids"]),
        row["request_id"],
        canonical_text(row["details"]),
    )


def link_hash(prev_hash: str, document: bytes | dict[str, Any]) -> str:
    """SHA-256 over the previous hash, a newline, and the event's canonical JSON."""
    if isinstance(document, dict):
        document = canonical_json(document)
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + document).hexdigest()

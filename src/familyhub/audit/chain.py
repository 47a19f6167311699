"""The hash chain: canonical JSON of each event, SHA-256 over the previous hash and it.

Canonical JSON here means keys sorted, no spaces, UTF-8, times as UTC ISO 8601 with
microseconds and a ``Z``. Anyone can recompute the chain from the table with these rules
(``docs/access-and-audit.md`` gives them for auditors).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# The fields of an event that the hash covers, in the order they are stored.
CHAINED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_username",
    "organisation_id",
    "roles",
    "purpose",
    "action",
    "records",
    "decision",
    "policy_ids",
    "request_id",
    "details",
)

_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(moment: datetime) -> str:
    """UTC ISO 8601 with microseconds; naive times (SQLite hands them back) are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(payload: dict[str, Any]) -> bytes:
    return _encoder.encode(payload).encode("utf-8")


def payload_of(row: dict[str, Any]) -> dict[str, Any]:
    """The chained part of an event row, with its time in canonical form."""
    payload = {name: row[name] for name in CHAINED_FIELDS}
    occurred = payload["occurred_at"]
    if isinstance(occurred, datetime):
        payload["occurred_at"] = format_time(occurred)
    return payload


def link_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(payload))
    return digest.hexdigest()

"""The hash chain's canonical form and the checkpoint signatures, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from familyhub.audit import keys
from familyhub.audit.chain import canonical_json, document_of, format_time, link_hash, payload_of
from familyhub.audit.models import GENESIS_HASH

ROW = {
    "seq": 1,
    "occurred_at": datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    "actor_user_id": 3,
    "actor_username": "sam.khan",
    "organisation_id": 2,
    "roles": ["social_worker"],
    "purpose": "safeguarding",
    "action": "person.view",
    "records": ["person:P1"],
    "decision": "allow",
    "policy_ids": ["view.statutory_safeguarding"],
    "request_id": "r1",
    "details": {"b": 1, "a": "é"},
}


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_times_are_utc_with_microseconds_whatever_zone_or_naivety() -> None:
    london = timezone(timedelta(hours=1))
    assert format_time(datetime(2026, 6, 1, 11, 0, tzinfo=london)) == "2026-06-01T10:00:00.000000Z"
    assert format_time(datetime(2026, 6, 1, 10, 0)) == "2026-06-01T10:00:00.000000Z"


def test_any_change_to_a_chained_field_changes_the_hash() -> None:
    base = link_hash(GENESIS_HASH, payload_of(ROW))
    for field, value in [
        ("purpose", "statistics"),
        ("records", ["person:P2"]),
        ("decision", "deny"),
        ("seq", 2),
        ("details", {"a": "e", "b": 1}),
    ]:
        assert link_hash(GENESIS_HASH, payload_of({**ROW, field: value})) != base
    assert link_hash("1" * 64, payload_of(ROW)) != base


def test_checkpoints_verify_only_with_the_signing_key(tmp_path: Path) -> None:
    key = keys.load_signing_key(tmp_path)
    signature = keys.sign_checkpoint(key, 100, "ab" * 32)
    public = keys.load_verify_key(tmp_path)
    assert keys.checkpoint_signature_ok(public, 100, "ab" * 32, signature)
    assert not keys.checkpoint_signature_ok(public, 101, "ab" * 32, signature)
    assert not keys.checkpoint_signature_ok(public, 100, "cd" * 32, signature)
    other = Ed25519PrivateKey.generate()
    assert not keys.checkpoint_signature_ok(
        public, 100, "ab" * 32, keys.sign_checkpoint(other, 100, "ab" * 32)
    )
    assert keys.load_signing_key(tmp_path).public_key().public_bytes_raw() == (
        key.public_key().public_bytes_raw()
    )


def test_the_fast_document_is_exactly_the_canonical_json_of_the_event() -> None:
    for row in (
        ROW,
        {
            **ROW,
            "actor_user_id": None,
            "purpose": None,
            "request_id": None,
            "actor_username": 'quote " back \\ slash ☃ \n',
            "details": {},
        },
    ):
        assert document_of(row) == canonical_json(payload_of(row))
        assert link_hash(GENESIS_HASH, document_of(row)) == link_hash(GENESIS_HASH, payload_of(row))

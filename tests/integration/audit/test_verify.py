"""`verify` proves the log intact, or names the first bad event, for every kind of tampering.

Sequence numbers are counted from where the chain stood when the test began (``base``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from familyhub.audit import keys as audit_keys
from familyhub.audit.models import AuditCheckpoint, AuditEvent
from familyhub.audit.service import CHECKPOINT_EVERY, write_checkpoint
from familyhub.audit.verify import export_checkpoint, verify

from .chain_helpers import recompute_from, rows, truncate_after, write_events


def _boundary_after(seq: int) -> int:
    return (seq // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY


def test_an_untouched_log_verifies(own_session: Session) -> None:
    base = write_events(own_session, 250)
    result = verify(own_session)
    assert result.ok, result.problem
    assert result.events == base + 250
    assert result.checkpoints == (base + 250) // CHECKPOINT_EVERY


def test_checkpoints_are_signed_at_every_hundredth_event(own_session: Session) -> None:
    base = write_events(own_session, 2 * CHECKPOINT_EVERY + 5)
    seqs = list(own_session.scalars(select(AuditCheckpoint.seq).where(AuditCheckpoint.seq > base)))
    first = _boundary_after(base)
    assert seqs == [first, first + CHECKPOINT_EVERY]


def test_a_modified_event_is_named(own_session: Session) -> None:
    base = write_events(own_session, 30)
    own_session.execute(
        update(AuditEvent).where(AuditEvent.seq == base + 17).values(purpose="statistics")
    )
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq == base + 17
    assert "modified" in (result.problem or "")


def test_a_deleted_event_is_named(own_session: Session) -> None:
    base = write_events(own_session, 30)
    own_session.execute(delete(AuditEvent).where(AuditEvent.seq == base + 9))
    result = verify(own_session)
    assert result.first_bad_seq == base + 9
    assert "missing" in (result.problem or "")


def test_reordered_events_are_named(own_session: Session) -> None:
    base = write_events(own_session, 30)
    a, b = base + 12, base + 13
    own_session.execute(update(AuditEvent).where(AuditEvent.seq == a).values(seq=-a))
    own_session.execute(update(AuditEvent).where(AuditEvent.seq == b).values(seq=a))
    own_session.execute(update(AuditEvent).where(AuditEvent.seq == -a).values(seq=b))
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq == a


def test_an_inserted_event_is_caught_where_it_breaks_the_chain(own_session: Session) -> None:
    base = write_events(own_session, 30)
    at = base + 21
    events = {e.seq: e for e in rows(own_session)}
    forged = {c.name: getattr(events[at], c.name) for c in AuditEvent.__table__.columns}
    own_session.execute(
        update(AuditEvent).where(AuditEvent.seq >= at).values(seq=AuditEvent.seq + 100_000)
    )
    own_session.execute(
        update(AuditEvent).where(AuditEvent.seq >= 100_000).values(seq=AuditEvent.seq - 100_000 + 1)
    )
    forged.update(seq=at, prev_hash=events[at - 1].hash, actor_username="intruder")
    own_session.execute(insert(AuditEvent), [forged])
    own_session.expire_all()
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq in (at, at + 1)


def test_a_truncated_tail_is_caught_by_the_signed_checkpoint(own_session: Session) -> None:
    base = write_events(own_session, 250)
    cut = _boundary_after(base) + 50
    truncate_after(own_session, cut)
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq == cut + 1
    assert "truncated" in (result.problem or "")


def test_a_truncated_tail_with_checkpoints_removed_is_caught_by_the_exported_copy(
    own_session: Session, own_keys_dir: Path
) -> None:
    base = write_events(own_session, 250)
    checkpoint = write_checkpoint(own_session)
    assert checkpoint is not None
    export_checkpoint(checkpoint)
    exported = json.loads((own_keys_dir / "audit-checkpoints.jsonl").read_text())
    assert exported["seq"] == base + 250
    cut = base + 150
    truncate_after(own_session, cut)
    own_session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq > cut))
    result = verify(own_session)
    assert not result.ok
    assert "truncated" in (result.problem or "")


def test_a_cut_tail_without_fixing_the_head_is_caught(own_session: Session) -> None:
    base = write_events(own_session, 40)
    truncate_after(own_session, base + 35, fix_head=False)
    result = verify(own_session)
    assert not result.ok
    assert "head" in (result.problem or "")


def test_a_chain_recomputed_without_the_key_is_caught(own_session: Session) -> None:
    base = write_events(own_session, 250)
    first = _boundary_after(base)
    changed = first + 20
    own_session.execute(
        update(AuditEvent).where(AuditEvent.seq == changed).values(actor_username="someone.else")
    )
    recompute_from(own_session, changed)
    chain = rows(own_session)
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(chain))
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq == first + 1
    assert "recomputed without the signing key" in (result.problem or "")


def test_a_checkpoint_re_signed_with_another_key_is_caught(own_session: Session) -> None:
    base = write_events(own_session, 150)
    boundary = _boundary_after(base)
    own_session.execute(
        update(AuditEvent).where(AuditEvent.seq == boundary - 5).values(purpose="statistics")
    )
    recompute_from(own_session, boundary - 5)
    head = next(e.hash for e in rows(own_session) if e.seq == boundary)
    forger = Ed25519PrivateKey.generate()
    own_session.execute(
        update(AuditCheckpoint)
        .where(AuditCheckpoint.seq == boundary)
        .values(head_hash=head, signature=audit_keys.sign_checkpoint(forger, boundary, head))
    )
    result = verify(own_session)
    assert not result.ok
    assert result.first_bad_seq == boundary
    assert "invalid signature" in (result.problem or "")


def test_a_deleted_checkpoint_is_caught(own_session: Session) -> None:
    base = write_events(own_session, 150)
    boundary = _boundary_after(base)
    own_session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == boundary))
    result = verify(own_session)
    assert result.first_bad_seq == boundary
    assert "checkpoint" in (result.problem or "")


def test_the_signing_key_lives_in_the_keys_dir_not_the_database(
    own_session: Session, own_keys_dir: Path
) -> None:
    write_events(own_session, 100)
    key_file = own_keys_dir / audit_keys.PRIVATE_KEY_FILE
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    pem = key_file.read_text()
    for event in rows(own_session):
        assert pem not in json.dumps(event.details)

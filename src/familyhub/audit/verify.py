"""Prove the audit log intact, or name the first event that is not.

Checks, in one pass in sequence order:

* sequence numbers run 1, 2, 3... with no gap (a deleted event leaves one);
* each event names the previous event's hash (an inserted or reordered event breaks this);
* each event's hash is the SHA-256 of the previous hash and its canonical JSON (a modified
  event breaks this);
* a signed checkpoint exists at every multiple of ``CHECKPOINT_EVERY`` and each one's
  signature is valid and its head hash is the chain's hash at that point (a chain
  recomputed by someone without the signing key breaks this);
* no checkpoint, and no exported checkpoint in the keys directory, lies beyond the last
  event, and the chain head agrees with the last event (a truncated tail breaks this).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import String, Text, select, type_coerce
from sqlalchemy.orm import Session

from familyhub.audit import keys as audit_keys
from familyhub.audit.chain import event_document, format_time
from familyhub.audit.models import GENESIS_HASH, AuditChainHead, AuditCheckpoint, AuditEvent
from familyhub.audit.service import CHECKPOINT_EVERY

EXPORT_FILE = "audit-checkpoints.jsonl"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    checkpoints: int
    seconds: float
    first_bad_seq: int | None = None
    problem: str | None = None
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Events a second by the clock on the wall."""
        return self.events / self.seconds if self.seconds > 0 else float("inf")

    @property
    def cpu_rate(self) -> float:
        """Events a second of this process's CPU time (what a machine to itself would see)."""
        return self.events / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")


def exported_checkpoints(keys_dir: Path | None = None) -> list[dict[str, Any]]:
    """Checkpoints copied out of the database by ``familyhub audit checkpoint``."""
    path = audit_keys.keys_dir(keys_dir) / EXPORT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def export_checkpoint(checkpoint: AuditCheckpoint, keys_dir: Path | None = None) -> Path:
    """Append a committed checkpoint to the file beside the key, outside the database."""
    path = audit_keys.keys_dir(keys_dir) / EXPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")
    return path


class _ChainError(Exception):
    def __init__(self, seq: int | None, problem: str) -> None:
        super().__init__(problem)
        self.seq = seq
        self.problem = problem


def verify(session: Session, *, keys_dir: Path | None = None, batch: int = 20_000) -> VerifyResult:
    started = time.perf_counter()
    cpu_started = time.process_time()
    checkpoints = {
        c.seq: c for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))
    }
    exported = exported_checkpoints(keys_dir)
    count = 0
    try:
        public_key = audit_keys.load_verify_key(keys_dir) if (checkpoints or exported) else None
    except audit_keys.SigningKeyMissingError as exc:
        return VerifyResult(
            False, 0, len(checkpoints), 0.0, None, f"Cannot check the signed checkpoints: {exc}"
        )
    try:
        count, last_hash = _walk_chain(session, checkpoints, public_key, batch)
        _check_tail(session, count, last_hash, checkpoints, exported, public_key)
    except _ChainError as failure:
        return VerifyResult(
            False,
            count,
            len(checkpoints),
            time.perf_counter() - started,
            failure.seq,
            failure.problem,
            time.process_time() - cpu_started,
        )
    return VerifyResult(
        True,
        count,
        len(checkpoints),
        time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )


def _walk_chain(
    session: Session, checkpoints: dict[int, AuditCheckpoint], public_key: Any, batch: int
) -> tuple[int, str]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    e = AuditEvent
    # The JSON fields are read as the text that was hashed; on SQLite the time too, as
    # SQLAlchemy stores it ("YYYY-MM-DD HH:MM:SS.ffffff", UTC), which is cheaper than parsing.
    occurred = type_coerce(e.occurred_at, String) if sqlite else e.occurred_at
    query = select(
        e.seq,
        occurred,
        e.actor_user_id,
        e.actor_username,
        e.organisation_id,
        type_coerce(e.roles, Text),
        e.purpose,
        e.action,
        type_coerce(e.records, Text),
        e.decision,
        type_coerce(e.policy_ids, Text),
        e.request_id,
        type_coerce(e.details, Text),
        e.prev_hash,
        e.hash,
    ).order_by(e.seq)
    # Core, not the ORM: plain rows, streamed in batches (a server-side cursor on PostgreSQL).
    result = session.connection().execute(query.execution_options(yield_per=batch))
    expected, prev = 1, GENESIS_HASH
    last_good_checkpoint = 0
    sha256 = hashlib.sha256
    for row in result:
        (
            seq,
            when,
            user_id,
            username,
            org_id,
            roles,
            purpose,
            action,
            records,
            decision,
            policy_ids,
            request_id,
            details,
            stored_prev,
            stored_hash,
        ) = row
        if seq != expected:
            raise _ChainError(
                expected,
                f"Event {expected} is missing: the log jumps from event "
                f"{expected - 1} to event {seq} (events deleted).",
            )
        if stored_prev != prev:
            raise _ChainError(
                seq,
                f"Event {seq} does not follow event {seq - 1}: its "
                "previous-hash does not match (an event was inserted, deleted or "
                "reordered here).",
            )
        stamp = _sqlite_time(str(when)) if sqlite else format_time(cast(datetime, when))
        document = event_document(
            seq,
            stamp,
            user_id,
            username,
            org_id,
            roles,
            purpose,
            action,
            records,
            decision,
            policy_ids,
            request_id,
            details,
        )
        if sha256(prev.encode("ascii") + b"\n" + document).hexdigest() != stored_hash:
            raise _ChainError(
                seq, f"Event {seq} has been modified: its contents no longer match its hash."
            )
        prev = stored_hash
        checkpoint = checkpoints.get(seq)
        if seq % CHECKPOINT_EVERY == 0 and checkpoint is None:
            raise _ChainError(seq, f"The signed checkpoint at event {seq} is missing (deleted).")
        if checkpoint is not None:
            _check_checkpoint(
                checkpoint.seq,
                checkpoint.head_hash,
                checkpoint.signature,
                prev,
                public_key,
                last_good_checkpoint,
            )
            last_good_checkpoint = seq
        expected += 1
    return expected - 1, prev


def _sqlite_time(text: str) -> str:
    """SQLite's stored "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) in canonical form."""
    if len(text) == 19:
        text += ".000000"
    return text[:10] + "T" + text[11:26] + "Z"


def _check_checkpoint(
    seq: int,
    head_hash: str,
    signature: str,
    chain_hash: str,
    public_key: Any,
    last_good: int,
) -> None:
    if not audit_keys.checkpoint_signature_ok(public_key, seq, head_hash, signature):
        raise _ChainError(
            seq,
            f"The checkpoint at event {seq} has an invalid signature "
            "(forged, or signed with another key).",
        )
    if head_hash != chain_hash:
        raise _ChainError(
            last_good + 1,
            f"The chain no longer matches the checkpoint signed at event {seq}: "
            f"events {last_good + 1} to {seq} were rewritten and the chain "
            "recomputed without the signing key. First bad event: "
            f"{last_good + 1} or later.",
        )


def _check_tail(
    session: Session,
    count: int,
    last_hash: str,
    checkpoints: dict[int, AuditCheckpoint],
    exported: list[dict[str, Any]],
    public_key: Any,
) -> None:
    beyond = [seq for seq in checkpoints if seq > count]
    beyond += [int(e["seq"]) for e in exported if int(e["seq"]) > count]
    if beyond:
        raise _ChainError(
            count + 1,
            f"The log ends at event {count} but a checkpoint was signed at "
            f"event {max(beyond)}: events {count + 1} to {max(beyond)} were removed "
            "(truncated tail).",
        )
    for entry in exported:
        seq = int(entry["seq"])
        stored = checkpoints.get(seq)
        if stored is None or stored.head_hash != entry["head_hash"]:
            raise _ChainError(
                seq,
                f"The checkpoint at event {seq} kept outside the database does "
                "not match the database (checkpoint removed or chain rewritten).",
            )
    head = session.execute(
        select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)
    ).first()
    if head is not None and (int(head.seq) != count or (count and head.hash != last_hash)):
        raise _ChainError(
            count + 1 if int(head.seq) > count else int(head.seq),
            f"The chain head says event {head.seq} is the last, but the log ends at "
            f"event {count} (events removed or the head altered).",
        )

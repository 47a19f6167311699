"""Erasure suppression: a partner record erased at the data subject's request stays erased.

Erasure deletes the person's partner records, but the partner's next extract would carry
them again until the partner erases at source. So erasure remembers each erased record as a
keyed fingerprint, HMAC-SHA256 of (source, record id), and of (source, the partner's own
person id) where the record had one; the loader skips a row whose fingerprint is
suppressed, before it is normalised, quarantined or related to anyone, and counts it in the
extract's summary. Nothing about the person is stored in clear: the key is a file in the
keys directory (``settings.resolved_keys_dir``, outside the database and its backups), made
when the first record is suppressed; without it a fingerprint cannot be tested against a
guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.config import get_settings
from familyhub.rights.models import ErasureSuppression

KEY_FILE = "erasure-suppression.key"
_KEY_BYTES = 32
RECORD = "record"
PARTNER = "partner"
SKIPPED_REASON = "erased at the data subject's request"


class SuppressionKeyError(RuntimeError):
    """Records are suppressed but the key to recognise them is missing."""


def key_path(keys_dir: Path | None = None) -> Path:
    return (keys_dir or get_settings().resolved_keys_dir) / KEY_FILE


def _load_key(keys_dir: Path | None, *, create: bool) -> bytes:
    path = key_path(keys_dir)
    if not path.exists():
        if not create:
            raise SuppressionKeyError(
                f"records erased at their subjects' request are suppressed, but the key to "
                f"recognise them ({path}) is missing: restore it from the keys backup; loading "
                "without it would bring erased records back"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made by a concurrent erasure: use theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(_KEY_BYTES) + "\n")
    return bytes.fromhex(path.read_text().strip())


def fingerprint(key: bytes, kind: str, source: str, value: str) -> str:
    message = "\x1f".join((kind, source, value)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Suppressed:
    """One source's suppressed fingerprints and the key to test values against them
    (picklable: the row preparer may run in a second process)."""

    source: str
    key: bytes
    fingerprints: frozenset[str]

    def record(self, record_id: str) -> bool:
        return fingerprint(self.key, RECORD, self.source, record_id) in self.fingerprints

    def partner(self, partner_person_id: str) -> bool:
        return fingerprint(self.key, PARTNER, self.source, partner_person_id) in self.fingerprints


def suppressed_for(
    session: Session, source: str, *, keys_dir: Path | None = None
) -> Suppressed | None:
    """The source's suppressed fingerprints, or None when it has none (one query per load)."""
    prints = frozenset(
        session.scalars(
            select(ErasureSuppression.fingerprint).where(ErasureSuppression.source == source)
        )
    )
    if not prints:
        return None
    return Suppressed(source, _load_key(keys_dir, create=False), prints)


def suppress(
    session: Session,
    records: Iterable[tuple[str, str, str | None]],
    *,
    request_id: int | None,
    keys_dir: Path | None = None,
) -> int:
    """Remember erased records ((source, record id, partner person id)); returns how many
    fingerprints were added. Idempotent."""
    rows = list(records)
    if not rows:
        return 0
    key = _load_key(keys_dir, create=True)
    wanted: dict[str, tuple[str, str]] = {}
    for source, record_id, partner in rows:
        wanted[fingerprint(key, RECORD, source, record_id)] = (source, RECORD)
        if partner:
            wanted[fingerprint(key, PARTNER, source, partner)] = (source, PARTNER)
    have = set(
        session.scalars(
            select(ErasureSuppression.fingerprint).where(
                ErasureSuppression.fingerprint.in_(sorted(wanted))
            )
        )
    )
    added = 0
    for value, (source, kind) in sorted(wanted.items()):
        if value in have:
            continue
        session.add(
            ErasureSuppression(source=source, kind=kind, fingerprint=value, request_id=request_id)
        )
        added += 1
    session.flush()
    return added

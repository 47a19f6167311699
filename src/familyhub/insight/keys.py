"""Pseudonymisation keys: one master key in a file, one derived key per purpose and version.

The master key lives in ``settings.resolved_keys_dir`` (outside the database and its
backups). Each purpose key is HKDF-SHA256 of the master key with the version's random salt
and an ``info`` naming the purpose, so:

* two purposes never share a key, and their pseudonyms cannot be joined;
* rotating a purpose (a new version, a new salt) changes every one of its pseudonyms;
* the database holds salts and version numbers only; without the key file nothing can be
  re-derived.

A missing master key is an error that says where it was expected and how to create it: a
key is never generated on the fly during an extract (that would silently break every
pseudonym issued before).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.config import get_settings
from familyhub.insight.models import PurposeKeyVersion
from familyhub.insight.purposes import get_purpose
from familyhub.runs import utcnow

MASTER_KEY_FILE = "insight-master.key"
_MASTER_KEY_BYTES = 32


class InsightKeyError(RuntimeError):
    """Base for key problems whose message tells the user what to do."""


class MissingMasterKeyError(InsightKeyError):
    pass


class NoPurposeKeyError(InsightKeyError):
    pass


class MasterKeyMismatchError(InsightKeyError):
    pass


def master_key_path(keys_dir: Path | None = None) -> Path:
    return (keys_dir or get_settings().resolved_keys_dir) / MASTER_KEY_FILE


def init_master_key(keys_dir: Path | None = None) -> Path:
    """Create the master key file (owner-only); refuses to overwrite an existing one."""
    path = master_key_path(keys_dir)
    if path.exists():
        raise FileExistsError(
            f"A master key already exists at {path}; replacing it would change every "
            "pseudonym. Rotate a purpose's key instead: familyhub insight keys rotate --purpose P"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    # O_EXCL: two concurrent inits cannot both write a key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(_MASTER_KEY_BYTES) + "\n")
    return path


def load_master_key(keys_dir: Path | None = None) -> bytes:
    path = master_key_path(keys_dir)
    if not path.exists():
        raise MissingMasterKeyError(
            f"No insight master key at {path}. Create it once with `familyhub insight keys "
            "init` (set FAMILYHUB_KEYS_DIR to keep keys elsewhere), and back it up apart "
            "from the database."
        )
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _MASTER_KEY_BYTES:
        raise MissingMasterKeyError(
            f"The insight master key at {path} is not {_MASTER_KEY_BYTES * 2} hex characters; "
            "restore it from its backup."
        )
    return key


def master_fingerprint(master: bytes) -> str:
    """A short one-way tag of the master key, safe to store beside the salts."""
    return hmac.new(master, b"familyhub insight master key check", hashlib.sha256).hexdigest()[:32]


def derive_purpose_key(master: bytes, *, purpose: str, version: int, salt: bytes) -> bytes:
    info = f"familyhub insight pseudonyms|purpose={purpose}|version={version}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)


@dataclass(frozen=True)
class PurposeKey:
    purpose: str
    version: int
    key: bytes

    def __repr__(self) -> str:  # never print the key
        return f"PurposeKey(purpose={self.purpose!r}, version={self.version})"


def _versions(session: Session, purpose: str) -> list[PurposeKeyVersion]:
    query = (
        select(PurposeKeyVersion)
        .where(PurposeKeyVersion.purpose == purpose)
        .order_by(PurposeKeyVersion.version)
    )
    return list(session.scalars(query))


def create_purpose_key(
    *, session: Session, purpose: str, actor: str, keys_dir: Path | None = None
) -> PurposeKeyVersion:
    """Version 1 of a purpose's key; refuses if the purpose already has one."""
    get_purpose(purpose)
    if _versions(session, purpose):
        raise FileExistsError(
            f"Purpose {purpose!r} already has a key; to change its pseudonyms use "
            f"familyhub insight keys rotate --purpose {purpose}"
        )
    return _new_version(session, purpose=purpose, version=1, actor=actor, keys_dir=keys_dir)


def rotate_purpose_key(
    *, session: Session, purpose: str, actor: str, keys_dir: Path | None = None
) -> PurposeKeyVersion:
    """Retire the current version and start a new one: every pseudonym changes."""
    get_purpose(purpose)
    versions = _versions(session, purpose)
    if not versions:
        raise NoPurposeKeyError(
            f"Purpose {purpose!r} has no key to rotate; create one with "
            f"familyhub insight keys create --purpose {purpose}"
        )
    current = versions[-1]
    current.retired_at = utcnow()
    return _new_version(
        session, purpose=purpose, version=current.version + 1, actor=actor, keys_dir=keys_dir
    )


def _new_version(
    session: Session, *, purpose: str, version: int, actor: str, keys_dir: Path | None
) -> PurposeKeyVersion:
    master = load_master_key(keys_dir)
    row = PurposeKeyVersion(
        purpose=purpose,
        version=version,
        salt=secrets.token_hex(16),
        master_fingerprint=master_fingerprint(master),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def list_purpose_keys(*, session: Session) -> list[PurposeKeyVersion]:
    query = select(PurposeKeyVersion).order_by(PurposeKeyVersion.purpose, PurposeKeyVersion.version)
    return list(session.scalars(query))


def current_purpose_key(
    *, session: Session, purpose: str, keys_dir: Path | None = None
) -> PurposeKey:
    """The key for a purpose's current version, derived now from the master key file."""
    get_purpose(purpose)
    master = load_master_key(keys_dir)
    versions = _versions(session, purpose)
    if not versions:
        raise NoPurposeKeyError(
            f"Purpose {purpose!r} has no pseudonymisation key yet; create one with "
            f"familyhub insight keys create --purpose {purpose}"
        )
    current = versions[-1]
    if not hmac.compare_digest(current.master_fingerprint, master_fingerprint(master)):
        raise MasterKeyMismatchError(
            f"The master key at {master_key_path(keys_dir)} is not the one purpose "
            f"{purpose!r} (version {current.version}) was made with: every pseudonym would "
            "change. Restore the original key file, or rotate the purpose's key on purpose."
        )
    key = derive_purpose_key(
        master, purpose=purpose, version=current.version, salt=bytes.fromhex(current.salt)
    )
    return PurposeKey(purpose=purpose, version=current.version, key=key)

"""The Ed25519 key that signs audit checkpoints, kept in the keys directory, never the database.

Whoever can change the database cannot forge a checkpoint without this file, so a chain
rewritten from some point onwards, or cut short, no longer matches the signed heads.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from familyhub.config import get_settings

PRIVATE_KEY_FILE = "audit-signing-ed25519.pem"
PUBLIC_KEY_FILE = "audit-signing-ed25519.pub.pem"


class SigningKeyMissingError(RuntimeError):
    """No audit signing key where one is needed."""


def keys_dir(path: Path | None = None) -> Path:
    return path if path is not None else get_settings().resolved_keys_dir


def load_signing_key(path: Path | None = None, *, create: bool = True) -> Ed25519PrivateKey:
    """The signing key in the keys directory, generated (mode 0600) on first use."""
    directory = keys_dir(path)
    key_file = directory / PRIVATE_KEY_FILE
    if key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyMissingError(f"{key_file} is not an Ed25519 private key.")
        return key
    if not create:
        raise SigningKeyMissingError(f"No audit signing key at {key_file}.")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    (directory / PUBLIC_KEY_FILE).write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key


def load_verify_key(path: Path | None = None) -> Ed25519PublicKey:
    """The public key: from its own file (auditors need only this), else from the private key."""
    directory = keys_dir(path)
    public_file = directory / PUBLIC_KEY_FILE
    if public_file.exists():
        key = serialization.load_pem_public_key(public_file.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyMissingError(f"{public_file} is not an Ed25519 public key.")
        return key
    return load_signing_key(path, create=False).public_key()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_message(seq: int, head_hash: str) -> bytes:
    return f"familyhub-audit-checkpoint\n{seq}\n{head_hash}".encode("ascii")


def sign_checkpoint(key: Ed25519PrivateKey, seq: int, head_hash: str) -> str:
    return key.sign(checkpoint_message(seq, head_hash)).hex()


def checkpoint_signature_ok(
    public_key: Ed25519PublicKey, seq: int, head_hash: str, signature: str
) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature), checkpoint_message(seq, head_hash))
    except (InvalidSignature, ValueError):
        return False
    return True

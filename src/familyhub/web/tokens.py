"""API tokens for ``/api/v1``: one user, one purpose, a fixed lifetime, revocable.

Like browser sessions, only the SHA-256 digest is stored, and the user's account is
re-checked on every call: disabling the account or changing its password ends its tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.models import User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.runs import utcnow
from familyhub.web.models import ApiToken
from familyhub.web.purposes import purposes_for
from familyhub.web.sessions import TOUCH_INTERVAL, digest, new_token

TOKEN_PREFIX = "fh_"  # noqa: S105 (a prefix, not a secret)
MAX_DAYS = 90


class TokenRefusedError(Exception):
    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "The API token is not recognised.",
        "expired": "The API token has expired. Ask for a new one.",
        "revoked": "The API token was revoked, or its account's sign-in details changed.",
        "disabled": "The account this API token belongs to is disabled.",
    }

    def __init__(self, reason: str, *, actor: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.actor = actor

    @property
    def message(self) -> str:
        return self.MESSAGES.get(self.reason, self.MESSAGES["unknown"])


@dataclass
class IssuedToken:
    record: ApiToken
    token: str


def issue_api_token(
    session: Session, *, user: User, purpose: str, label: str, days: int = 30
) -> IssuedToken:
    """A new token for ``user`` acting for ``purpose``; the token is shown once, never stored."""
    if purpose not in load_vocabulary().purposes:
        raise ValueError(f"{purpose!r} is not a purpose in the vocabulary.")
    if purpose not in purposes_for(user):
        raise ValueError(f"{purpose!r} is not a purpose {user.username}'s roles work for.")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A token lasts between 1 and {MAX_DAYS} days.")
    if user.disabled:
        raise ValueError("The account is disabled.")
    token = TOKEN_PREFIX + new_token()
    record = ApiToken(
        token_digest=digest(token),
        user_id=user.id,
        user_session_version=user.session_version,
        purpose=purpose,
        label=label,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return IssuedToken(record=record, token=token)


def find_api_token(session: Session, *, token: str) -> tuple[ApiToken, User]:
    """The live token and its user, or :class:`TokenRefusedError` saying why not."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_digest == digest(token)))
    if record is None:
        raise TokenRefusedError("unknown")
    user = session.get(User, record.user_id)
    if record.revoked_at is not None:
        raise TokenRefusedError("revoked", actor=user)
    expires = record.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if utcnow() >= expires:
        raise TokenRefusedError("expired", actor=user)
    if user is None or user.disabled:
        raise TokenRefusedError("disabled", actor=user)
    if user.session_version != record.user_session_version:
        raise TokenRefusedError("revoked", actor=user)
    # Noted at most once a minute: a write on every call would serialise API traffic.
    now = utcnow()
    last = record.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=UTC)) >= TOUCH_INTERVAL:
        record.last_used_at = now
    return record, user


def revoke_api_token(session: Session, *, token_id: int) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None:
        raise LookupError(f"No API token with id {token_id}.")
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
    return record

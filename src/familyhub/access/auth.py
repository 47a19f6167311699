"""Sign-in: argon2 passwords (the embedded default) and linking OpenID Connect identities.

Nobody registers themselves: an OpenID Connect sign-in only succeeds for a user an
administrator has already created, matched by (issuer, subject) or, the first time, by email.
"""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.models import User

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a wrong username takes as long
# as a wrong password and response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-only-for-timing")

MIN_PASSWORD_LENGTH = 12


class PasswordPolicyError(ValueError):
    """The new password is too weak to accept."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return _hasher.hash(password)


def find_user(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The enabled user with this username and password, or None (in similar time)."""
    user = find_user(session, username=username)
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or stored is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Set a new password; sessions issued under the old one stop working."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    session.flush()


def find_or_link_oidc_user(
    session: Session, *, issuer: str, subject: str, email: str | None
) -> User | None:
    """The existing, enabled user for this OpenID identity, linking it on first sign-in.

    Matched by (issuer, subject); failing that, by email to a user not yet linked to any
    OpenID identity. Never creates a user.
    """
    user = session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )
    if user is None and email:
        candidates = session.scalars(
            select(User).where(
                func.lower(User.email) == email.strip().lower(), User.oidc_subject.is_(None)
            )
        ).all()
        # Two accounts sharing an email is an administrator's mistake: link neither.
        if len(candidates) == 1:
            user = candidates[0]
            user.oidc_issuer = issuer
            user.oidc_subject = subject
            session.flush()
    if user is None or user.disabled:
        return None
    return user


def disable_user(session: Session, *, user_id: int, by: User | str) -> User:
    """Disable an account: it cannot sign in, and its existing sessions end at once."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"No user with id {user_id}.")
    user.disabled = True
    user.disabled_at = datetime.now(UTC)
    user.session_version = (user.session_version or 1) + 1
    session.flush()
    from familyhub.audit.service import record_admin_action

    record_admin_action(session, actor=by, action="user.disable", target=f"user:{user.id}")
    return user


def session_is_current(session: Session, *, user_id: int, session_version: int) -> User | None:
    """The user if a web session carrying ``session_version`` is still valid, else None."""
    user = session.get(User, user_id)
    if user is None or user.disabled or user.session_version != session_version:
        return None
    return user

"""Server-side sessions: start, find, rotate on sign-in, end.

The cookie carries a random token; the table keeps only its SHA-256 digest, so the
database alone cannot be used to ride a session. Every check that can end a session is
made on every request (:func:`find_session`): unknown token, ended, idle too long, past
its absolute end, account disabled, or account's session version moved on.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from familyhub.access.models import User
from familyhub.runs import utcnow
from familyhub.web.models import WebSession
from familyhub.web.settings import get_web_settings

# An anonymous session only carries a sign-in form or an OpenID flow: it need not last.
ANONYMOUS_LIFETIME = timedelta(minutes=30)
# Writing last_seen_at on every request would make every page view a write; a minute of
# slack on a 30-minute idle timeout is harmless.
TOUCH_INTERVAL = timedelta(seconds=60)


class SessionRefusedError(Exception):
    """The cookie names no usable session; ``reason`` says why, in a code and in words."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "unknown": "We did not recognise your session. Please sign in.",
        "ended": "You signed out, or your session was ended. Please sign in again.",
        "idle": "You were signed out because you had not done anything for {idle} minutes.",
        "expired": "You were signed out because you signed in more than {absolute} hours ago.",
        "disabled": "Your account has been disabled. Ask your administrator if this is wrong.",
        "revoked": "Your account's sign-in details changed, so please sign in again.",
    }

    def __init__(self, reason: str, *, user_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id

    @property
    def message(self) -> str:
        return describe_end(self.reason)


def describe_end(reason: str) -> str:
    settings = get_web_settings()
    template = SessionRefusedError.MESSAGES.get(reason, SessionRefusedError.MESSAGES["unknown"])
    absolute = f"{settings.session_absolute_hours:g}"
    return template.format(idle=settings.session_idle_minutes, absolute=absolute)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class IssuedSession:
    """A session just created: the record and the token to put in the cookie (once)."""

    record: WebSession
    token: str


def _as_aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes even for timezone-aware columns; we store UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start_anonymous_session(
    session: Session, *, flow: dict[str, Any] | None = None
) -> IssuedSession:
    """A session for someone not signed in yet (the sign-in form's CSRF token, OpenID state)."""
    now = utcnow()
    token = new_token()
    record = WebSession(
        token_digest=digest(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ANONYMOUS_LIFETIME,
        flow=flow or {},
    )
    session.add(record)
    session.flush()
    return IssuedSession(record=record, token=token)


def start_user_session(
    session: Session, *, user: User, auth_method: str, replacing: WebSession | None = None
) -> IssuedSession:
    """Sign ``user`` in: a brand-new token (never the anonymous one, against fixation)."""
    if replacing is not None:
        end_session(replacing, reason="signed_in")
    settings = get_web_settings()
    now = utcnow()
    token = new_token()
    record = WebSession(
        token_digest=digest(token),
        user_id=user.id,
        user_session_version=user.session_version,
        auth_method=auth_method,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        flow={},
    )
    session.add(record)
    session.flush()
    return IssuedSession(record=record, token=token)


def find_session(session: Session, *, token: str, now: datetime | None = None) -> WebSession:
    """The live session for ``token``, touched; or :class:`SessionRefusedError` saying why not.

    A session found to be over is ended in the database too, so the refusal is final.
    """
    now = now or utcnow()
    record = session.scalar(select(WebSession).where(WebSession.token_digest == digest(token)))
    if record is None:
        raise SessionRefusedError("unknown")
    if record.ended_at is not None:
        raise SessionRefusedError("ended", user_id=record.user_id)
    reason = _why_over(session, record, now)
    if reason is not None:
        end_session(record, reason=reason, now=now)
        raise SessionRefusedError(reason, user_id=record.user_id)
    if now - _as_aware(record.last_seen_at) >= TOUCH_INTERVAL:
        record.last_seen_at = now
    return record


def _why_over(session: Session, record: WebSession, now: datetime) -> str | None:
    settings = get_web_settings()
    if now >= _as_aware(record.expires_at):
        return "expired" if record.user_id is not None else "idle"
    if record.user_id is None:
        return None
    if now - _as_aware(record.last_seen_at) >= timedelta(minutes=settings.session_idle_minutes):
        return "idle"
    user = session.get(User, record.user_id)
    if user is None or user.disabled:
        return "disabled"
    if user.session_version != record.user_session_version:
        return "revoked"
    return None


def end_session(record: WebSession, *, reason: str, now: datetime | None = None) -> None:
    if record.ended_at is None:
        record.ended_at = now or utcnow()
        record.end_reason = reason
        record.flow = {}


def end_sessions_of_user(session: Session, *, user_id: int, reason: str = "disabled") -> int:
    """End every live session of a user at once (e.g. when an administrator disables them).

    Not needed for correctness (each request re-checks the account) but it keeps the table
    honest about which sessions are live.
    """
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason, flow={}),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def choose_purpose(session: Session, *, record: WebSession, purpose: str) -> None:
    """State the purpose for the rest of this session.

    Stated once: every audit event of one session carries the same purpose. To work for
    another purpose the user starts a new session (:func:`restart_for_new_purpose`). The
    CSRF token is rotated with the change of privilege.
    """
    if record.user_id is None:
        raise ValueError("only a signed-in session has a purpose")
    if record.purpose is not None:
        raise ValueError("purpose already stated for this session")
    record.purpose = purpose
    record.csrf_token = secrets.token_urlsafe(32)
    session.flush()


def restart_for_new_purpose(session: Session, *, record: WebSession) -> IssuedSession:
    """End this session and start another for the same user with no purpose stated yet.

    The new session keeps the old one's absolute end, so changing purpose never extends
    how long a sign-in lasts.
    """
    if record.user_id is None:
        raise ValueError("only a signed-in session has a purpose")
    end_session(record, reason="purpose_changed")
    now = utcnow()
    token = new_token()
    fresh = WebSession(
        token_digest=digest(token),
        user_id=record.user_id,
        user_session_version=record.user_session_version,
        auth_method=record.auth_method,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=record.expires_at,
        flow={},
    )
    session.add(fresh)
    session.flush()
    return IssuedSession(record=fresh, token=token)


def csrf_matches(record: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(record.csrf_token, str(submitted))


def purge_old_sessions(session: Session, *, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete session records that could no longer be used for more than ``older_than``.

    Every session, ended early or not, is past its ``expires_at`` within 8 hours, so this
    removes everything dead for a day while keeping recent endings for investigation.
    """
    cutoff = utcnow() - older_than
    # No in-memory synchronisation: SQLite hands back naive datetimes, and nothing loaded in
    # this session can be a day past its expiry anyway.
    result = session.execute(
        delete(WebSession).where(WebSession.expires_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)

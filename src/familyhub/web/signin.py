"""Signing in and out, and stating a purpose: each step audited, refusals included.

Services take the database session keyword-only and never touch HTTP; the routes in
:mod:`familyhub.web.auth_pages` call them and set cookies.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.auth import authenticate, find_or_link_oidc_user, find_user
from familyhub.access.models import User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.audit.models import AuditEvent
from familyhub.audit.service import Actor, record, record_refusal
from familyhub.runs import utcnow
from familyhub.web.models import WebSession
from familyhub.web.sessions import (
    IssuedSession,
    choose_purpose,
    end_session,
    purge_old_sessions,
    restart_for_new_purpose,
    start_user_session,
)

WRONG_CREDENTIALS = "Enter a correct username and password."
# Guessing passwords: after this many refused sign-ins for one username within the window,
# further attempts are refused without looking at the password until the window moves on.
MAX_FAILED_SIGN_INS = 5
FAILED_SIGN_IN_WINDOW = timedelta(minutes=15)
TOO_MANY_ATTEMPTS = (
    "There have been too many attempts to sign in with this username. Wait 15 minutes and "
    "try again, or ask your administrator to reset your password."
)
OIDC_NO_ACCOUNT = (
    "Your council account is not set up for this service. Ask your administrator to add you."
)


class SignInRefusedError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def sign_in_with_password(
    session: Session,
    *,
    username: str,
    password: str,
    replacing: WebSession | None,
    request_id: str | None,
) -> IssuedSession:
    """A new signed-in session, or :class:`SignInRefusedError` (audited) with a message to show.

    The message is the same for an unknown user, a wrong password and a disabled account,
    so the form does not tell anyone which usernames exist.
    """
    if recent_failed_sign_ins(session, username=username) >= MAX_FAILED_SIGN_INS:
        session.rollback()
        record_refusal(
            session,
            actor=username[:120],
            action="auth.sign_in",
            purpose=None,
            request_id=request_id,
            reason="too_many_attempts",
            details={"method": "password"},
        )
        raise SignInRefusedError(TOO_MANY_ATTEMPTS)
    user = authenticate(session, username=username, password=password)
    if user is None:
        known = find_user(session, username=username)
        reason = "wrong_credentials"
        if known is not None and known.disabled:
            reason = "account_disabled"
        session.rollback()
        record_refusal(
            session,
            actor=known if known is not None else username[:120],
            action="auth.sign_in",
            purpose=None,
            request_id=request_id,
            reason=reason,
            details={"method": "password"},
        )
        raise SignInRefusedError(WRONG_CREDENTIALS)
    return _signed_in(
        session, user=user, method="password", replacing=replacing, request_id=request_id
    )


def recent_failed_sign_ins(session: Session, *, username: str) -> int:
    """Password sign-ins refused for this username within the window (from the audit log)."""
    since = utcnow() - FAILED_SIGN_IN_WINDOW
    count = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "auth.sign_in",
            AuditEvent.decision == "refused",
            AuditEvent.occurred_at >= since,
            func.lower(AuditEvent.actor_username) == username[:120].lower(),
        )
    )
    return int(count or 0)


def sign_in_with_oidc(
    session: Session,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    replacing: WebSession | None,
    request_id: str | None,
) -> IssuedSession:
    """Sign in the existing user linked to (or, first time, matched by email to) this identity."""
    user = find_or_link_oidc_user(session, issuer=issuer, subject=subject, email=email)
    if user is None:
        session.rollback()
        record_refusal(
            session,
            actor=f"oidc:{subject}"[:120],
            action="auth.sign_in",
            purpose=None,
            request_id=request_id,
            reason="no_linked_account",
            details={"method": "oidc", "issuer": issuer},
        )
        raise SignInRefusedError(OIDC_NO_ACCOUNT)
    return _signed_in(session, user=user, method="oidc", replacing=replacing, request_id=request_id)


def refuse_oidc(
    session: Session, *, reason: str, request_id: str | None, message: str
) -> SignInRefusedError:
    """Audit an OpenID sign-in that failed before we knew who it was; the caller raises it."""
    session.rollback()
    record_refusal(
        session,
        actor="anonymous",
        action="auth.sign_in",
        purpose=None,
        request_id=request_id,
        reason=reason,
        details={"method": "oidc"},
    )
    return SignInRefusedError(message)


def _signed_in(
    session: Session,
    *,
    user: User,
    method: str,
    replacing: WebSession | None,
    request_id: str | None,
) -> IssuedSession:
    issued = start_user_session(session, user=user, auth_method=method, replacing=replacing)
    # Sign-ins are frequent enough, and rare enough, to keep the table tidy from here.
    purge_old_sessions(session)
    record(
        session,
        actor=user,
        action="auth.sign_in",
        records=[],
        decision="allow",
        purpose=None,
        request_id=request_id,
        details={"method": method},
    )
    return issued


def state_purpose(
    session: Session,
    *,
    record_: WebSession,
    actor: Actor,
    purpose: str,
    offered: Collection[str],
    request_id: str | None,
) -> None:
    """Record the session's purpose; one not ``offered`` to this user is refused (audited)."""
    if purpose not in offered:
        known = purpose in load_vocabulary().purposes
        record_refusal(
            session,
            actor=actor,
            action="auth.purpose",
            purpose=None,
            request_id=request_id,
            reason="purpose_not_for_role" if known else "unknown_purpose",
        )
        raise ValueError("Select one of the purposes listed.")
    choose_purpose(session, record=record_, purpose=purpose)
    record(
        session,
        actor=actor,
        action="auth.purpose",
        records=[],
        decision="allow",
        purpose=purpose,
        request_id=request_id,
    )


def change_purpose(
    session: Session, *, record_: WebSession, actor: Actor, request_id: str | None
) -> IssuedSession:
    issued = restart_for_new_purpose(session, record=record_)
    record(
        session,
        actor=actor,
        action="auth.purpose_change",
        records=[],
        decision="allow",
        purpose=record_.purpose,
        request_id=request_id,
    )
    return issued


def sign_out(
    session: Session, *, record_: WebSession, actor: Actor | None, request_id: str | None
) -> None:
    end_session(record_, reason="signed_out")
    if actor is not None:
        record(
            session,
            actor=actor,
            action="auth.sign_out",
            records=[],
            decision="allow",
            purpose=record_.purpose,
            request_id=request_id,
        )

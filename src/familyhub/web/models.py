"""Server-side sessions and API tokens.

The browser holds only a random token; the database holds its SHA-256 digest and everything
the session means (who, which purpose, when it ends). So a forged cookie matches nothing, a
cookie replayed after sign-out or expiry matches an ended record, and disabling an account
ends its sessions on the very next request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from familyhub.audit.models import AuditEvent
from familyhub.db import Base
from familyhub.runs import utcnow


class WebSession(Base):
    """One browser session: anonymous (sign-in form, OpenID flow) or signed in."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Who is signed in; None while anonymous. The user is re-read on every request.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    # The user's session_version at sign-in: disabling the account or changing its password
    # raises the user's number, and this session is refused on its next request.
    user_session_version: Mapped[int | None] = mapped_column(Integer)
    auth_method: Mapped[str | None] = mapped_column(String(20))
    purpose: Mapped[str | None] = mapped_column(String(60))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Indexed for the purge of old records (see sessions.purge_old_sessions).
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(30))
    # State of an OpenID Connect sign-in in progress (state, nonce, PKCE verifier).
    flow: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiToken(Base):
    """A bearer token for ``/api/v1``, bound to one user and one purpose."""

    __tablename__ = "web_api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    user_session_version: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Every person or family view raises its audit event, whose burst check (audit.alerts)
# counts what the viewer opened in the last few minutes: by viewer, then time. Declared here,
# beside the pages that make that check on every request, with migration 0012 that adds it.
Index("ix_audit_event_actor_user_id_occurred_at", AuditEvent.actor_user_id, AuditEvent.occurred_at)

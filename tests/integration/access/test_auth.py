"""Signing in: passwords, OpenID Connect linking (no self-registration), disabling."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.auth import (
    authenticate,
    disable_user,
    find_or_link_oidc_user,
    session_is_current,
    set_password,
)
from familyhub.audit.models import AuditEvent

from .people import organisation, user

ISSUER = "https://login.example.org/tenant"


def test_right_password_signs_in_and_wrong_or_unknown_does_not(session: Session) -> None:
    org = organisation(session)
    alex = user(session, org, "health_visitor", username="alex.jones")
    set_password(session, user=alex, password="a long synthetic passphrase")
    assert authenticate(session, username="alex.jones", password="a long synthetic passphrase")
    assert authenticate(session, username="ALEX.JONES", password="a long synthetic passphrase")
    assert authenticate(session, username="alex.jones", password="wrong password!!") is None
    assert authenticate(session, username="nobody.here", password="anything at all") is None


def test_password_is_stored_as_argon2_never_in_clear(session: Session) -> None:
    alex = user(session, organisation(session), "gp")
    set_password(session, user=alex, password="a long synthetic passphrase")
    assert alex.password_hash is not None
    assert alex.password_hash.startswith("$argon2")
    assert "synthetic" not in alex.password_hash


def test_disabling_ends_sign_in_and_sessions_at_once_and_is_audited(session: Session) -> None:
    org = organisation(session)
    admin = user(session, org, "administrator")
    sam = user(session, org, "social_worker")
    set_password(session, user=sam, password="a long synthetic passphrase")
    version = sam.session_version
    assert session_is_current(session, user_id=sam.id, session_version=version)
    disable_user(session, user_id=sam.id, by=admin)
    assert (
        authenticate(session, username=sam.username, password="a long synthetic passphrase") is None
    )
    assert session_is_current(session, user_id=sam.id, session_version=version) is None
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert (event.action, event.records, event.actor_username) == (
        "user.disable",
        [f"user:{sam.id}"],
        admin.username,
    )


def test_changing_the_password_ends_older_sessions(session: Session) -> None:
    sam = user(session, organisation(session), "social_worker")
    set_password(session, user=sam, password="a long synthetic passphrase")
    old = sam.session_version
    set_password(session, user=sam, password="another long passphrase")
    assert session_is_current(session, user_id=sam.id, session_version=old) is None


def test_oidc_links_an_existing_user_by_email_then_by_subject(session: Session) -> None:
    sam = user(session, organisation(session), "social_worker", username="sam.khan")
    linked = find_or_link_oidc_user(
        session, issuer=ISSUER, subject="sub-123", email="SAM.KHAN@example.org"
    )
    assert linked is not None
    assert linked.id == sam.id
    assert (sam.oidc_issuer, sam.oidc_subject) == (ISSUER, "sub-123")
    again = find_or_link_oidc_user(session, issuer=ISSUER, subject="sub-123", email=None)
    assert again is not None
    assert again.id == sam.id


def test_oidc_never_registers_anyone(session: Session) -> None:
    user(session, organisation(session), "gp")
    assert (
        find_or_link_oidc_user(
            session, issuer=ISSUER, subject="sub-new", email="stranger@example.org"
        )
        is None
    )


def test_oidc_refuses_disabled_users_and_ambiguous_emails(session: Session) -> None:
    org = organisation(session)
    pat = user(session, org, "gp", username="pat.lee")
    pat.disabled = True
    assert (
        find_or_link_oidc_user(session, issuer=ISSUER, subject="s1", email="pat.lee@example.org")
        is None
    )
    one = user(session, org, "gp")
    two = user(session, org, "gp")
    two.email = one.email
    session.flush()
    assert find_or_link_oidc_user(session, issuer=ISSUER, subject="s2", email=one.email) is None

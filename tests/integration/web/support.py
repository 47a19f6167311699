"""Helpers for web tests: synthetic users, signing in through the real forms."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from familyhub.access.auth import hash_password
from familyhub.access.models import Organisation, User
from familyhub.db import unit_of_work

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    id: int
    username: str
    password: str
    display_name: str
    roles: tuple[str, ...]


def make_user(
    username: str,
    *,
    roles: tuple[str, ...] = ("early_help_worker",),
    display_name: str | None = None,
    organisation_code: str = "northmoor-early-help",
    organisation_name: str = "Northmoor Early Help",
    organisation_kind: str = "council_service",
    email: str | None = None,
    password: str | None = PASSWORD,
) -> TestUser:
    """A synthetic user (and their organisation, made once) in the configured database."""
    with unit_of_work() as session:
        organisation = session.query(Organisation).filter_by(code=organisation_code).one_or_none()
        if organisation is None:
            organisation = Organisation(
                code=organisation_code, name=organisation_name, kind=organisation_kind
            )
            session.add(organisation)
            session.flush()
        user = User(
            username=username,
            display_name=display_name or username.replace(".", " ").title(),
            organisation_id=organisation.id,
            roles=list(roles),
            email=email,
            password_hash=hash_password(password) if password else None,
        )
        session.add(user)
        session.flush()
        return TestUser(
            id=user.id,
            username=username,
            password=password or "",
            display_name=user.display_name,
            roles=roles,
        )


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no form with a CSRF token"
    return match.group(1)


def sign_in(
    client: httpx.Client, user: TestUser, *, purpose: str | None = "early_help_support"
) -> httpx.Response:
    """Sign in through the sign-in form and (unless None) state a purpose."""
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "username": user.username,
            "password": user.password,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.status_code == 303, response.text
    if purpose is None:
        return response
    form = client.get("/purpose")
    return client.post("/purpose", data={"purpose": purpose, "csrf_token": csrf_of(form.text)})

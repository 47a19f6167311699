"""The single view's small scenario (one family, five partners, one user per role) in the
test's own database, with passwords so that users sign in through the real forms."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from familyhub.access.auth import hash_password
from familyhub.access.models import User
from familyhub.db import unit_of_work
from tests.integration.singleview.scenario import Scenario, build
from tests.integration.web.support import PASSWORD, TestUser, sign_in


@dataclass(frozen=True)
class Family:
    """What the tests need of the scenario, as plain values (its rows belong to a session)."""

    surname: str
    family_id: str
    child: str
    mother: str
    sealed_sibling: str
    users: dict[str, TestUser]
    purposes: dict[str, str]

    def sign_in(self, client: TestClient, role: str, purpose: str | None = None) -> None:
        response = sign_in(client, self.users[role], purpose=purpose or self.purposes[role])
        assert response.status_code == 303, response.text


def _plain(scenario: Scenario) -> Family:
    users = {}
    with unit_of_work() as session:
        for role, user in scenario.users.items():
            row = session.scalar(select(User).where(User.id == user.id))
            assert row is not None
            row.password_hash = hash_password(PASSWORD)
            users[role] = TestUser(
                id=row.id, username=row.username, password=PASSWORD,
                display_name=row.display_name, roles=(role,),
            )  # fmt: skip
    return Family(
        surname=scenario.surname, family_id=scenario.family_id, child=scenario.child,
        mother=scenario.mother, sealed_sibling=scenario.sealed_sibling, users=users,
        purposes=dict(scenario.purposes),
    )  # fmt: skip


@pytest.fixture
def family(web_env: dict[str, str]) -> Family:
    with unit_of_work() as session:
        scenario = build(session)
    return _plain(scenario)

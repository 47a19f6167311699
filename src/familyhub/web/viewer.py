"""Who is using the service on this request: the user, their organisation, roles and purpose.

Built once per request from the session (or API token) and the user's row, re-read every
time so that a change of role or a disabled account takes effect on the next request. A
snapshot of plain values, so error pages can still show it after the database session
has been rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

from familyhub.access.models import User
from familyhub.access.vocabulary import load_vocabulary
from familyhub.audit.service import Actor


@dataclass(frozen=True)
class Viewer:
    user_id: int
    username: str
    display_name: str
    organisation_id: int
    organisation_name: str
    roles: frozenset[str]
    purpose: str | None
    auth_method: str
    request_id: str | None

    @classmethod
    def of(
        cls, user: User, *, purpose: str | None, auth_method: str, request_id: str | None
    ) -> Viewer:
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            organisation_id=user.organisation_id,
            organisation_name=user.organisation.name,
            roles=user.role_set,
            purpose=purpose,
            auth_method=auth_method,
            request_id=request_id,
        )

    @property
    def actor(self) -> Actor:
        """The viewer as the audit log names them."""
        return Actor(
            user_id=self.user_id,
            username=self.username,
            organisation_id=self.organisation_id,
            roles=tuple(sorted(self.roles)),
        )

    @property
    def role_labels(self) -> list[str]:
        return [role_label(role) for role in sorted(self.roles)]

    @property
    def purpose_label(self) -> str:
        return purpose_label(self.purpose) if self.purpose else "not stated"

    def in_group(self, group: str) -> bool:
        return load_vocabulary().in_group(self.roles, group)


def role_label(role: str) -> str:
    """The role as people say it: the vocabulary's description up to its first full stop."""
    description = load_vocabulary().roles.get(role)
    if not description:
        return role.replace("_", " ")
    return description.split(".")[0].split(" (")[0]


def purpose_label(purpose: str) -> str:
    return purpose.replace("_", " ").capitalize()


def purpose_description(purpose: str) -> str:
    return load_vocabulary().purposes.get(purpose, "")

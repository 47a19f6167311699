"""The vocabulary access decisions use: purposes, roles, role groups, data categories.

Read from ``vocabulary.yaml`` beside this module (or the file named by the environment
variable ``FAMILYHUB_ACCESS_VOCABULARY``) so that a council can change which roles belong
to which group without touching code or policies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")


@dataclass(frozen=True)
class AlertSettings:
    burst_count: int = 30
    burst_minutes: int = 10
    working_day_start: str = "07:30"
    working_day_end: str = "19:00"
    timezone: str = "Europe/London"


@dataclass(frozen=True)
class Vocabulary:
    purposes: dict[str, str]
    organisation_kinds: dict[str, str]
    roles: dict[str, str]
    role_groups: dict[str, frozenset[str]]
    data_categories: dict[str, str]
    sealed_categories: frozenset[str]
    break_glass_minutes: int
    break_glass_min_words: int
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def groups_of(self, role: str) -> frozenset[str]:
        return frozenset(g for g, members in self.role_groups.items() if role in members)

    def in_group(self, roles: frozenset[str] | set[str], group: str) -> bool:
        return bool(set(roles) & self.role_groups.get(group, frozenset()))


class VocabularyError(ValueError):
    """The vocabulary file names something inconsistent (e.g. a group member that is no role)."""


def _parse(data: dict[str, Any], source: Path) -> Vocabulary:
    roles = {str(k): str(v) for k, v in data["roles"].items()}
    groups = {
        str(g): frozenset(str(r) for r in members) for g, members in data["role_groups"].items()
    }
    for group, members in groups.items():
        unknown = members - roles.keys()
        if unknown:
            raise VocabularyError(
                f"{source}: role group {group!r} names unknown roles {sorted(unknown)}"
            )
    purposes = {str(k): str(v) for k, v in data["purposes"].items()}
    categories = {str(k): str(v) for k, v in data["data_categories"].items()}
    sealed = frozenset(str(c) for c in data.get("sealed_categories", []))
    return Vocabulary(
        purposes=purposes,
        organisation_kinds={str(k): str(v) for k, v in data["organisation_kinds"].items()},
        roles=roles,
        role_groups=groups,
        data_categories=categories,
        sealed_categories=sealed,
        break_glass_minutes=int(data.get("break_glass_minutes", 60)),
        break_glass_min_words=int(data.get("break_glass_min_words", 3)),
        alerts=AlertSettings(**data.get("alerts", {})),
    )


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The vocabulary from ``path``, the environment's file, or the packaged default."""
    if path is None:
        env = os.environ.get("FAMILYHUB_ACCESS_VOCABULARY")
        path = Path(env) if env else VOCABULARY_FILE
    with path.open(encoding="utf-8") as handle:
        return _parse(yaml.safe_load(handle), path)


def purposes() -> dict[str, str]:
    """Every purpose a practitioner may state, with a sentence saying what it covers."""
    return dict(load_vocabulary().purposes)


def roles() -> dict[str, str]:
    """Every role a user may hold, with a sentence saying who holds it."""
    return dict(load_vocabulary().roles)


def organisation_kinds() -> dict[str, str]:
    return dict(load_vocabulary().organisation_kinds)


def data_categories() -> dict[str, str]:
    return dict(load_vocabulary().data_categories)

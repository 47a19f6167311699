"""The purposes insight outputs may be produced for, read from ``purposes.yaml``.

An output is always for one named purpose: the purpose picks the pseudonymisation key, the
k for k-anonymity and the suppression threshold, so that the same rules apply every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from familyhub.insight.disclosure import DisclosureRules


class UnknownPurposeError(LookupError):
    """Raised with a message that lists the purposes there are."""


@dataclass(frozen=True)
class Purpose:
    name: str
    description: str
    level: Literal["person", "family"]
    k: int
    threshold: int
    lawful_basis: str
    identifiable: bool = False

    @property
    def rules(self) -> DisclosureRules:
        return DisclosureRules(threshold=self.threshold)


def _parse(name: str, raw: dict[str, Any]) -> Purpose:
    level = raw.get("level", "person")
    if level not in ("person", "family"):
        raise ValueError(f"purpose {name!r}: level must be person or family, not {level!r}")
    k, threshold = int(raw.get("k", 5)), int(raw.get("threshold", 7))
    if k < 2 or threshold < 1:
        raise ValueError(f"purpose {name!r}: k must be at least 2 and threshold at least 1")
    return Purpose(
        name=name,
        description=" ".join(str(raw.get("description", "")).split()),
        level=level,
        k=k,
        threshold=threshold,
        lawful_basis=str(raw.get("lawful_basis", "")),
        identifiable=bool(raw.get("identifiable", False)),
    )


@lru_cache(maxsize=1)
def all_purposes() -> dict[str, Purpose]:
    text = resources.files("familyhub.insight").joinpath("purposes.yaml").read_text("utf-8")
    return {name: _parse(name, raw) for name, raw in yaml.safe_load(text).items()}


def get_purpose(name: str) -> Purpose:
    purposes = all_purposes()
    if name not in purposes:
        known = ", ".join(sorted(purposes))
        raise UnknownPurposeError(
            f"Unknown purpose {name!r}. Insight outputs can be produced for: {known} "
            "(see src/familyhub/insight/purposes.yaml)."
        )
    return purposes[name]

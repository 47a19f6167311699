"""The event-type and data-category vocabulary (``event_types.yaml``), shared with outcomes."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

import yaml


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    text = files("familyhub.sources").joinpath("event_types.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def data_categories() -> dict[str, dict[str, Any]]:
    """Each data category with ``special`` (Art. 9) / ``criminal`` (Art. 10) flags."""
    cats: dict[str, dict[str, Any]] = _vocabulary()["data_categories"]
    return cats


DATA_CATEGORIES: tuple[str, ...] = tuple(data_categories())


def special_categories() -> set[str]:
    return {name for name, info in data_categories().items() if info.get("special")}


def event_types() -> dict[str, dict[str, Any]]:
    """Each event type with its default ``data_category`` and a ``description``."""
    types: dict[str, dict[str, Any]] = _vocabulary()["event_types"]
    return types

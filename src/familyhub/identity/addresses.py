"""Address lines: one tidy line, so that the same address written twice compares equal-ish."""

from __future__ import annotations

import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")


@lru_cache(maxsize=200_000)
def clean_address(raw: str | None) -> str | None:
    """``14  LARCH AVENUE ,Northtown`` -> ``14 Larch Avenue, Northtown``; None if empty.

    Capitals-only addresses become title case; commas get one space after them.
    """
    if raw is None:
        return None
    text = _COMMA.sub(", ", _SPACE.sub(" ", raw)).strip(" ,")
    if not text:
        return None
    if text.isupper():
        text = " ".join(w.capitalize() if w.isalpha() else w for w in text.split(" "))
        text = text.replace(" ,", ",")
    return text

"""Address lines: one tidy line, so that the same address written twice compares equal-ish."""

from __future__ import annotations

import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")
_WORD = re.compile(r"\b[A-Z][A-Z']+\b")


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
        # Words of two or more capitals; "14A" and single letters are left alone.
        text = _WORD.sub(lambda m: m.group().capitalize(), text)
    return text

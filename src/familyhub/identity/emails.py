"""E-mail addresses: trimmed, lower-cased, and checked for a plausible shape."""

from __future__ import annotations

import re
from functools import lru_cache

from familyhub.identity.errors import InvalidValueError

# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@lru_cache(maxsize=100_000)
def normalise_email(raw: str | None) -> str | None:
    """``  Jo.Smith@Example.ORG `` -> ``jo.smith@example.org``; None if empty."""
    if raw is None:
        return None
    text = raw.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not text:
        return None
    text = text.lower()
    if not _EMAIL.match(text) or ".." in text:
        raise InvalidValueError(f"{raw!r} is not an e-mail address")
    return text

"""Whether free text typed into a form can be stored, asked before it reaches the database.

PostgreSQL refuses a NUL character anywhere in text, even inside a query's parameters, and
each column has a length; without this check such input ends as a server error instead of a
message the practitioner can act on. Every service that stores typed text asks here.
"""

from __future__ import annotations


def unstorable_reason(value: str | None, what: str, limit: int | None = None) -> str | None:
    """Why ``value`` cannot be stored as ``what`` (a message for the user), or None if it can."""
    if value is None:
        return None
    if "\x00" in value:
        return f"{what} contains a character that cannot be stored."
    if limit is not None and len(value) > limit:
        return f"{what} is too long (at most {limit} characters)."
    return None

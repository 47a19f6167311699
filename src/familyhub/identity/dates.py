"""Dates in the formats a contract declares, with impossible dates rejected.

``31/02/2020`` is not a date, and ``03/04/2020`` is March or April depending on the partner:
a contract lists its formats in order and we take the first that parses, never guessing
between day-first and month-first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

from familyhub.identity.errors import InvalidValueError

ISO_DATE = "%Y-%m-%d"


@lru_cache(maxsize=400_000)
def _parse_text(text: str, formats: tuple[str, ...]) -> date:
    for fmt in formats:
        if fmt == ISO_DATE:
            # fromisoformat is ten times faster than strptime and as strict for YYYY-MM-DD.
            if len(text) == 10 and text[4] == "-" and text[7] == "-":
                try:
                    return date.fromisoformat(text)
                except ValueError:
                    continue
            continue
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidValueError(
        f"{text!r} is not a real date in the expected format ({' or '.join(formats)})"
    )


def parse_date(
    raw: str | date | None,
    formats: Sequence[str] = (ISO_DATE,),
    *,
    earliest: date | None = None,
    latest: date | None = None,
) -> date | None:
    """Parse ``raw`` with the first of ``formats`` (strptime codes) that fits; None if empty.

    Raises InvalidValueError for text in no listed format, impossible dates (30 February), and
    dates outside ``earliest``..``latest`` (e.g. a date of birth in the future).
    """
    if raw is None:
        return None
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text = raw.strip()
        if not text:
            return None
        # Spreadsheets and some exports add a midnight time to date-only values.
        for suffix in (" 00:00:00", "T00:00:00", " 00:00"):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
        value = _parse_text(text, tuple(formats))
    if earliest is not None and value < earliest:
        raise InvalidValueError(f"{value.isoformat()} is before {earliest.isoformat()}")
    if latest is not None and value > latest:
        raise InvalidValueError(f"{value.isoformat()} is after {latest.isoformat()}")
    return value

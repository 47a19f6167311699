"""Sex as we store it: ``M`` male, ``F`` female, ``U`` unknown / not stated / indeterminate.

Partners use words (Male), letters (M) or the NHS Data Dictionary's person stated gender
codes (1 male, 2 female, 9 indeterminate, 0 or X not known). A contract may add its own codes.
"""

from __future__ import annotations

from collections.abc import Mapping

from familyhub.identity.errors import InvalidValueError

SEX_CODES = ("M", "F", "U")

DEFAULT_SEX_VALUES: dict[str, str] = {
    "m": "M", "male": "M", "man": "M", "boy": "M", "1": "M",
    "f": "F", "female": "F", "woman": "F", "girl": "F", "2": "F",
    "u": "U", "unknown": "U", "not known": "U", "not stated": "U", "0": "U", "9": "U",
    "x": "U", "i": "U", "indeterminate": "U", "other": "U", "prefer not to say": "U",
}  # fmt: skip


def normalise_sex(raw: str | None, extra: Mapping[str, str] | None = None) -> str | None:
    """One of ``M``/``F``/``U``, or None if empty; ``extra`` maps a partner's own codes."""
    if raw is None:
        return None
    key = raw.strip().lower()
    if not key:
        return None
    if extra:
        for code, value in extra.items():
            if code.strip().lower() == key:
                return value
    try:
        return DEFAULT_SEX_VALUES[key]
    except KeyError:
        raise InvalidValueError(f"{raw!r} is not a recognised sex code (M, F, U...)") from None

"""National identifiers: NHS number, National Insurance number, UPN, UPRN.

Each returns the compact canonical form or raises InvalidValueError saying what is wrong (length,
characters, or check digit), because "bad check digit" and "wrong length" need different fixes
upstream.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.gb import nhs, upn

from familyhub.identity.errors import InvalidValueError

_NHS_SEPARATORS = re.compile(r"[\s\-]")


@lru_cache(maxsize=200_000)
def normalise_nhs_number(raw: str | None) -> str | None:
    """Ten digits passing the modulus 11 check, e.g. ``943 476 5919`` -> ``9434765919``."""
    if raw is None:
        return None
    compact = _NHS_SEPARATORS.sub("", raw)
    if not compact:
        return None
    try:
        return str(nhs.validate(compact))
    except InvalidChecksum:
        raise InvalidValueError(f"NHS number {raw!r} fails the modulus 11 check") from None
    except InvalidLength:
        raise InvalidValueError(f"NHS number {raw!r} must have 10 digits") from None
    except ValidationError:
        raise InvalidValueError(f"NHS number {raw!r} must be 10 digits") from None


# First letters D F I Q U V and second letters D F I O Q U V are never used; nor are the
# prefixes BG GB KN NK NT TN ZZ. The suffix is A-D (some old records have none or a space).
_NINO = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]?$")
# Administrative placeholders that look like numbers but identify nobody.
_NINO_TEMPORARY = re.compile(r"^TN[0-9]{6}[FM]?$")
_NINO_SEPARATORS = re.compile(r"[\s\-]")


@lru_cache(maxsize=200_000)
def normalise_ni_number(raw: str | None) -> str | None:
    """National Insurance number, upper case, no spaces: ``ab 12 34 56 c`` -> ``AB123456C``.

    Temporary numbers (``TN`` + date of birth + sex) identify nobody and are rejected.
    """
    if raw is None:
        return None
    compact = _NINO_SEPARATORS.sub("", raw).upper()
    if not compact:
        return None
    if _NINO_TEMPORARY.match(compact):
        raise InvalidValueError(f"NI number {raw!r} is a temporary reference, not an NI number")
    if not _NINO.match(compact):
        raise InvalidValueError(
            f"NI number {raw!r} is not valid (expected two letters, six digits, a letter A-D)"
        )
    return compact


@lru_cache(maxsize=200_000)
def normalise_upn(raw: str | None) -> str | None:
    """Unique Pupil Number: 13 characters with a valid check letter and a known LA number."""
    if raw is None:
        return None
    compact = raw.strip().replace(" ", "").upper()
    if not compact:
        return None
    try:
        return str(upn.validate(compact))
    except InvalidChecksum:
        raise InvalidValueError(f"UPN {raw!r} has the wrong check letter") from None
    except InvalidLength:
        raise InvalidValueError(f"UPN {raw!r} must have 13 characters") from None
    except InvalidComponent:
        raise InvalidValueError(f"UPN {raw!r} has an unknown local authority number") from None
    except ValidationError:
        raise InvalidValueError(f"UPN {raw!r} is not a UPN (a letter then 12 characters)") from None


@lru_cache(maxsize=200_000)
def normalise_uprn(raw: str | None) -> str | None:
    """Unique Property Reference Number: 1 to 12 digits, leading zeros dropped."""
    if raw is None:
        return None
    compact = raw.strip()
    if compact.endswith(".0"):  # spreadsheets turn long numbers into floats
        compact = compact[:-2]
    if not compact:
        return None
    if not compact.isdigit() or len(compact) > 12 or int(compact) == 0:
        raise InvalidValueError(f"UPRN {raw!r} must be 1 to 12 digits")
    return str(int(compact))

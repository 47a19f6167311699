"""Telephone numbers in E.164 (``+447700900123``), read as UK numbers unless they say otherwise."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from familyhub.identity.errors import InvalidValueError

_E164 = phonenumbers.PhoneNumberFormat.E164
# Ofcom keeps these UK ranges for drama and testing; the library calls them invalid, but
# synthetic data rightly uses them and they have the shape of real numbers.
_UK_DRAMA = re.compile(
    r"^(7700900|1[1-9]14960|1[1-9]\d4960|2079460|1632960|28\d{2}180|3069990)\d{3}$"
)


def _is_uk_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    national = phonenumbers.national_significant_number(number)
    return number.country_code == 44 and bool(_UK_DRAMA.match(national))


@lru_cache(maxsize=100_000)
def to_e164(raw: str | None, region: str = "GB") -> str | None:
    """``07700 900123`` -> ``+447700900123``; None if empty; InvalidValueError if not a number.

    Numbers are checked against their country's numbering plan (Ofcom's drama ranges allowed).
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidValueError(f"{raw!r} is not a telephone number") from None
    if not (phonenumbers.is_valid_number(number) or _is_uk_drama_number(number)):
        raise InvalidValueError(f"{raw!r} is not a valid telephone number")
    return str(phonenumbers.format_number(number, _E164))

"""UK postcodes, split into the levels councils aggregate by.

``PR1 8XJ``: area ``PR`` (letters), district ``PR1`` (the outward code), sector ``PR1 8``
(outward code and the inward digit), unit ``PR1 8XJ`` (the full postcode). We write our own
normaliser rather than depend on a lookup file: it checks the shape, not that Royal Mail has
issued the postcode (ONS lookups do that later, where a council has them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from familyhub.identity.errors import InvalidValueError

# Outward: A9, A99, AA9, AA99, A9A, AA9A. Inward: 9AA. Inward letters never use C I K M O V.
_UNIT = re.compile(r"^([A-Z]{1,2})([0-9][0-9A-Z]?)([0-9])([ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^([A-Z]{1,2})([0-9][0-9A-Z]?)$")
_SEPARATORS = re.compile(r"[\s\-\.,_]+")


@dataclass(frozen=True, slots=True)
class Postcode:
    area: str
    district: str
    sector: str | None
    unit: str | None

    @property
    def is_full(self) -> bool:
        return self.unit is not None


def _check_district(area: str, rest: str, raw: str) -> None:
    # A trailing letter on the district only follows a single digit (EC1A, W1D, SW1A).
    if len(rest) == 2 and rest[1].isalpha() and not rest[0].isdigit():
        raise InvalidValueError(f"postcode {raw!r}: district {area + rest!r} is not a UK district")


@lru_cache(maxsize=500_000)
def parse_postcode(raw: str | None, *, allow_partial: bool = False) -> Postcode | None:
    """Normalise a UK postcode; None for empty. Raises InvalidValueError if it is not one.

    Accepts any case and spacing (``pr18xj``, ``PR1  8XJ``, ``pr1-8xj``). With
    ``allow_partial`` an outward code alone (``PR1``) gives area and district only, and an
    outward code, a space and the inward digit (``PR1 8``) gives the sector too. Without the
    space ``PR18`` stays the district PR18: a sector is only read where it was written as one.
    """
    if raw is None:
        return None
    compact = _SEPARATORS.sub("", raw.upper())
    if not compact:
        return None
    if compact == "GIR0AA":  # Girobank's non-geographic postcode, still valid.
        return Postcode(area="GIR", district="GIR", sector="GIR 0", unit="GIR 0AA")
    match = _UNIT.match(compact)
    if match:
        area, rest, sector_digit, unit_letters = match.groups()
        _check_district(area, rest, raw)
        district = area + rest
        return Postcode(
            area=area,
            district=district,
            sector=f"{district} {sector_digit}",
            unit=f"{district} {sector_digit}{unit_letters}",
        )
    if allow_partial:
        parts = [p for p in _SEPARATORS.split(raw.upper()) if p]
        if len(parts) == 2 and len(parts[1]) == 1 and parts[1].isdigit():
            match = _OUTWARD.match(parts[0])
            if match:
                area, rest = match.groups()
                _check_district(area, rest, raw)
                district = area + rest
                return Postcode(area, district, sector=f"{district} {parts[1]}", unit=None)
        match = _OUTWARD.match(compact)
        if match:
            area, rest = match.groups()
            _check_district(area, rest, raw)
            return Postcode(area=area, district=area + rest, sector=None, unit=None)
    raise InvalidValueError(f"{raw!r} is not a UK postcode (expected e.g. 'PR1 8XJ')")

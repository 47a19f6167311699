"""Pure standardisers for the identifiers partners send us.

Nothing here touches the database or the network: each function takes a raw value and
returns its normalised form or raises :class:`InvalidValueError` with a reason a data team can act
on. ``sources`` applies them to every row of an extract; ``linkage`` and search use the same
functions on what a practitioner types, so both sides of a comparison are folded alike.
"""

from familyhub.identity.dates import parse_date
from familyhub.identity.emails import normalise_email
from familyhub.identity.errors import InvalidValueError
from familyhub.identity.names import clean_name, match_name
from familyhub.identity.nicknames import name_variants
from familyhub.identity.numbers import normalise_nhs_number, normalise_ni_number, normalise_upn
from familyhub.identity.phones import to_e164
from familyhub.identity.postcodes import Postcode, parse_postcode
from familyhub.identity.sex import normalise_sex

__all__ = [
    "InvalidValueError",
    "Postcode",
    "clean_name",
    "match_name",
    "name_variants",
    "normalise_email",
    "normalise_nhs_number",
    "normalise_ni_number",
    "normalise_sex",
    "normalise_upn",
    "parse_date",
    "parse_postcode",
    "to_e164",
]

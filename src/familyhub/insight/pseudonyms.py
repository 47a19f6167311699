"""Keyed pseudonyms: HMAC-SHA256 of an internal id under a purpose's key.

Persons and families get pseudonyms from separate domains (a person id and a family id that
happened to be equal still get unrelated pseudonyms). 128 bits of the MAC are kept: no
collision is expected below ~10^19 ids, and the text stays short enough for a spreadsheet.
"""

from __future__ import annotations

import hashlib
import hmac

from familyhub.insight.keys import PurposeKey

_HEX_CHARS = 32  # 128 bits


class Pseudonymiser:
    def __init__(self, purpose_key: PurposeKey) -> None:
        self._key = purpose_key.key
        self.purpose = purpose_key.purpose
        self.version = purpose_key.version

    def _mac(self, domain: bytes, value: str) -> str:
        digest = hmac.new(self._key, domain + b"\x00" + value.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:_HEX_CHARS]

    def person(self, person_id: str) -> str:
        return "P" + self._mac(b"person", person_id)

    def family(self, family_id: str) -> str:
        return "F" + self._mac(b"family", family_id)

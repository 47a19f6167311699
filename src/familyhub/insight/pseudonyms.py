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
        self.purpose = purpose_key.purpose
        self.version = purpose_key.version
        # HMAC state with the key and the domain already absorbed: each pseudonym then costs
        # one copy and one short update (a million of them in a few seconds).
        self._person = hmac.new(purpose_key.key, b"person\x00", hashlib.sha256)
        self._family = hmac.new(purpose_key.key, b"family\x00", hashlib.sha256)

    @staticmethod
    def _mac(state: hmac.HMAC, value: str) -> str:
        mac = state.copy()
        mac.update(value.encode("utf-8"))
        return mac.hexdigest()[:_HEX_CHARS]

    def person(self, person_id: str) -> str:
        return "P" + self._mac(self._person, person_id)

    def family(self, family_id: str) -> str:
        return "F" + self._mac(self._family, family_id)

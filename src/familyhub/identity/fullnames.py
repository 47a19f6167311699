"""Names that come in one column: ``NOWAK, Zofia``, ``Aisha KHAN-AHMED``, ``Zofia Nowak``."""

from __future__ import annotations

from typing import Literal

NameStyle = Literal["family_comma_given", "given_family_upper", "given_family"]


def split_full_name(raw: str, style: NameStyle) -> tuple[str | None, str | None]:
    """Split one name column into (given names, family name) as the partner writes it.

    ``family_comma_given``: ``NOWAK, Zofia Maria`` -> (``Zofia Maria``, ``NOWAK``).
    ``given_family_upper``: the trailing words in capitals are the family name:
    ``Aisha Mary KHAN-AHMED`` -> (``Aisha Mary``, ``KHAN-AHMED``).
    ``given_family``: the last word is the family name.
    """
    text = " ".join(raw.split())
    if not text:
        return None, None
    if style == "family_comma_given":
        family, _, given = text.partition(",")
        return given.strip() or None, family.strip() or None
    words = text.split(" ")
    if len(words) == 1:
        return None, words[0]
    if style == "given_family_upper":
        cut = len(words)
        while cut > 0 and _is_capitals(words[cut - 1]):
            cut -= 1
        if 0 < cut < len(words):
            return " ".join(words[:cut]), " ".join(words[cut:])
    return " ".join(words[:-1]), words[-1]


def _is_capitals(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)

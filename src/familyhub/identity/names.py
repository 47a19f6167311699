"""Personal names: a tidy display form (accents kept) and a folded match form.

Partners send names in capitals, with double spaces, stray full stops, curly apostrophes and
accents dropped by one system but not another. The display form keeps what the person's name
really is; the match form folds away everything that differs only by keyboard or system, so
that ``Zoë O’Brien-SMITH`` and ``zoe obrien smith`` compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Characters kept inside a display name; everything else becomes a space.
_DISPLAY_DROP = re.compile(r"[^\w\s'\-]", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})
# Letters that NFKD does not decompose into a base letter plus an accent.
_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_NOT_MATCH = re.compile(r"[^a-z ]")
# Not "na": Na is a given name (Chinese), as are many two-letter names.
_PLACEHOLDERS = frozenset({"", "unknown", "not known", "n/a", "none", "null", "-", "?"})


def _title_word(word: str) -> str:
    # Title-case each hyphen/apostrophe part: o'brien -> O'Brien, smith-jones -> Smith-Jones.
    parts = re.split(r"([\-'])", word)
    out = [p[:1].upper() + p[1:].lower() if p not in ("-", "'") else p for p in parts]
    titled = "".join(out)
    if len(titled) > 2 and titled.startswith("Mc"):
        titled = "Mc" + titled[2:3].upper() + titled[3:]
    return titled


@lru_cache(maxsize=200_000)
def clean_name(raw: str | None) -> str | None:
    """Display form: trimmed, single-spaced, tidy punctuation, accents kept.

    All-capitals or all-lower-case names (a system's habit, not the person's) become title
    case, as does any all-capitals word in a mixed name (``Zoë O'BRIEN`` -> ``Zoë O'Brien``);
    other mixed case is trusted as written (``McDonald``, ``van der Berg``).
    Returns None for empty values and placeholders such as ``UNKNOWN``.
    """
    if raw is None:
        return None
    if raw.strip().lower() in _PLACEHOLDERS:
        return None
    text = unicodedata.normalize("NFC", raw).translate(_APOSTROPHES).translate(_DASHES)
    text = _DISPLAY_DROP.sub(" ", text)
    text = _SPACE.sub(" ", text).strip(" -'")
    text = re.sub(r"\s*-\s*", "-", text)
    if text.lower() in _PLACEHOLDERS or not any(ch.isalpha() for ch in text):
        return None
    if text.isupper() or text.islower():
        text = " ".join(_title_word(w) for w in text.split(" "))
    else:
        text = " ".join(_title_word(w) if len(w) > 1 and w.isupper() else w for w in text.split())
    return text


@lru_cache(maxsize=200_000)
def match_name(raw: str | None) -> str | None:
    """Match form: lower-case ASCII letters, accents folded, hyphens as spaces, no apostrophes.

    ``Zoë O’Brien-SMITH`` -> ``zoe obrien smith``.
    """
    display = clean_name(raw)
    if display is None:
        return None
    # Lower case first, so that capital forms (Þ, Ø) fold like their small letters.
    text = display.lower().translate(_SPECIAL_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("-", " ")
    text = _SPACE.sub(" ", _NOT_MATCH.sub("", text)).strip()
    return text or None

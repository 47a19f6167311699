"""The error model: each partner keeps its own record of a person, with its own mistakes.

Errors are drawn per partner record and repeated on all of that record's rows. The rates are
the single source of truth for docs/synthetic-data.md (a test compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from familyhub.synth.calendar import EXTRACT_DATE
from familyhub.synth.identifiers import transpose_two_digits
from familyhub.synth.names import name_variants
from familyhub.synth.rows import Rows, World

ERROR_NAMES = (
    "typo",
    "nickname",
    "name_swap",
    "dob_day_month",
    "id_missing",
    "id_wrong",
    "stale_address",
    "duplicate",
    "placeholder",
)


@dataclass(frozen=True)
class SourceErrors:
    """Per-record error rates of one source (None: the source has no such identifier)."""

    typo: float
    nickname: float
    name_swap: float
    dob_day_month: float
    id_missing: float | None
    id_wrong: float | None
    stale_address: float
    duplicate: float
    placeholder: float = 0.0


E = SourceErrors
ERROR_RATES: dict[str, SourceErrors] = {
    "police_incidents": E(0.04, 0.08, 0.02, 0.02, None, None, 0.10, 0.05, 0.005),
    "school_census": E(0.01, 0.02, 0.005, 0.005, 0.01, 0.002, 0.03, 0.01),
    "early_years": E(0.02, 0.02, 0.01, 0.01, 0.05, 0.01, 0.05, 0.01),
    "health_visiting": E(0.015, 0.02, 0.005, 0.005, 0.01, 0.01, 0.03, 0.01),
    "mental_health_referrals": E(0.015, 0.03, 0.01, 0.01, 0.02, 0.005, 0.05, 0.02),
    "dwp_benefits": E(0.005, 0.01, 0.002, 0.002, 0.0, 0.002, 0.08, 0.005),
    "housing": E(0.03, 0.05, 0.02, 0.02, 0.60, 0.01, 0.02, 0.03),
    "childrens_social_care": E(0.02, 0.03, 0.01, 0.01, 0.20, 0.01, 0.05, 0.04),
    "youth_justice": E(0.03, 0.05, 0.01, 0.01, 0.50, 0.005, 0.08, 0.03),
    "substance_misuse": E(0.04, 0.08, 0.03, 0.03, 0.50, 0.01, 0.10, 0.05),
    "domestic_abuse_service": E(0.03, 0.05, 0.02, 0.02, None, None, 0.10, 0.03),
    "neet_tracking": E(0.01, 0.02, 0.005, 0.005, 0.15, 0.005, 0.10, 0.02),
}

# The identifier each source normally holds (subject to id_missing / id_wrong).
MAIN_ID: dict[str, str | None] = {
    "police_incidents": None,
    "school_census": "upn",
    "early_years": "nhs",
    "health_visiting": "nhs",
    "mental_health_referrals": "nhs",
    "dwp_benefits": "nino",
    "housing": "nino",
    "childrens_social_care": "nhs",
    "youth_justice": "upn",
    "substance_misuse": "nhs",
    "domestic_abuse_service": None,
    "neet_tracking": "upn",
}
# Identifiers a source holds only now and then (not errors: the partner never had them).
EXTRA_IDS: dict[str, dict[str, float]] = {
    "police_incidents": {"nhs": 0.03},
    "childrens_social_care": {"upn": 0.5},
}
# Partners whose extract gives each person's address as it is now (a patient or client record
# kept up to date, as NHS systems are from the spine), not the address on each event's date.
CURRENT_ADDRESS_SOURCES = frozenset({"mental_health_referrals", "substance_misuse"})
RESTRICTED_RATE = 0.3  # of children looked after: a sealed (adoption) record
PLACEHOLDER_DOB = np.datetime64("1900-01-01", "D")
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"


@dataclass
class Identity:
    """Per row: the partner's record of the person (after errors) and the record it belongs to."""

    record: np.ndarray  # partner record index
    forename: np.ndarray
    middle: np.ndarray
    surname: np.ndarray
    dob: np.ndarray
    sex: np.ndarray
    ids: dict[str, np.ndarray]
    dwelling: np.ndarray
    errors: np.ndarray
    restricted: np.ndarray
    record_person: np.ndarray  # per partner record: the true person
    record_is_duplicate: np.ndarray  # per partner record

    def take(self, index: np.ndarray) -> Identity:
        return Identity(
            self.record[index],
            self.forename[index],
            self.middle[index],
            self.surname[index],
            self.dob[index],
            self.sex[index],
            {k: v[index] for k, v in self.ids.items()},
            self.dwelling[index],
            self.errors[index],
            self.restricted[index],
            self.record_person,
            self.record_is_duplicate,
        )


def _typo(rng: np.random.Generator, text: str) -> str:
    """One slip of the keyboard: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(text) < 2:
        return text + text
    i = int(rng.integers(0, len(text)))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        ch = text[i].lower()
        k = _KEYBOARD.find(ch)
        if k >= 0:
            nxt = (
                _KEYBOARD[k + 1]
                if k + 1 < len(_KEYBOARD) and _KEYBOARD[k + 1] != " "
                else _KEYBOARD[k - 1]
            )
            new = nxt.upper() if text[i].isupper() else nxt
            if new != text[i] and new != " ":
                return text[:i] + new + text[i + 1 :]
        kind = 1
    if kind == 1 and len(text) > 2:
        return text[:i] + text[i + 1 :]
    if kind == 2 or len(text) <= 2:
        return text[:i] + text[i] + text[i:]
    j = min(i, len(text) - 2)
    if text[j] == text[j + 1]:
        return text[:j] + text[j + 2 :] + text[j]
    return text[:j] + text[j + 1] + text[j] + text[j + 2 :]


def _swap_day_month(dob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates with day and month exchanged, and where that gives a different valid date."""
    years = dob.astype("datetime64[Y]")
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    day = (dob - dob.astype("datetime64[M]")).astype(int) + 1
    ok = (day <= 12) & (day != month) & ~np.isnat(dob)
    swapped = (
        years.astype("datetime64[M]") + (np.minimum(day, 12) - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (month - 1).astype("timedelta64[D]")
    return np.where(ok, swapped, dob), ok


def apply_errors(
    rng: np.random.Generator, w: World, source: str, rows: Rows
) -> tuple[Rows, Identity]:
    """Partner records for the rows' people (plus duplicates) and each row's identity."""
    pop = w.pop
    rates = ERROR_RATES[source]
    persons, record = np.unique(rows.person, return_inverse=True)
    n_rec = len(persons)

    # Duplicates: a second record carrying a copy of one of the person's rows.
    dup = np.flatnonzero(rng.random(n_rec) < rates.duplicate)
    keys = rng.random(len(rows))
    order = np.lexsort((keys, record))
    last_of = np.searchsorted(record[order], np.arange(n_rec), side="right") - 1
    copied = order[last_of[dup]]
    rows = _append(rows, rows.take(copied))
    record = np.concatenate([record, n_rec + np.arange(len(dup))])
    rec_person = np.concatenate([persons, persons[dup]])
    is_dup = np.arange(len(rec_person)) >= n_rec
    n = len(rec_person)

    last_date = np.full(n, np.datetime64("1900-01-01", "D"))
    np.maximum.at(last_date, record, rows.date)
    forename = pop.forename[rec_person].copy()
    middle = pop.middle[rec_person].copy()
    surname = pop.surname_at(rec_person, last_date).astype(object)
    dob = pop.dob[rec_person].copy()
    errors: list[list[str]] = [["duplicate"] if d else [] for d in is_dup]

    def flag(rate: float | None) -> np.ndarray:
        return rng.random(n) < (rate or 0.0)

    placeholder = flag(rates.placeholder)
    nick = flag(rates.nickname) & ~placeholder
    typo = flag(rates.typo) & ~placeholder
    swap = flag(rates.name_swap) & ~placeholder
    dm = flag(rates.dob_day_month) & ~placeholder
    missing = flag(rates.id_missing) & ~placeholder
    wrong = flag(rates.id_wrong) & ~placeholder
    stale = flag(rates.stale_address)

    variants = name_variants()
    for i in np.flatnonzero(nick):
        options = variants.get(forename[i])
        if options:
            forename[i] = options[int(rng.integers(0, len(options)))]
            errors[i].append("nickname")
    for i in np.flatnonzero(typo):
        if rng.random() < 0.5:
            forename[i] = _typo(rng, forename[i])
        else:
            surname[i] = _typo(rng, surname[i])
        errors[i].append("typo")
    forename[swap], surname[swap] = surname[swap], forename[swap].copy()
    for i in np.flatnonzero(swap):
        errors[i].append("name_swap")
    swapped, ok = _swap_day_month(dob)
    dm &= ok
    dob = np.where(dm, swapped, dob)
    for i in np.flatnonzero(dm):
        errors[i].append("dob_day_month")

    ids: dict[str, np.ndarray] = {}
    main = MAIN_ID[source]
    relative = pop.relative()[rec_person]
    for kind in ("nhs", "nino", "upn"):
        values = getattr(pop, kind)[rec_person].copy()
        if kind == main:
            has = values != None  # noqa: E711 (object array)
            miss = missing & has
            wrong_here = wrong & has & ~miss
            rel_ids = np.where(relative >= 0, getattr(pop, kind)[np.maximum(relative, 0)], None)
            for i in np.flatnonzero(wrong_here):
                values[i] = (
                    rel_ids[i] if rel_ids[i] is not None else transpose_two_digits(rng, values[i])
                )
                errors[i].append("id_wrong")
            values[miss] = None
            for i in np.flatnonzero(miss):
                errors[i].append("id_missing")
        elif kind in EXTRA_IDS.get(source, {}):
            values[rng.random(n) >= EXTRA_IDS[source][kind]] = None
        else:
            continue
        values[placeholder] = None
        ids[kind] = values

    stale &= w.residence.moved_before(rec_person, last_date)
    for i in np.flatnonzero(stale):
        errors[i].append("stale_address")
    forename[placeholder] = "UNKNOWN"
    surname[placeholder] = "UNKNOWN"
    middle[placeholder] = None
    dob[placeholder] = PLACEHOLDER_DOB
    for i in np.flatnonzero(placeholder):
        errors[i].append("placeholder")

    restricted = np.zeros(n, dtype=bool)
    if source == "childrens_social_care":
        lac = np.zeros(n, dtype=bool)
        lac[record[rows.cols["episode_type"] == "LAC"]] = True
        restricted = lac & (rng.random(n) < RESTRICTED_RATE)
        for i in np.flatnonzero(restricted):
            errors[i].append("restricted")

    on = np.full(len(rows), EXTRACT_DATE) if source in CURRENT_ADDRESS_SOURCES else rows.date
    dwelling = w.residence.address_at(rows.person, on)
    stale_rows = stale[record]
    earlier = w.residence.earlier[rows.person]
    dwelling = np.where(stale_rows & (earlier >= 0), earlier, dwelling)
    error_text = np.array([";".join(e) for e in errors], dtype=object)
    identity = Identity(
        record=record,
        forename=forename[record],
        middle=middle[record],
        surname=surname[record],
        dob=dob[record],
        sex=pop.sex[rows.person],
        ids={k: v[record] for k, v in ids.items()},
        dwelling=dwelling,
        errors=error_text[record],
        restricted=restricted[record],
        record_person=rec_person,
        record_is_duplicate=is_dup,
    )
    return rows, identity


def _append(rows: Rows, extra: Rows) -> Rows:
    return Rows(
        np.concatenate([rows.person, extra.person]),
        np.concatenate([rows.date, extra.date]),
        np.concatenate([rows.spell, extra.spell]),
        np.concatenate([rows.spell2, extra.spell2]),
        np.concatenate([rows.group, extra.group]),
        {k: np.concatenate([v, extra.cols[k]]) for k, v in rows.cols.items()},
    )

"""The ten headline outcomes of the Supporting Families outcome framework (2022).

These are fixed by the national programme, so they live in code; how a council recognises
each of them in its partners' data lives in the rules file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeadlineOutcome:
    number: int
    key: str
    title: str


HEADLINE_OUTCOMES: tuple[HeadlineOutcome, ...] = (
    HeadlineOutcome(1, "education", "Getting a good education"),
    HeadlineOutcome(2, "early_years", "Good early years development"),
    HeadlineOutcome(3, "health", "Improved mental and physical health"),
    HeadlineOutcome(4, "substance_use", "Promoting recovery and reducing harm from substance use"),
    HeadlineOutcome(5, "family_relationships", "Improved family relationships"),
    HeadlineOutcome(6, "children_safe", "Children safe from abuse and exploitation"),
    HeadlineOutcome(7, "crime", "Crime prevention and tackling crime"),
    HeadlineOutcome(8, "domestic_abuse", "Safe from domestic abuse"),
    HeadlineOutcome(9, "housing", "Secure housing"),
    HeadlineOutcome(10, "financial_stability", "Financial stability"),
)

BY_KEY: dict[str, HeadlineOutcome] = {o.key: o for o in HEADLINE_OUTCOMES}
BY_NUMBER: dict[int, HeadlineOutcome] = {o.number: o for o in HEADLINE_OUTCOMES}


def outcome_for(key_or_number: str | int) -> HeadlineOutcome | None:
    """The headline outcome named by its key (``housing``) or number (``9`` or ``"9"``)."""
    if isinstance(key_or_number, int) or str(key_or_number).isdigit():
        return BY_NUMBER.get(int(key_or_number))
    return BY_KEY.get(str(key_or_number))

"""Saying what is hidden and why, without saying what it is.

A withheld record is counted by its data category and the reason its decision gives, so the
page can say "4 health records hidden: needs consent". The reason comes from the policy
that forbade it (or from deny-by-default), read against the request's facts: consent would
unlock a category only for someone it can unlock it for, so "needs consent" is said only
when that is true.

Sealed records (e.g. adoption) are not counted at all: even their existence is for the
named roles alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from familyhub.access.decision import Context, Decision
from familyhub.singleview.types import Hidden

SEALED_POLICY = "sealed.named_roles_only"

# Categories a family's consent opens to the team around the family (any involvement)...
CONSENT_OPENS_TO_TEAM = frozenset({"education", "early_years", "financial", "housing"})
# ...and those it opens to the lead practitioner only.
CONSENT_OPENS_TO_LEAD = frozenset({"health", "social_care"})

CATEGORY_WORDS = {
    "personal": "personal",
    "education": "education",
    "early_years": "early years",
    "housing": "housing",
    "financial": "financial",
    "social_care": "social care",
    "health": "health",
    "special_category": "special category",
    "criminal_offence": "criminal offence",
}

NOT_INVOLVED = "needs a current involvement with the family, or a statutory safeguarding role"


def is_sealed(decision: Decision) -> bool:
    return SEALED_POLICY in decision.policy_ids


def reason_for(decision: Decision, *, category: str | None, context: Context) -> str:
    """A short reason a practitioner can act on, for one refused decision."""
    ids = set(decision.policy_ids)
    if "restricted.minimal_identity_only" in ids:
        return "the person has asked for processing to be restricted"
    if "consent.declined_or_withdrawn" in ids:
        return f"consent {context.consent}"
    if "input.unknown_purpose" in ids:
        return "the purpose is not in the list"
    if any(i.startswith("category.") for i in ids) and category:
        if category in CONSENT_OPENS_TO_TEAM and context.involved:
            return "needs consent"
        if category in CONSENT_OPENS_TO_LEAD and context.lead_practitioner:
            return "needs consent"
        return "not shared with your role"
    if "default.deny" in ids:
        return NOT_INVOLVED
    return "not shared with your role"


def what(category: str | None, noun: str, count: int) -> str:
    word = CATEGORY_WORDS.get(category or "", (category or "").replace("_", " "))
    plural = noun if count == 1 else f"{noun}s"
    return f"{word} {plural}".strip()


def summarise(items: Iterable[tuple[str | None, str, str]]) -> list[Hidden]:
    """(category, noun, reason) per withheld thing -> counted sentences, largest first."""
    counts = Counter(items)
    out = [
        Hidden(count=n, what=what(category, noun, n), reason=reason)
        for (category, noun, reason), n in counts.items()
    ]
    return sorted(out, key=lambda h: (-(h.count or 0), h.what, h.reason))

"""Words and dates as practitioners read them, for the practitioner's templates.

Registered as Jinja filters on the shared environment (prefixed ``fh_``) when the pages
module is imported; nothing here reads the database or decides anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from familyhub.access.vocabulary import load_vocabulary
from familyhub.singleview.hidden import CATEGORY_WORDS
from familyhub.singleview.records import source_title
from familyhub.web.templating import templates

UK = ZoneInfo("Europe/London")

INVOLVEMENT_KINDS = {
    "lead_practitioner": "Lead practitioner",
    "allocated_worker": "Allocated worker",
    "team_member": "Team around the family",
}
CONSENT_STATES = {
    "given": "Given",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
    "none": "Not recorded",
}
CONSENT_TAGS = {"given": "govuk-tag--green", "declined": "govuk-tag--red"}
NEED_STATUSES = {"open": "Current", "improving": "Improving", "closed": "Resolved"}

# The pages' actions: the service's action name -> the path under the person or family.
ACTION_PATHS = {
    "join_team": "join-team",
    "become_lead": "become-lead",
    "record_consent": "consent",
    "request_support": "request-support",
    "mash_referral": "mash-referral",
    "break_glass": "break-glass",
}


def uk_date(value: date | datetime | None) -> str:
    """22 November 2026 (a moment is shown on its day in England)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UK).date()
    return f"{value:%-d %B %Y}"


def uk_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(UK)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def category_label(category: str) -> str:
    return CATEGORY_WORDS.get(category, category.replace("_", " ")).capitalize()


def purpose_label(purpose: str) -> str:
    return purpose.replace("_", " ").capitalize()


def words(value: str | None) -> str:
    """snake_case codes as words: "domestic_abuse_incident" -> "Domestic abuse incident"."""
    return (value or "").replace("_", " ").capitalize()


def purpose_choices() -> list[tuple[str, str]]:
    return [(name, purpose_label(name)) for name in load_vocabulary().purposes]


def category_choices() -> list[tuple[str, str]]:
    vocabulary = load_vocabulary()
    return [
        (name, category_label(name))
        for name in vocabulary.data_categories
        if name not in vocabulary.sealed_categories
    ]


templates.env.filters.update(
    {
        "fh_date": uk_date,
        "fh_time": uk_time,
        "fh_category": category_label,
        "fh_source": source_title,
        "fh_purpose": purpose_label,
        "fh_words": words,
        "fh_kind": lambda kind: INVOLVEMENT_KINDS.get(kind, words(kind)),
        "fh_consent_state": lambda state: CONSENT_STATES.get(state, words(state)),
        "fh_need_status": lambda status: NEED_STATUSES.get(status, words(status)),
    }
)
templates.env.globals.update({"fh_consent_tags": CONSENT_TAGS, "fh_action_paths": ACTION_PATHS})

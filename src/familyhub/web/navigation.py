"""What each role can do: the destinations listed on the home page.

A domain that adds pages registers where they start and which role groups (from the access
vocabulary) should see them; the home page lists the ones for the signed-in user's roles::

    add_destination(Destination(
        title="Find a child or family", href="/search",
        description="Search by name, date of birth, NHS number or postcode.",
        groups=frozenset({"practitioners"}),
    ))
    add_destination(Destination(
        title="Review possible matches", href="/review",
        description="Decide whether two records are the same person.",
        service_action="manage_data",
    ))

Listing a destination is only a signpost: the pages themselves still ask ``access.decide``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from familyhub.access.vocabulary import load_vocabulary


@dataclass(frozen=True)
class Destination:
    title: str
    href: str
    description: str
    # Role groups that see it; empty means everyone signed in.
    groups: frozenset[str] = field(default_factory=frozenset)
    # Or: shown only when access.decide allows this action on the service for the user's
    # roles and purpose (e.g. "review_audit", "manage_data", "view_statistics").
    service_action: str | None = None
    order: int = 100


_destinations: dict[str, Destination] = {}


def add_destination(destination: Destination) -> None:
    """Register (or replace, by href) a destination on the home page."""
    _destinations[destination.href] = destination


def destinations_for(roles: frozenset[str], *, may: Callable[[str], bool]) -> list[Destination]:
    """The destinations for these roles; ``may(action)`` asks the decision point."""
    vocabulary = load_vocabulary()

    def shown(d: Destination) -> bool:
        if d.service_action is not None:
            return may(d.service_action)
        return not d.groups or any(vocabulary.in_group(roles, g) for g in d.groups)

    return sorted(filter(shown, _destinations.values()), key=lambda d: (d.order, d.title))


# What every role's home page says about the role, by role group, most specific first.
ROLE_INTRODUCTIONS: list[tuple[str, str]] = [
    (
        "information_governance",
        "You oversee how information is shared: the audit of every "
        "access, alerts and break-glass reviews, and people's data protection rights.",
    ),
    (
        "data",
        "You look after the data: partners' extracts, their loads and quarantines, and "
        "the review of possible matches between records.",
    ),
    (
        "programme",
        "You run the Supporting Families programme: families with three or more "
        "needs, the evidence for each, progress and outcome claims.",
    ),
    (
        "planning",
        "You see counts of families and needs by area and over time. They never identify anyone.",
    ),
    (
        "statutory_safeguarding",
        "You can find a child or family, see who else is working with "
        "them and, for a safeguarding purpose, their full record across agencies.",
    ),
    (
        "practitioners",
        "You can find a child or family and see who else is working with them. "
        "You see more of a family's record when you are part of the team around them, and only "
        "what your role, your purpose and the family's consent allow.",
    ),
]


def introduction_for(roles: frozenset[str]) -> list[str]:
    vocabulary = load_vocabulary()
    return [text for group, text in ROLE_INTRODUCTIONS if vocabulary.in_group(roles, group)]

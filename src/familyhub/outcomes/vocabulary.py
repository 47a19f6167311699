"""The sources' vocabulary of event types, which every rule must draw from.

The sources package owns the vocabulary (``familyhub/sources/event_types.yaml``); reading it
here means a rule naming an event type no source can produce is refused when the rules file
is loaded, rather than silently matching nothing.
"""

from __future__ import annotations

from familyhub.sources.vocabulary import event_types


def known_event_types() -> frozenset[str]:
    """Every event type the sources' vocabulary defines."""
    return frozenset(event_types())

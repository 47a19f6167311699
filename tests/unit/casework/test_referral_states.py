"""The referral journey as a table: every state reachable, finished states stay finished."""

from __future__ import annotations

from familyhub.casework.models import REFERRAL_STATES
from familyhub.casework.service import REFERRAL_TRANSITIONS


def test_every_state_has_its_onward_states_and_names_only_known_states() -> None:
    assert set(REFERRAL_TRANSITIONS) == set(REFERRAL_STATES)
    for onward in REFERRAL_TRANSITIONS.values():
        assert onward <= set(REFERRAL_STATES)


def test_every_state_can_be_reached_from_received() -> None:
    reached, frontier = {"received"}, ["received"]
    while frontier:
        for nxt in REFERRAL_TRANSITIONS[frontier.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(REFERRAL_STATES)


def test_closed_and_withdrawn_are_final() -> None:
    assert REFERRAL_TRANSITIONS["closed"] == frozenset()
    assert REFERRAL_TRANSITIONS["withdrawn"] == frozenset()

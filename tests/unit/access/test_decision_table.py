"""Every cell of role x organisation x involvement x data category x consent x purpose x
override, decided by the Cedar policies, equals the council's intended outcome."""

from __future__ import annotations

import itertools

import pytest

from familyhub.access.decision import decide_many
from familyhub.access.vocabulary import load_vocabulary

from .harness import context_for, principal_for, resource_for
from .intended import CONSENT_CASES, INVOLVEMENTS, ROLE_TRAITS, Case, intended

ORG_KINDS = ("school", "council_service", "nhs_trust")
PERSON_ACTIONS = (
    "search",
    "view",
    "view_contact",
    "view_consent",
    "record_consent",
    "manage_involvement",
    "refer",
    "manage_referral",
    "break_glass",
)
SERVICE_ACTIONS = ("review_audit", "manage_users", "view_statistics", "manage_data")


def _mismatches(action: str, cases: list[Case]) -> list[str]:
    found = []
    by_principal: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        by_principal.setdefault((case.role, case.org_kind), []).append(case)
    for group in by_principal.values():
        decisions = decide_many(
            principal_for(group[0]),
            action,
            [resource_for(action, c, i) for i, c in enumerate(group)],
            [context_for(c) for c in group],
        )
        for case, decision in zip(group, decisions, strict=True):
            want = intended(action, case)
            if decision.allowed != want:
                found.append(
                    f"{action} {case}: policies say {decision.allowed} "
                    f"({decision.policy_ids}), intended {want}"
                )
    return found


def _table(categories: tuple[str, ...], org_kinds: tuple[str, ...]) -> list[Case]:
    purposes = tuple(load_vocabulary().purposes)
    return [
        Case(role, org, inv, cat, consent, purpose, override)
        for role, org, inv, cat, consent, purpose, override in itertools.product(
            ROLE_TRAITS,
            org_kinds,
            INVOLVEMENTS,
            categories,
            CONSENT_CASES,
            purposes,
            (False, True),
        )
    ]


def test_the_intended_table_knows_every_role_and_category() -> None:
    vocabulary = load_vocabulary()
    assert set(ROLE_TRAITS) == set(vocabulary.roles)
    from .intended import CATEGORY_AUDIENCE

    assert set(CATEGORY_AUDIENCE) == set(vocabulary.data_categories)


@pytest.mark.slow
def test_every_record_cell_matches_the_intended_outcome() -> None:
    categories = tuple(load_vocabulary().data_categories)
    cases = _table(categories, ORG_KINDS)
    assert len(cases) == 22 * 3 * 3 * 10 * 5 * 8 * 2
    mismatches = _mismatches("view_record", cases)
    assert not mismatches, f"{len(mismatches)} cells differ, e.g.\n" + "\n".join(mismatches[:15])


@pytest.mark.slow
@pytest.mark.parametrize("action", PERSON_ACTIONS + SERVICE_ACTIONS)
def test_every_cell_of_each_action_matches_the_intended_outcome(action: str) -> None:
    cases = _table(("personal",), ("school", "council_service"))
    mismatches = _mismatches(action, cases)
    assert not mismatches, f"{len(mismatches)} cells differ, e.g.\n" + "\n".join(mismatches[:15])


def test_health_visitor_row_matches_the_intended_outcome() -> None:
    """A quick slice of the table (one role, every other dimension) for everyday runs."""
    categories = tuple(load_vocabulary().data_categories)
    cases = [c for c in _table(categories, ("nhs_trust",)) if c.role == "health_visitor"]
    assert not _mismatches("view_record", cases)
    assert not _mismatches("view", [c for c in cases if c.category == "personal"])

"""Every cell of role x organisation x involvement x data category x consent x purpose x
override, decided by the Cedar policies, equals the council's intended outcome."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from familyhub.access.decision import Resource, decide_many
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
    "join_team",
    "refer",
    "manage_referral",
    "break_glass",
)
SERVICE_ACTIONS = (
    "review_audit",
    "manage_users",
    "view_statistics",
    "manage_data",
    "produce_evaluation_return",
    "view_referrals",
)


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


def _programme_table(roles: tuple[str, ...]) -> list[Case]:
    """The facts the programme team's evidence rule turns on, for every role and category."""
    purposes = tuple(load_vocabulary().purposes)
    return [
        Case(role, "council_service", inv, cat, consent, purpose, override,
             on_programme=on, need_evidence=evidence)
        for role, inv, cat, consent, purpose, override, on, evidence in itertools.product(
            roles,
            ("none", "team_member"),
            tuple(load_vocabulary().data_categories),
            CONSENT_CASES,
            purposes,
            (False, True),
            (False, True),
            (False, True),
        )
    ]  # fmt: skip


def test_programme_team_sees_need_evidence_as_intended() -> None:
    """Everyday slice: the programme team, every category, consent, purpose and fact."""
    cases = _programme_table(("programme_team",))
    assert not _mismatches("view_record", cases)
    # (an override is a practitioner's; the programme team cannot use one)
    allowed = [c for c in cases if intended("view_record", c) and not c.override]
    assert allowed, "the programme team sees some evidence"
    assert all(c.need_evidence and c.on_programme for c in allowed)
    assert not [c for c in allowed if c.category in ("criminal_offence", "special_category")]
    health = {c.consent for c in allowed if c.category == "health"}
    assert health == {"given"}


@pytest.mark.slow
def test_every_programme_evidence_cell_matches_the_intended_outcome() -> None:
    cases = _programme_table(tuple(ROLE_TRAITS))
    mismatches = _mismatches("view_record", cases)
    assert not mismatches, f"{len(mismatches)} cells differ, e.g.\n" + "\n".join(mismatches[:15])


def test_a_service_sees_only_its_own_referral_inbox() -> None:
    cases = [
        dataclasses.replace(c, own_organisation=own)
        for c in _table(("personal",), ("council_service",))
        if c.role in ("early_help_worker", "mash_social_worker", "health_visitor")
        for own in (True, False)
    ]
    assert not _mismatches("view_referrals", cases)
    assert any(intended("view_referrals", c) for c in cases)
    assert not any(intended("view_referrals", c) for c in cases if not c.own_organisation)


def test_searching_at_all_is_asked_of_the_service_as_of_a_person() -> None:
    """May I search for this purpose? That is asked of the service; the answer is the one a
    person who is neither sealed nor restricted would get."""
    cases = _table(("personal",), ("council_service",))
    by_role: dict[str, list[Case]] = {}
    for case in cases:
        by_role.setdefault(case.role, []).append(case)
    for group in by_role.values():
        decisions = decide_many(
            principal_for(group[0]),
            "search",
            [Resource.service()] * len(group),
            [context_for(c) for c in group],
        )
        pairs = zip(group, decisions, strict=True)
        wrong = [c for c, d in pairs if d.allowed != intended("search", c)]
        assert not wrong, wrong[:5]

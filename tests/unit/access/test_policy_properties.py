"""Properties of the decisions over random circumstances, including the rarer facts
(records a partner supplied itself, restricted and sealed persons, MASH referrals)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from familyhub.access.decision import (
    ACTIONS,
    DEFAULT_DENY,
    UNKNOWN_PURPOSE,
    Context,
    Principal,
    decide,
)
from familyhub.access.vocabulary import load_vocabulary

from .harness import context_for, principal_for, resource_for
from .intended import CONSENT_CASES, INVOLVEMENTS, ROLE_TRAITS, SERVICE_ACTIONS, Case, intended

vocabulary = load_vocabulary()

cases = st.builds(
    Case,
    role=st.sampled_from(sorted(ROLE_TRAITS)),
    org_kind=st.sampled_from(sorted(vocabulary.organisation_kinds)),
    involvement=st.sampled_from(INVOLVEMENTS),
    category=st.sampled_from(sorted(vocabulary.data_categories)),
    consent=st.sampled_from(CONSENT_CASES),
    purpose=st.sampled_from(sorted(vocabulary.purposes)),
    override=st.booleans(),
    supplied_by_own_org=st.booleans(),
    restricted=st.booleans(),
    sealed_person=st.booleans(),
    referred_to_my_service=st.booleans(),
    on_programme=st.booleans(),
    need_evidence=st.booleans(),
    own_organisation=st.booleans(),
)
actions = st.sampled_from(sorted(ACTIONS))


def _decide(action: str, case: Case) -> bool:
    decision = decide(principal_for(case), action, resource_for(action, case), context_for(case))
    assert decision.policy_ids, "every decision names the policies behind it"
    return decision.allowed


@settings(max_examples=600, deadline=None)
@given(action=actions, case=cases)
def test_decisions_match_the_intended_rules(action: str, case: Case) -> None:
    assert _decide(action, case) == intended(action, case)


@settings(max_examples=300, deadline=None)
@given(action=actions, case=cases)
def test_nobody_without_a_role_is_allowed_anything(action: str, case: Case) -> None:
    principal = Principal(7, "no.roles", frozenset(), "org-own", case.org_kind)
    decision = decide(principal, action, resource_for(action, case), context_for(case))
    assert not decision.allowed
    assert decision.policy_ids


@settings(max_examples=300, deadline=None)
@given(action=actions, case=cases)
def test_sealed_persons_are_closed_to_all_but_the_sealed_records_roles(
    action: str, case: Case
) -> None:
    case = replace(case, sealed_person=True)
    # (actions about the service or an organisation's inbox are about no person)
    if case.role != "adoption_worker" and action not in SERVICE_ACTIONS:
        assert not _decide(action, case)


@settings(max_examples=300, deadline=None)
@given(action=st.sampled_from(["view", "view_contact", "view_record"]), case=cases)
def test_declining_or_withdrawing_consent_never_widens_access(action: str, case: Case) -> None:
    for refused in ("declined", "withdrawn"):
        if _decide(action, replace(case, consent=refused)):
            assert _decide(action, replace(case, consent="none"))
            assert _decide(action, replace(case, consent="given"))


@settings(max_examples=300, deadline=None)
@given(action=st.sampled_from(["view", "view_contact", "view_record"]), case=cases)
def test_restricted_persons_show_nothing_beyond_search_without_override_or_ig(
    action: str, case: Case
) -> None:
    case = replace(case, restricted=True)
    if _decide(action, case):
        assert (case.override and case.purpose == "safeguarding") or (
            case.role == "information_governance_officer"
            and case.purpose == "information_governance"
        )


@settings(max_examples=200, deadline=None)
@given(action=actions, case=cases, purpose=st.text(min_size=0, max_size=20))
def test_a_purpose_not_in_the_list_is_always_refused(action: str, case: Case, purpose: str) -> None:
    if purpose in vocabulary.purposes:
        return
    context = replace(context_for(case), purpose=purpose)
    decision = decide(principal_for(case), action, resource_for(action, case), context)
    assert not decision.allowed
    assert decision.policy_ids == [UNKNOWN_PURPOSE]
    assert "not one of the purposes" in decision.reasons[0]


def test_deny_by_default_names_itself() -> None:
    principal = Principal(1, "planner", frozenset({"planner"}), "org-own", "council_service")
    case = Case("planner", "council_service", "none", "personal", "none", "statistics", False)
    decision = decide(principal, "view", resource_for("view", case), Context(purpose="statistics"))
    assert not decision.allowed
    assert decision.policy_ids == [DEFAULT_DENY]
    assert "deny by default" in decision.reasons[0]

"""Turning a decision-table case into the inputs ``decide()`` takes, as production does."""

from __future__ import annotations

from familyhub.access.decision import Context, Principal, Resource
from familyhub.access.facts import record_resource
from familyhub.access.vocabulary import load_vocabulary

from .intended import Case

OWN_ORG = "org-own"
OTHER_ORG = "org-other"


def principal_for(case: Case) -> Principal:
    return Principal(
        user_id=1,
        username="tester",
        roles=frozenset({case.role}),
        organisation_code=OWN_ORG,
        organisation_kind=case.org_kind,
    )


def context_for(case: Case) -> Context:
    covered: frozenset[str] = frozenset()
    if case.consent == "given":
        covered = frozenset(load_vocabulary().data_categories)
    return Context(
        purpose=case.purpose,
        involved=case.involvement != "none",
        lead_practitioner=case.involvement == "lead_practitioner",
        consent="given" if case.consent == "given_elsewhere" else case.consent,
        consent_categories=covered,
        override=case.override,
        referred_to_my_service=case.referred_to_my_service,
        on_programme=case.on_programme,
    )


def resource_for(action: str, case: Case, index: int = 0) -> Resource:
    person = Resource.person("P1", restricted=case.restricted, sealed=case.sealed_person)
    if action == "view_record":
        return record_resource(
            ref=f"source_event:{index}",
            category=case.category,
            supplier=OWN_ORG if case.supplied_by_own_org else OTHER_ORG,
            person=person,
            need_evidence=case.need_evidence,
        )
    if action == "view_referrals":
        code = OWN_ORG if case.own_organisation else OTHER_ORG
        return Resource.organisation(code, kind=case.org_kind)
    if action in (
        "review_audit",
        "manage_users",
        "view_statistics",
        "manage_data",
        "produce_evaluation_return",
    ):
        return Resource.service()
    return person

"""What the council intends, written as plain tables, independently of the Cedar policies.

The decision-table tests compare every cell of ``decide()`` against :func:`intended`. The
rules here are the issue's and the access guide's sentences, not a translation of the
policy files: if the two disagree, one of them misstates the council's intent.
"""

from __future__ import annotations

from dataclasses import dataclass

# What each role is, as a council would describe it.
PRACTITIONER = "practitioner"
STATUTORY = "statutory safeguarding"  # children's social care and the MASH
HEALTH = "health"
EDUCATION = "education"
CRIMINAL = "police, MASH, youth justice"
SOCIAL_CARE = "social care"
SPECIAL = "special category"
SEALED = "sealed records"
EARLY_HELP = "early help"
PROGRAMME = "programme"
DATA = "data team"
IG = "information governance"
PLANNING = "planning"
USER_ADMIN = "user admin"

ROLE_TRAITS: dict[str, frozenset[str]] = {
    "health_visitor": frozenset({PRACTITIONER, HEALTH}),
    "school_nurse": frozenset({PRACTITIONER, HEALTH}),
    "midwife": frozenset({PRACTITIONER, HEALTH}),
    "gp": frozenset({PRACTITIONER, HEALTH}),
    "mental_health_practitioner": frozenset({PRACTITIONER, HEALTH}),
    "school_dsl": frozenset({PRACTITIONER, EDUCATION}),
    "teacher": frozenset({PRACTITIONER, EDUCATION}),
    "early_help_worker": frozenset({PRACTITIONER, EARLY_HELP}),
    "social_worker": frozenset({PRACTITIONER, STATUTORY, SOCIAL_CARE, SPECIAL}),
    "mash_social_worker": frozenset({PRACTITIONER, STATUTORY, SOCIAL_CARE, SPECIAL, CRIMINAL}),
    "mash_police_officer": frozenset({PRACTITIONER, STATUTORY, SOCIAL_CARE, CRIMINAL}),
    "police_officer": frozenset({PRACTITIONER, CRIMINAL}),
    "youth_justice_officer": frozenset({PRACTITIONER, CRIMINAL}),
    "adoption_worker": frozenset({PRACTITIONER, SOCIAL_CARE, SEALED}),
    "housing_officer": frozenset({PRACTITIONER}),
    "dwp_work_coach": frozenset({PRACTITIONER}),
    "voluntary_worker": frozenset({PRACTITIONER}),
    "data_team": frozenset({DATA, PLANNING}),
    "programme_team": frozenset({PROGRAMME, PLANNING}),
    "information_governance_officer": frozenset({IG, USER_ADMIN}),
    "planner": frozenset({PLANNING}),
    "administrator": frozenset({USER_ADMIN}),
}

DIRECT_WORK = {"safeguarding", "early_help_support", "direct_care", "supporting_families"}
SEARCH_PURPOSES = DIRECT_WORK | {"seeking_consent"}
# Joining the team around the family yourself: to care, for early help, or to safeguard.
JOIN_PURPOSES = {"direct_care", "early_help_support", "safeguarding"}

# Who sees each data category, besides the break-glass override, information governance
# answering a rights request, and the organisation that supplied the record.
#   traits: roles that see it; org_kinds: organisations that see it;
#   team_with_consent: anyone involved, if the consent covers the category;
#   lead_with_consent: the lead practitioner, if the consent covers the category;
#   safeguarding: children's social care and the MASH acting to safeguard;
#   programme: the Supporting Families programme team, for the programme (evidence of a need
#   of a family on the programme is all it may open); programme_with_consent: the same, only
#   if the consent covers the category.
CATEGORY_AUDIENCE: dict[str, dict[str, object]] = {
    "personal": {"everyone_with_full_view": True},
    "health": {
        "traits": {HEALTH},
        "lead_with_consent": True,
        "safeguarding": True,
        "programme_with_consent": True,
    },
    "education": {
        "traits": {EDUCATION},
        "org_kinds": {"school"},
        "team_with_consent": True,
        "safeguarding": True,
        "programme": True,
    },
    "early_years": {
        "traits": {HEALTH, EDUCATION},
        "org_kinds": {"school"},
        "team_with_consent": True,
        "safeguarding": True,
        "programme": True,
    },
    "social_care": {"traits": {SOCIAL_CARE}, "lead_with_consent": True, "programme": True},
    "criminal_offence": {"traits": {CRIMINAL}},
    "special_category": {"traits": {SPECIAL}},
    "financial": {"team_with_consent": True, "safeguarding": True, "programme": True},
    "housing": {"team_with_consent": True, "safeguarding": True, "programme": True},
    "adoption": {"traits": {SEALED}, "sealed": True},
}
# consent: none (never asked), given (covering the category for this organisation and
# purpose), given_elsewhere (given, but not for this organisation/purpose/category),
# declined, withdrawn.
CONSENT_CASES = ("none", "given", "given_elsewhere", "declined", "withdrawn")
INVOLVEMENTS = ("none", "team_member", "lead_practitioner")


@dataclass(frozen=True)
class Case:
    role: str
    org_kind: str
    involvement: str
    category: str
    consent: str
    purpose: str
    override: bool
    supplied_by_own_org: bool = False
    restricted: bool = False
    sealed_person: bool = False
    referred_to_my_service: bool = False
    on_programme: bool = False  # the family is on the Supporting Families programme
    need_evidence: bool = False  # the record is evidence of one of the family's needs
    own_organisation: bool = True  # view_referrals: the inbox asked about is the user's own


def _basis_for_full_view(c: Case, traits: frozenset[str], *, for_view_only: bool) -> bool:
    involved = c.involvement != "none"
    return (
        (PRACTITIONER in traits and involved and c.purpose in DIRECT_WORK)
        or (STATUTORY in traits and c.purpose == "safeguarding")
        or (PRACTITIONER in traits and c.override and c.purpose == "safeguarding")
        or (for_view_only and PROGRAMME in traits and c.purpose == "supporting_families")
        or (IG in traits and c.purpose == "information_governance")
    )


def _ig_rights(c: Case, traits: frozenset[str]) -> bool:
    return IG in traits and c.purpose == "information_governance"


def _consent_blocks(c: Case, traits: frozenset[str], *, supplied: bool) -> bool:
    if c.consent not in ("declined", "withdrawn"):
        return False
    safeguarding = c.purpose == "safeguarding" and (STATUTORY in traits or c.override)
    return not (safeguarding or _ig_rights(c, traits) or supplied)


def _category_allows(c: Case, traits: frozenset[str]) -> bool:
    audience = CATEGORY_AUDIENCE.get(c.category)
    if audience is None:
        return False
    if audience.get("everyone_with_full_view"):
        return True
    if c.override or _ig_rights(c, traits) or c.supplied_by_own_org:
        return True
    covered = c.consent == "given"
    programme = PROGRAMME in traits and c.purpose == "supporting_families"
    return bool(
        traits & set(audience.get("traits", set()))  # type: ignore[call-overload]
        or c.org_kind in audience.get("org_kinds", set())  # type: ignore[operator]
        or (audience.get("team_with_consent") and c.involvement != "none" and covered)
        or (audience.get("lead_with_consent") and c.involvement == "lead_practitioner" and covered)
        or (audience.get("safeguarding") and STATUTORY in traits and c.purpose == "safeguarding")
        or (audience.get("programme") and programme)
        or (audience.get("programme_with_consent") and programme and covered)
    )


SERVICE_ACTIONS = {
    "review_audit",
    "manage_users",
    "view_statistics",
    "manage_data",
    "produce_evaluation_return",
    "view_referrals",  # about an organisation's inbox, not about a person
}


def _sealed(c: Case, action: str) -> bool:
    if action in SERVICE_ACTIONS:  # about the service, not about a person
        return False
    if c.sealed_person:
        return True
    return action == "view_record" and bool(CATEGORY_AUDIENCE.get(c.category, {}).get("sealed"))


def intended(action: str, c: Case) -> bool:
    """Should ``c.role`` be allowed ``action``, in the circumstances ``c`` describes?"""
    traits = ROLE_TRAITS[c.role]
    if _sealed(c, action) and SEALED not in traits:
        return False
    involved = c.involvement != "none"
    if action == "search":
        return (
            (PRACTITIONER in traits and c.purpose in SEARCH_PURPOSES)
            or (DATA in traits and c.purpose == "data_quality")
            or (PROGRAMME in traits and c.purpose == "supporting_families")
            or (IG in traits and c.purpose == "information_governance")
        )
    if action in ("view", "view_contact", "view_record"):
        if c.restricted and not (
            (c.override and c.purpose == "safeguarding") or _ig_rights(c, traits)
        ):
            return False
        supplied = action == "view_record" and c.supplied_by_own_org
        supplied_basis = supplied and bool(traits & {PRACTITIONER, DATA})
        basis = _basis_for_full_view(c, traits, for_view_only=action == "view")
        programme_evidence = (
            action == "view_record"
            and PROGRAMME in traits
            and c.purpose == "supporting_families"
            and c.on_programme
            and c.need_evidence
        )
        seeking_consent = (
            action == "view_contact"
            and EARLY_HELP in traits
            and c.referred_to_my_service
            and c.consent == "none"
            and c.purpose == "seeking_consent"
        )
        if not (basis or supplied_basis or seeking_consent or programme_evidence):
            return False
        if _consent_blocks(c, traits, supplied=supplied):
            return False
        return action != "view_record" or _category_allows(c, traits)
    if action == "view_consent":
        return (
            PRACTITIONER in traits
            and (
                involved
                or (EARLY_HELP in traits and c.referred_to_my_service)
                or STATUTORY in traits
            )
        ) or _ig_rights(c, traits)
    if action == "record_consent":
        return PRACTITIONER in traits and (
            involved or (EARLY_HELP in traits and c.referred_to_my_service) or STATUTORY in traits
        )
    if action == "manage_involvement":
        return PRACTITIONER in traits and (
            EARLY_HELP in traits or STATUTORY in traits or c.involvement == "lead_practitioner"
        )
    if action == "join_team":
        may_add_anyone = PRACTITIONER in traits and (
            EARLY_HELP in traits or STATUTORY in traits or c.involvement == "lead_practitioner"
        )
        may_join = (
            PRACTITIONER in traits
            and c.purpose in JOIN_PURPOSES
            and c.consent not in ("declined", "withdrawn")
        )
        return may_add_anyone or may_join
    if action == "view_referrals":
        return c.own_organisation and (
            (STATUTORY in traits and c.purpose == "safeguarding")
            or (
                EARLY_HELP in traits
                and c.purpose in {"early_help_support", "seeking_consent", "safeguarding"}
            )
        )
    if action == "refer":
        return PRACTITIONER in traits and c.purpose in DIRECT_WORK
    if action == "manage_referral":
        return (STATUTORY in traits and c.purpose == "safeguarding") or (
            EARLY_HELP in traits
            and c.purpose in {"early_help_support", "seeking_consent", "safeguarding"}
        )
    if action == "break_glass":
        return PRACTITIONER in traits and c.purpose == "safeguarding"
    if action == "review_audit":
        return IG in traits and c.purpose == "information_governance"
    if action == "manage_users":
        return USER_ADMIN in traits
    if action == "view_statistics":
        return PLANNING in traits and c.purpose == "statistics"
    if action == "manage_data":
        return DATA in traits and c.purpose == "data_quality"
    if action == "produce_evaluation_return":
        return PROGRAMME in traits and c.purpose == "supporting_families"
    raise ValueError(action)

"""What a consent record allows one organisation, for one purpose."""

from __future__ import annotations

from datetime import UTC, datetime

from familyhub.access.facts import consent_allows
from familyhub.consent.models import ConsentRecord


def _consent(state: str, recipients: list[str], purposes: list[str]) -> ConsentRecord:
    return ConsentRecord(
        state=state,
        purposes=purposes,
        recipient_organisations=recipients,
        data_categories=["health", "education"],
        effective_at=datetime.now(UTC),
        recorded_by_user_id=1,
        evidence="signed form",
    )


def test_no_record_means_never_asked() -> None:
    assert consent_allows(None, organisation_code="nhs", purpose="early_help_support") == (
        "none",
        frozenset(),
    )


def test_given_to_this_organisation_for_this_purpose_allows_its_categories() -> None:
    record = _consent("given", ["nhs"], ["early_help_support"])
    assert consent_allows(record, organisation_code="nhs", purpose="early_help_support") == (
        "given",
        frozenset({"health", "education"}),
    )


def test_given_to_every_partner_allows_any_organisation() -> None:
    record = _consent("given", ["*"], ["early_help_support"])
    assert consent_allows(record, organisation_code="school-9", purpose="early_help_support")[1]


def test_given_to_others_or_for_another_purpose_allows_nothing() -> None:
    assert consent_allows(
        _consent("given", ["police"], ["early_help_support"]),
        organisation_code="nhs",
        purpose="early_help_support",
    ) == ("given", frozenset())
    assert consent_allows(
        _consent("given", ["nhs"], ["supporting_families"]),
        organisation_code="nhs",
        purpose="early_help_support",
    ) == ("given", frozenset())


def test_declined_and_withdrawn_allow_nothing_and_say_so() -> None:
    for state in ("declined", "withdrawn"):
        assert consent_allows(
            _consent(state, ["*"], ["early_help_support"]),
            organisation_code="nhs",
            purpose="early_help_support",
        ) == (state, frozenset())

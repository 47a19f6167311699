"""The actions on the single view, through casework, consent and access, seen on the next view."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.service import AccessRefusedError, InvalidRequestError
from familyhub.audit.models import AuditAlert
from familyhub.casework.models import Referral
from familyhub.casework.service import CaseworkError
from familyhub.consent.service import ConsentError
from familyhub.rights.facts import place
from familyhub.singleview import service

from .scenario import NOW, Scenario


def test_a_social_worker_joins_the_team_then_becomes_lead_and_is_shown_first(
    session: Session, scenario: Scenario
) -> None:
    social = scenario.user("social_worker")
    joined = service.join_team(
        session, user=social, purpose="safeguarding", family_id=scenario.family_id
    )
    assert joined.reference.startswith("involvement:")
    service.become_lead_practitioner(
        session, user=social, purpose="safeguarding", family_id=scenario.family_id
    )
    view = service.person_view(
        session, user=scenario.user("school_dsl"), purpose="early_help_support",
        person_id=scenario.child,
    )  # fmt: skip
    assert [p.name for p in view.who_is_working.lead_practitioners] == [social.display_name]


def test_a_health_visitor_may_not_allocate_themselves_as_lead(
    session: Session, scenario: Scenario
) -> None:
    with pytest.raises(AccessRefusedError):
        service.become_lead_practitioner(
            session, user=scenario.user("health_visitor"), purpose="direct_care",
            family_id=scenario.family_id,
        )  # fmt: skip


def test_consent_recorded_from_the_view_is_validated_and_shown_next(
    session: Session, scenario: Scenario
) -> None:
    worker = scenario.user("early_help_worker")
    with pytest.raises(ConsentError, match="for which purposes"):
        service.record_consent(
            session, user=worker, purpose="early_help_support", state="given",
            evidence="verbal", family_id=scenario.family_id,
        )  # fmt: skip
    done = service.record_consent(
        session, user=worker, purpose="early_help_support", state="declined",
        evidence="mother declined at home visit", family_id=scenario.family_id,
    )  # fmt: skip
    assert done.reference.startswith("consent_record:")
    view = service.family_view(
        session, user=scenario.user("social_worker"), purpose="safeguarding",
        family_id=scenario.family_id,
    )  # fmt: skip
    assert view.consent is not None
    assert view.consent.state == "declined"
    assert [c.state for c in view.consent.history] == ["declined", "given"]


def test_a_request_for_support_and_a_mash_referral_land_with_the_receiving_service(
    session: Session, scenario: Scenario
) -> None:
    school = scenario.user("school_dsl")
    with pytest.raises(CaseworkError, match="concern or need"):
        service.request_support(
            session, user=school, purpose="early_help_support", reason=" ",
            consent_at_referral="given", family_id=scenario.family_id,
        )  # fmt: skip
    support = service.request_support(
        session, user=school, purpose="early_help_support", reason="Attendance is falling",
        consent_at_referral="given", family_id=scenario.family_id,
    )  # fmt: skip
    mash = service.refer_to_mash(
        session, user=school, purpose="safeguarding", reason="Bruising seen at school",
        consent_at_referral="not_sought", person_id=scenario.child,
    )  # fmt: skip
    received = {
        r.kind: r
        for r in session.scalars(select(Referral).where(Referral.referrer_user_id == school.id))
    }
    assert received["request_for_support"].receiving_service == "Early help"
    assert received["mash_referral"].receiving_service == "MASH"
    assert received["mash_referral"].state == "received"
    assert "MASH" in mash.message
    assert support.reference == f"referral:{received['request_for_support'].id}"


def test_break_glass_opens_a_restricted_record_for_safeguarding_and_alerts_governance(
    session: Session, scenario: Scenario
) -> None:
    place(
        session, person_id=scenario.mother, kind="restriction", grounds="objection to sharing",
        on=NOW.date(),
    )  # fmt: skip
    visitor = scenario.user("health_visitor")
    with pytest.raises(InvalidRequestError, match="justification"):
        service.break_glass(
            session, user=visitor, purpose="safeguarding", justification="urgent",
            person_id=scenario.mother, now=NOW,
        )  # fmt: skip
    done = service.break_glass(
        session, user=visitor, purpose="safeguarding",
        justification="Child disclosed injury at clinic today, mother unreachable",
        person_id=scenario.mother, now=NOW,
    )  # fmt: skip
    assert "Information governance" in done.message
    alerts = session.scalars(
        select(AuditAlert).where(AuditAlert.user_id == visitor.id, AuditAlert.kind == "break_glass")
    ).all()
    assert alerts
    view = service.person_view(
        session, user=visitor, purpose="safeguarding", person_id=scenario.mother, now=NOW
    )
    assert view.level == "full"
    assert view.restriction_notice  # still shown, so the user knows why this is exceptional
    assert {i.category for i in view.chronology.items} == {  # type: ignore[union-attr]
        "criminal_offence",
        "housing",
    }

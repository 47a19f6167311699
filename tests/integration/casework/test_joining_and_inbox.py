"""A practitioner joining the team around the family themselves; referrals landing with the
receiving service, and that service's inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.facts import gather
from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.casework.service import (
    CaseworkError,
    add_involvement,
    change_referral,
    create_referral,
    current_involvements,
    default_receiver,
    mark_notice_read,
    notices_for,
    referrals_for,
)
from familyhub.consent.service import record_consent

from ..access.people import family, organisation, person, user


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


def test_a_health_visitor_joins_the_team_themselves_and_the_lead_is_told(
    session: Session,
) -> None:
    early_help = organisation(session, name="Northshire Early Help")
    lead = user(session, early_help, "early_help_worker", username="lee.lead")
    visitor = user(session, organisation(session, "nhs_trust"), "health_visitor")
    child = person(session)
    fam = family(session, child)
    add_involvement(
        session, user=lead, practitioner=lead, kind="lead_practitioner", family_id=fam,
        purpose="early_help_support", request_id="lead",
    )  # fmt: skip
    before = gather(session, user=visitor, person_id=child, purpose="direct_care")
    assert not before.context.involved

    joined = add_involvement(
        session, user=visitor, practitioner=visitor, kind="team_member", family_id=fam,
        purpose="direct_care", request_id="join",
    )  # fmt: skip

    assert joined.kind == "team_member"
    assert joined.user_id == visitor.id
    after = gather(session, user=visitor, person_id=child, purpose="direct_care")
    assert after.context.involved  # the very next request sees the involvement
    (event,) = _events(session, "involvement.join")
    assert event.decision == "allow"
    assert event.policy_ids == ["casework.join_team"]
    assert event.records == [f"family:{fam}"]
    assert event.actor_username == visitor.username

    (notice,) = notices_for(session, user=lead, purpose="early_help_support", request_id="n")
    assert notice.involvement_id == joined.id
    assert visitor.display_name in notice.message
    assert "direct care" in notice.message
    (seen,) = _events(session, "involvement.notices")
    assert seen.records == [f"family:{fam}"]
    mark_notice_read(session, user=lead, notice_id=notice.id)
    assert notices_for(session, user=lead, purpose="early_help_support", request_id="m") == []
    with pytest.raises(CaseworkError):
        mark_notice_read(session, user=visitor, notice_id=notice.id)


def test_joining_needs_a_purpose_of_direct_work_and_only_ever_adds_yourself(
    session: Session,
) -> None:
    nhs = organisation(session, "nhs_trust")
    visitor = user(session, nhs, "health_visitor")
    colleague = user(session, nhs, "health_visitor")
    planner = user(session, organisation(session), "planner")
    fam = family(session, person(session))
    with pytest.raises(AccessRefusedError):
        add_involvement(
            session, user=visitor, practitioner=visitor, kind="team_member", family_id=fam,
            purpose="supporting_families", request_id="a",
        )  # fmt: skip
    with pytest.raises(AccessRefusedError):  # adding someone else is managing the team
        add_involvement(
            session, user=visitor, practitioner=colleague, kind="team_member", family_id=fam,
            purpose="direct_care", request_id="b",
        )  # fmt: skip
    with pytest.raises(AccessRefusedError):  # nor may anyone make themselves the lead
        add_involvement(
            session, user=visitor, practitioner=visitor, kind="lead_practitioner",
            family_id=fam, purpose="direct_care", request_id="c",
        )  # fmt: skip
    with pytest.raises(AccessRefusedError):  # not a practitioner
        add_involvement(
            session, user=planner, practitioner=planner, kind="team_member", family_id=fam,
            purpose="direct_care", request_id="d",
        )  # fmt: skip
    assert current_involvements(session, family_id=fam) == []
    refused = _events(session, "involvement.join") + _events(session, "involvement.change")
    assert sorted(e.decision for e in refused) == ["deny"] * 4


def test_no_one_joins_a_family_that_withdrew_consent(session: Session) -> None:
    early_help = organisation(session)
    lead = user(session, early_help, "early_help_worker")
    visitor = user(session, organisation(session, "nhs_trust"), "health_visitor")
    fam = family(session, person(session))
    add_involvement(
        session, user=lead, practitioner=lead, kind="lead_practitioner", family_id=fam,
        purpose="early_help_support", request_id="a",
    )  # fmt: skip
    record_consent(
        session, user=lead, state="withdrawn", evidence="Phone call with mother",
        purpose="early_help_support", request_id="b", family_id=fam,
    )  # fmt: skip
    with pytest.raises(AccessRefusedError):
        add_involvement(
            session, user=visitor, practitioner=visitor, kind="team_member", family_id=fam,
            purpose="early_help_support", request_id="c",
        )  # fmt: skip


def test_referrals_land_with_the_receiving_service_by_default_or_as_named(
    session: Session,
) -> None:
    mash_org = organisation(session, name="Northshire MASH")
    mash_org.receives_referrals = ["mash_referral"]
    early_help = organisation(session, name="Northshire Early Help")
    early_help.receives_referrals = ["request_for_support"]
    other_help = organisation(session, "voluntary", name="Family Action")
    session.flush()
    assert default_receiver(session, kind="mash_referral") is mash_org
    teacher = user(session, organisation(session, "school"), "school_dsl")
    child = person(session)
    common = {"session": session, "user": teacher, "consent_at_referral": "given",
              "purpose": "safeguarding", "request_id": "r", "person_id": child}  # fmt: skip
    to_mash = create_referral(kind="mash_referral", reason="Bruising noticed", **common)  # type: ignore[arg-type]
    to_help = create_referral(kind="request_for_support", reason="Attendance", **common)  # type: ignore[arg-type]
    named = create_referral(
        kind="request_for_support", reason="Parenting support",
        receiving_organisation_id=other_help.id, **common,  # type: ignore[arg-type]
    )  # fmt: skip
    assert to_mash.receiving_organisation_id == mash_org.id
    assert to_help.receiving_organisation_id == early_help.id
    assert named.receiving_organisation_id == other_help.id
    (event, *_) = _events(session, "referral.create")
    assert event.details["receiving_organisation"] == mash_org.code
    with pytest.raises(CaseworkError, match="No organisation"):
        create_referral(kind="mash_referral", reason="x", receiving_organisation_id=10**9, **common)  # type: ignore[arg-type]


def test_each_service_sees_its_own_inbox_through_the_decision_point(session: Session) -> None:
    mash_org = organisation(session, name="Northshire MASH")
    mash_org.receives_referrals = ["mash_referral"]
    early_help = organisation(session, name="Northshire Early Help")
    early_help.receives_referrals = ["request_for_support"]
    session.flush()
    screener = user(session, mash_org, "mash_social_worker")
    helper = user(session, early_help, "early_help_worker")
    teacher = user(session, organisation(session, "school"), "school_dsl")
    first, second = person(session), person(session)
    common = {"session": session, "user": teacher, "consent_at_referral": "not_sought",
              "purpose": "safeguarding", "request_id": "r"}  # fmt: skip
    concern = create_referral(kind="mash_referral", reason="Concern", person_id=first, **common)  # type: ignore[arg-type]
    support = create_referral(
        kind="request_for_support",
        reason="Support",
        person_id=second,
        **common,  # type: ignore[arg-type]
    )
    # made before any organisation was set to receive them: they wait for the default one
    mash_org.receives_referrals = []
    session.flush()
    orphan = create_referral(kind="mash_referral", reason="Older", person_id=second, **common)  # type: ignore[arg-type]
    assert orphan.receiving_organisation_id is None
    mash_org.receives_referrals = ["mash_referral"]
    session.flush()

    inbox = referrals_for(
        session, user=screener, organisation_id=mash_org.id, purpose="safeguarding"
    )
    assert [r.id for r in inbox] == [concern.id, orphan.id]
    (event,) = _events(session, "referral.inbox")
    assert event.decision == "allow"
    assert set(event.records) == {
        f"referral:{concern.id}", f"person:{first}", f"referral:{orphan.id}", f"person:{second}"
    }  # fmt: skip
    assert "casework.referral_inbox" in event.policy_ids
    helped = referrals_for(
        session, user=helper, organisation_id=early_help.id, purpose="early_help_support"
    )
    assert [r.id for r in helped] == [support.id]

    # passed to early help: it leaves the MASH's inbox and lands in early help's
    change_referral(
        session, user=screener, referral_id=concern.id, to_state="passed_to_early_help",
        purpose="safeguarding", request_id="p", receiving_organisation_id=early_help.id,
    )  # fmt: skip
    assert [r.id for r in referrals_for(
        session, user=screener, organisation_id=mash_org.id, purpose="safeguarding"
    )] == [orphan.id]  # fmt: skip
    assert {r.id for r in referrals_for(
        session, user=helper, organisation_id=early_help.id, purpose="seeking_consent"
    )} == {support.id, concern.id}  # fmt: skip
    closed = referrals_for(
        session, user=helper, organisation_id=early_help.id, purpose="early_help_support",
        states=["closed"],
    )  # fmt: skip
    assert closed == []


def test_another_services_inbox_is_refused_and_the_refusal_audited(session: Session) -> None:
    mash_org = organisation(session, name="Northshire MASH")
    early_help = organisation(session, name="Northshire Early Help")
    helper = user(session, early_help, "early_help_worker")
    visitor = user(session, organisation(session, "nhs_trust"), "health_visitor")
    with pytest.raises(AccessRefusedError):
        referrals_for(session, user=helper, organisation_id=mash_org.id, purpose="safeguarding")
    with pytest.raises(AccessRefusedError):  # a health visitor has no referral inbox
        referrals_for(
            session, user=visitor, organisation_id=visitor.organisation_id, purpose="direct_care"
        )
    with pytest.raises(CaseworkError, match="Unknown referral states"):
        referrals_for(
            session, user=helper, organisation_id=early_help.id, purpose="early_help_support",
            states=["lost"],
        )  # fmt: skip
    refused = _events(session, "referral.inbox")
    assert [e.decision for e in refused] == ["deny", "deny"]
    assert refused[0].policy_ids == ["default.deny"]


def test_input_that_cannot_be_stored_is_refused_before_anything_is_written(
    session: Session,
) -> None:
    visitor = user(session, organisation(session, "nhs_trust"), "health_visitor")
    fam = family(session, person(session))
    with pytest.raises(CaseworkError, match="no family with this id"):
        add_involvement(
            session, user=visitor, practitioner=visitor, kind="team_member",
            family_id="F" + "x" * 80, purpose="direct_care", request_id="a",
        )  # fmt: skip
    (refused,) = _events(session, "involvement.join")
    assert refused.decision == "refused"
    with pytest.raises(CaseworkError, match="too long"):
        add_involvement(
            session, user=visitor, practitioner=visitor, kind="team_member", family_id=fam,
            service="S" * 121, purpose="direct_care", request_id="b",
        )  # fmt: skip
    with pytest.raises(CaseworkError, match="cannot be stored"):
        create_referral(
            session, user=visitor, kind="request_for_support", reason="Needs\x00help",
            consent_at_referral="given", purpose="direct_care", request_id="c", family_id=fam,
        )  # fmt: skip
    with pytest.raises(CaseworkError, match="no person with this id"):
        create_referral(
            session, user=visitor, kind="request_for_support", reason="Needs help",
            consent_at_referral="given", purpose="direct_care", request_id="d",
            person_id="P" + "y" * 60,
        )  # fmt: skip
    assert current_involvements(session, family_id=fam) == []

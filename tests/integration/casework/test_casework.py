"""Involvements (team around the family, lead practitioner) and referrals with their states."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.casework.service import (
    CaseworkError,
    add_involvement,
    change_referral,
    create_referral,
    current_involvements,
    end_involvement,
    lead_practitioners,
    referral_history,
)

from ..access.people import family, organisation, person, user


def test_a_new_lead_practitioner_replaces_the_old_and_search_shows_how_to_contact_them(
    session: Session,
) -> None:
    council = organisation(session, "council_service", name="Northshire Early Help")
    first = user(session, council, "early_help_worker", username="jo.first")
    second = user(session, council, "early_help_worker", username="kim.second")
    fam = family(session, person(session))
    add_involvement(
        session,
        user=first,
        practitioner=first,
        kind="lead_practitioner",
        family_id=fam,
        purpose="early_help_support",
        request_id="a",
    )
    add_involvement(
        session,
        user=first,
        practitioner=second,
        kind="lead_practitioner",
        family_id=fam,
        purpose="early_help_support",
        request_id="b",
    )
    leads = lead_practitioners(session, family_id=fam)
    assert [(lp.name, lp.organisation) for lp in leads] == [("Kim Second", "Northshire Early Help")]
    assert leads[0].phone
    assert leads[0].email == "kim.second@example.org"
    assert [i.kind for i in current_involvements(session, family_id=fam)] == ["lead_practitioner"]


def test_the_team_around_the_family_is_listed_for_each_member(session: Session) -> None:
    council = organisation(session)
    lead = user(session, council, "early_help_worker")
    nurse = user(session, organisation(session, "nhs_trust"), "school_nurse")
    child = person(session)
    fam = family(session, child)
    add_involvement(
        session,
        user=lead,
        practitioner=lead,
        kind="lead_practitioner",
        family_id=fam,
        purpose="early_help_support",
        request_id="a",
    )
    add_involvement(
        session,
        user=lead,
        practitioner=nurse,
        kind="team_member",
        person_id=child,
        service="School nursing",
        purpose="early_help_support",
        request_id="b",
    )
    kinds = sorted(i.kind for i in current_involvements(session, person_id=child))
    assert kinds == ["lead_practitioner", "team_member"]


def test_ending_an_involvement_needs_a_reason_and_happens_once(session: Session) -> None:
    lead = user(session, organisation(session), "early_help_worker")
    fam = family(session, person(session))
    involvement = add_involvement(
        session,
        user=lead,
        practitioner=lead,
        kind="allocated_worker",
        family_id=fam,
        purpose="early_help_support",
        request_id="a",
    )
    with pytest.raises(CaseworkError, match="Say why"):
        end_involvement(
            session,
            user=lead,
            involvement_id=involvement.id,
            reason=" ",
            purpose="early_help_support",
            request_id="b",
        )
    end_involvement(
        session,
        user=lead,
        involvement_id=involvement.id,
        reason="case closed",
        purpose="early_help_support",
        request_id="c",
    )
    assert current_involvements(session, family_id=fam) == []
    with pytest.raises(CaseworkError, match="already ended"):
        end_involvement(
            session,
            user=lead,
            involvement_id=involvement.id,
            reason="again",
            purpose="early_help_support",
            request_id="d",
        )


def test_a_mash_referral_moves_through_its_states_and_keeps_its_history(session: Session) -> None:
    council = organisation(session)
    teacher = user(session, organisation(session, "school"), "school_dsl")
    mash = user(session, council, "mash_social_worker")
    child = person(session)
    referral = create_referral(
        session,
        user=teacher,
        kind="mash_referral",
        person_id=child,
        reason="disclosure in class",
        consent_at_referral="not_sought",
        purpose="safeguarding",
        request_id="a",
    )
    assert referral.state == "received"
    assert referral.receiving_service == "MASH"
    change_referral(
        session,
        user=mash,
        referral_id=referral.id,
        to_state="screening",
        purpose="safeguarding",
        request_id="b",
    )
    with pytest.raises(CaseworkError, match="Name the early help organisation"):
        change_referral(
            session,
            user=mash,
            referral_id=referral.id,
            to_state="passed_to_early_help",
            purpose="safeguarding",
            request_id="c",
        )
    change_referral(
        session,
        user=mash,
        referral_id=referral.id,
        to_state="passed_to_early_help",
        rating="amber",
        receiving_service="Early help",
        receiving_organisation_id=council.id,
        purpose="safeguarding",
        request_id="d",
        note="no statutory threshold; early help offer",
    )
    assert (referral.state, referral.rating) == ("passed_to_early_help", "amber")
    steps = [(h.from_state, h.to_state) for h in referral_history(session, referral_id=referral.id)]
    assert steps == [
        (None, "received"),
        ("received", "screening"),
        ("screening", "passed_to_early_help"),
    ]
    with pytest.raises(CaseworkError, match="cannot become screening"):
        change_referral(
            session,
            user=mash,
            referral_id=referral.id,
            to_state="screening",
            purpose="safeguarding",
            request_id="e",
        )


def test_only_the_mash_or_early_help_may_move_a_referral_on(session: Session) -> None:
    teacher = user(session, organisation(session, "school"), "teacher")
    referral = create_referral(
        session,
        user=teacher,
        kind="request_for_support",
        family_id=family(session, person(session)),
        reason="attendance falling, parent asked for help",
        consent_at_referral="given",
        purpose="early_help_support",
        request_id="a",
    )
    with pytest.raises(service.AccessRefusedError):
        change_referral(
            session,
            user=teacher,
            referral_id=referral.id,
            to_state="screening",
            purpose="early_help_support",
            request_id="b",
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "gossip"}, "Referral kind must be one of"),
        ({"consent_at_referral": "maybe"}, "Consent at referral must be one of"),
        ({"reason": "  "}, "Say what the concern"),
    ],
)
def test_bad_referrals_are_refused_with_a_clear_message(
    session: Session, kwargs: dict[str, str], message: str
) -> None:
    teacher = user(session, organisation(session, "school"), "teacher")
    arguments: dict[str, Any] = {
        "kind": "request_for_support",
        "reason": "needs help",
        "consent_at_referral": "given",
    }
    arguments.update(kwargs)
    with pytest.raises(CaseworkError, match=message):
        create_referral(
            session,
            user=teacher,
            person_id=person(session),
            purpose="early_help_support",
            request_id="a",
            **arguments,
        )

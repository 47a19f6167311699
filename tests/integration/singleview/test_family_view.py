"""The family view: members, one chronology across members and agencies, the family's needs
and consent, each at the level the decision point allows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from familyhub.access.models import Organisation
from familyhub.casework import service as casework
from familyhub.consent.service import record_consent
from familyhub.singleview.service import family_view, person_view

from .scenario import NOW, Scenario, build


def test_the_lead_practitioner_sees_members_and_every_consented_record(
    session: Session, scenario: Scenario
) -> None:
    view = family_view(
        session, user=scenario.user("early_help_worker"), purpose="early_help_support",
        family_id=scenario.family_id, now=NOW,
    )  # fmt: skip
    assert view.level == "full"
    assert [m.identity.name for m in view.members] == [
        f"Kayla {scenario.surname}",
        f"Mason {scenario.surname}",
    ]
    assert [m.role for m in view.members] == ["parent", "child"]
    assert view.chronology is not None
    by_person = {(i.person_name, i.category) for i in view.chronology.items}
    assert (f"Kayla {scenario.surname}", "housing") in by_person  # consented: housing
    assert (f"Mason {scenario.surname}", "health") in by_person  # lead + consented: health
    assert not any(c == "criminal_offence" for _, c in by_person)
    sentences = {h.sentence for h in view.hidden}
    assert "2 criminal offence records hidden: not shared with your role" in sentences
    assert view.consent is not None
    assert view.consent.state == "given"
    assert view.consent.history[0].recorded_by == scenario.user("early_help_worker").display_name
    lead = view.who_is_working.lead_practitioners[0]
    assert lead.name == scenario.user("early_help_worker").display_name
    assert {p.kind for p in view.who_is_working.practitioners} == {"team_member"}
    assert view.who_is_working.services[0].last_involved == NOW.date()


def test_the_mash_police_officer_sees_the_police_records_and_the_domestic_abuse_need(
    session: Session, scenario: Scenario
) -> None:
    view = family_view(
        session, user=scenario.user("mash_police_officer"), purpose="safeguarding",
        family_id=scenario.family_id, now=NOW,
    )  # fmt: skip
    assert {n.need for n in view.needs or []} == {"domestic_abuse", "education"}
    need = next(n for n in view.needs or [] if n.need == "domestic_abuse")
    assert need.label == "Safe from domestic abuse"
    assert need.evidence[0].text == "Child present at a domestic abuse incident"
    assert f"source_event:{need.evidence[0].event_id}" in view.records


def test_early_help_seeking_consent_after_a_mash_referral_sees_contact_details_only(
    session: Session,
) -> None:
    scenario = build(session, consent=False)
    early_help_org = session.get(Organisation, scenario.user("early_help_worker").organisation_id)
    assert early_help_org is not None
    officer = scenario.user("mash_police_officer")
    referral = casework.create_referral(
        session, user=officer, kind="mash_referral", reason="Child present at an incident",
        consent_at_referral="not_sought", purpose="safeguarding", request_id="t",
        family_id=scenario.family_id,
    )  # fmt: skip
    social = scenario.user("social_worker")
    casework.change_referral(
        session, user=social, referral_id=referral.id, to_state="screening",
        purpose="safeguarding", request_id="t",
    )  # fmt: skip
    casework.change_referral(
        session, user=social, referral_id=referral.id, to_state="passed_to_early_help",
        purpose="safeguarding", request_id="t", receiving_organisation_id=early_help_org.id,
    )  # fmt: skip
    # A different early help worker in the same service, not yet working with the family.
    from .scenario import _user

    worker = _user(session, early_help_org, "early_help_worker")
    view = person_view(
        session, user=worker, purpose="seeking_consent", person_id=scenario.mother, now=NOW
    )
    assert view.level == "contact"
    assert view.contact is not None
    assert view.contact["postcode"] == "NS3 7QD"
    assert view.chronology is None
    assert view.consent is not None
    assert view.consent.state == "none"
    assert "record_consent" in {a.action for a in view.actions}
    assert view.hidden[0].sentence == (
        "Full view hidden: only contact details, to seek the family's consent"
    )
    # Once the family consents, the same worker (now in the team) sees the full view.
    record_consent(
        session, user=worker, state="given", evidence="signed form EH-0003",
        purpose="seeking_consent", request_id="t", family_id=scenario.family_id,
        purposes=["early_help_support"], recipient_organisations=["*"],
        data_categories=["housing"], effective_at=NOW,
    )  # fmt: skip
    casework.add_involvement(
        session, user=worker, practitioner=worker, kind="team_member",
        purpose="early_help_support", request_id="t", family_id=scenario.family_id,
        started_at=NOW,
    )  # fmt: skip
    view = person_view(
        session, user=worker, purpose="early_help_support", person_id=scenario.mother, now=NOW
    )
    assert view.level == "full"
    assert {i.category for i in view.chronology.items} == {"housing"}  # type: ignore[union-attr]

"""The view reads the access facts of a whole family at once and decides records in batches;
what it decides on must be exactly what the access package's own one-person functions give.

In every state the scenario can reach (an ended involvement, withdrawn consent, a
restriction, a break-glass override, a MASH referral passed to early help, a family on the
programme) and for every role: ``gather_persons`` equals ``access.facts.gather`` for each
person, and the records the view keeps equal those ``access.service.visible_records`` keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.facts import gather
from familyhub.access.models import Organisation
from familyhub.access.service import break_glass, visible_records
from familyhub.casework import service as casework
from familyhub.casework.models import Involvement
from familyhub.consent.service import record_consent
from familyhub.outcomes.models import FamilyAssessment
from familyhub.rights.facts import place
from familyhub.singleview.facts import gather_persons
from familyhub.singleview.records import events_of, filter_records, linked_records

from .scenario import NOW, ROLES, Scenario, build


def _end_health_visiting(session: Session, scenario: Scenario) -> None:
    visitor = scenario.user("health_visitor")
    involvement = session.scalars(
        select(Involvement).where(Involvement.user_id == visitor.id)
    ).one()
    casework.end_involvement(
        session, user=scenario.user("early_help_worker"), involvement_id=involvement.id,
        reason="stepped down", purpose="early_help_support", request_id="t",
        ended_at=NOW - timedelta(minutes=1),
    )  # fmt: skip


def _withdraw_consent(session: Session, scenario: Scenario) -> None:
    record_consent(
        session, user=scenario.user("early_help_worker"), state="withdrawn",
        evidence="phone call with mother", purpose="early_help_support", request_id="t",
        family_id=scenario.family_id, effective_at=NOW - timedelta(minutes=1),
    )  # fmt: skip


def _restrict_mother(session: Session, scenario: Scenario) -> None:
    place(
        session, person_id=scenario.mother, kind="restriction", grounds="accuracy contested",
        on=date(2026, 9, 15),
    )  # fmt: skip


def _break_glass(session: Session, scenario: Scenario) -> None:
    for role in ("health_visitor", "mash_police_officer", "social_worker"):
        break_glass(
            session, user=scenario.user(role), purpose="safeguarding",
            justification="Child disclosed harm at school today and cannot wait",
            request_id="t", person_id=scenario.mother, now=NOW - timedelta(minutes=5),
        )  # fmt: skip


def _referral_to_early_help(session: Session, scenario: Scenario) -> None:
    early_help = session.get(Organisation, scenario.user("early_help_worker").organisation_id)
    assert early_help is not None
    referral = casework.create_referral(
        session, user=scenario.user("mash_police_officer"), kind="mash_referral",
        reason="Child present at an incident", consent_at_referral="not_sought",
        purpose="safeguarding", request_id="t", person_id=scenario.child,
    )  # fmt: skip
    social = scenario.user("social_worker")
    for state in ("screening", "passed_to_early_help"):
        casework.change_referral(
            session, user=social, referral_id=referral.id, to_state=state,
            purpose="safeguarding", request_id="t",
            receiving_organisation_id=early_help.id if state == "passed_to_early_help" else None,
        )  # fmt: skip


def _on_programme(session: Session, scenario: Scenario) -> None:
    session.add(
        FamilyAssessment(
            family_id=scenario.family_id, has_dependants=True, need_count=3,
            needs=["education", "domestic_abuse", "health"], eligible=True,
            rules_version="test", assessed_on=NOW.date(),
        )
    )  # fmt: skip
    session.flush()


STATES: dict[str, Callable[[Session, Scenario], None]] = {
    "as built": lambda session, scenario: None,
    "involvement ended": _end_health_visiting,
    "consent withdrawn": _withdraw_consent,
    "restricted": _restrict_mother,
    "break-glass": _break_glass,
    "referred to early help": _referral_to_early_help,
    "on the programme": _on_programme,
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_facts_read_together_equal_each_persons_own(session: Session, state: str) -> None:
    scenario = build(session)
    STATES[state](session, scenario)
    outsider = build(session).child  # in another family: no involvement, no consent
    persons = [
        scenario.child,
        scenario.mother,
        scenario.sealed_sibling,
        scenario.merged_id,
        outsider,
    ]
    for role in sorted(ROLES):
        user = scenario.user(role)
        for purpose in sorted({scenario.purpose(role), "safeguarding", "seeking_consent"}):
            together = gather_persons(
                session, user=user, person_ids=persons, purpose=purpose, now=NOW
            )
            for pid in persons:
                alone = gather(session, user=user, person_id=pid, purpose=purpose, now=NOW)
                assert together[pid] == alone, (state, role, purpose, pid)


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_records_kept_are_those_the_list_filter_keeps(session: Session, state: str) -> None:
    scenario = build(session)
    STATES[state](session, scenario)
    persons = [scenario.child, scenario.mother, scenario.sealed_sibling]
    refs = [r.ref() for r in linked_records(session, persons)]
    refs += [e.ref() for e in events_of(session, persons)]
    for role in sorted(ROLES):
        user, purpose = scenario.user(role), scenario.purpose(role)
        expected = visible_records(
            session, user=user, purpose=purpose, records=refs, request_id="t", now=NOW,
            audit=False,
        )  # fmt: skip
        filtered = filter_records(session, user=user, purpose=purpose, records=refs, now=NOW)
        assert filtered.shown == expected, (state, role)
        # Everything not shown is explained, except sealed records, which are not mentioned.
        withheld = {ref.ref for ref, _ in filtered.withheld}
        assert withheld.isdisjoint({r.ref for r in expected})
        assert all(reason for _, reason in filtered.withheld)

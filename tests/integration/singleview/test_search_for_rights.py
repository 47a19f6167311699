"""Information governance finds the person a rights request is about: minimal identity only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.singleview.service import search

from .scenario import NOW, Scenario


def test_information_governance_finds_a_person_for_a_rights_request(
    session: Session, scenario: Scenario
) -> None:
    ig = scenario.user("information_governance_officer")
    found = search(
        session, user=ig, purpose="information_governance", query=scenario.surname, now=NOW
    )
    ids = {r.identity.person_id for r in found.results}
    assert ids == {scenario.child, scenario.mother}  # never the sealed sibling
    for result in found.results:
        shown = result.identity.model_dump()
        assert set(shown) == {
            "person_id", "name", "year_of_birth", "postcode_district", "postcode_sector",
            "restricted",
        }  # fmt: skip
    event = session.scalars(select(AuditEvent).where(AuditEvent.seq == found.audit_seq)).one()
    assert event.action == "person.search"
    assert event.policy_ids == ["search.information_governance"]
    assert sorted(event.records) == sorted(f"person:{p}" for p in ids)


def test_information_governance_searches_only_for_information_governance(
    session: Session, scenario: Scenario
) -> None:
    ig = scenario.user("information_governance_officer")
    with pytest.raises(AccessRefusedError):
        search(session, user=ig, purpose="safeguarding", query=scenario.surname, now=NOW)
    refused = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "person.search", AuditEvent.actor_user_id == ig.id)
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert refused is not None
    assert (refused.decision, refused.records) == ("deny", [])

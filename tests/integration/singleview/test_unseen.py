"""An id that names no one and an id the user may not see get the same answer, so refusals
cannot be used to find out which ids exist (nor that a sealed person does); every attempt
is still audited, with what really happened."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.access.facts import gather
from familyhub.access.service import AccessRefusedError
from familyhub.audit.models import AuditEvent
from familyhub.singleview.common import NotFoundError, unrelated
from familyhub.singleview.service import family_view, person_view

from .scenario import NOW, ROLES, Scenario

Outcome = tuple[str, str]


def _answer(request: Callable[[], object]) -> Outcome | None:
    """("not found" or "refused", message) for a refused request; None if it was shown."""
    try:
        request()
    except NotFoundError as missing:
        return "not found", str(missing)
    except AccessRefusedError as refused:
        return "refused", str(refused)
    return None


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _last(session: Session) -> AuditEvent:
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    assert event is not None
    return event


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_person_the_user_may_not_see_answers_as_an_id_naming_no_one(
    session: Session, scenario: Scenario, role: str
) -> None:
    user, purpose = scenario.user(role), scenario.purpose(role)

    def view(person_id: str) -> Callable[[], object]:
        return lambda: person_view(
            session, user=user, purpose=purpose, person_id=person_id, now=NOW
        )

    before = _events(session)
    missing = _answer(view("P-no-such-person"))
    assert missing is not None
    assert _events(session) == before + 1
    assert _last(session).records == ["person:P-no-such-person"]
    for person_id in (scenario.child, scenario.mother, scenario.sealed_sibling):
        before = _events(session)
        answer = _answer(view(person_id))
        if answer is not None:
            assert answer == missing, (role, person_id)
        # Shown or not, the attempt is one audit event naming the person asked for.
        assert _events(session) == before + 1
        assert _last(session).records[0] == f"person:{person_id}"
    if role != "adoption_worker":
        # The sealed sibling is refused for everyone outside the named roles; the audit
        # log (for information governance) says so, the user sees no trace of it.
        assert _answer(view(scenario.sealed_sibling)) == missing
        assert _last(session).decision == "deny"
        assert "sealed.named_roles_only" in _last(session).policy_ids


@pytest.mark.parametrize("role", sorted(ROLES))
def test_a_family_the_user_may_not_see_answers_as_an_id_naming_no_family(
    session: Session, scenario: Scenario, role: str
) -> None:
    user, purpose = scenario.user(role), scenario.purpose(role)
    missing = _answer(
        lambda: family_view(session, user=user, purpose=purpose, family_id="F-nobody", now=NOW)
    )
    assert missing is not None
    answer = _answer(
        lambda: family_view(
            session, user=user, purpose=purpose, family_id=scenario.family_id, now=NOW
        )
    )
    assert answer in (None, missing), role


def test_who_is_told_not_found_and_who_is_refused(session: Session, scenario: Scenario) -> None:
    # Any practitioner may find anyone by search: for them an unknown id is simply not found.
    visitor = scenario.user("health_visitor")
    with pytest.raises(NotFoundError, match="There is no person with this id"):
        person_view(
            session, user=visitor, purpose="direct_care", person_id=scenario.sealed_sibling,
            now=NOW,
        )  # fmt: skip
    # A planner may see no one: the real child and an unknown id are refused alike.
    planner = scenario.user("planner")
    for person_id in (scenario.child, "P-no-such-person"):
        with pytest.raises(AccessRefusedError, match="You do not have access to this"):
            person_view(session, user=planner, purpose="statistics", person_id=person_id, now=NOW)


def test_the_unrelated_facts_are_those_of_an_id_naming_no_one(
    session: Session, scenario: Scenario
) -> None:
    for role in sorted(ROLES):
        user, purpose = scenario.user(role), scenario.purpose(role)
        person = gather(session, user=user, person_id=scenario.child, purpose=purpose, now=NOW)
        nobody = gather(
            session, user=user, person_id=scenario.child + "x", purpose=purpose, now=NOW
        )
        assert unrelated(person).context == nobody.context
        assert unrelated(person).principal == nobody.principal
        family = gather(session, user=user, family_id=scenario.family_id, purpose=purpose, now=NOW)
        no_family = gather(session, user=user, family_id="F-nobody", purpose=purpose, now=NOW)
        assert unrelated(family).context == no_family.context

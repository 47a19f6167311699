"""Who looked at a record, when and why: for IG and for the family's subject access request."""

from __future__ import annotations

import contextlib

from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.audit.queries import who_viewed
from familyhub.linkage.models import Person

from ..access.people import family, organisation, person, user


def test_who_viewed_lists_views_of_the_person_and_their_family(session: Session) -> None:
    org = organisation(session, name="Northshire Children's Services")
    sw = user(session, org, "social_worker", username="sam.khan")
    planner = user(session, org, "planner")
    child, sibling = person(session), person(session)
    fam = family(session, child, sibling)
    service.authorize(
        session, user=sw, action="view", purpose="safeguarding", request_id="a", person_id=child
    )
    service.authorize(
        session, user=sw, action="view", purpose="safeguarding", request_id="b", family_id=fam
    )
    service.authorize(
        session, user=sw, action="view", purpose="safeguarding", request_id="c", person_id=sibling
    )
    with contextlib.suppress(service.AccessRefusedError):
        service.authorize(
            session,
            user=planner,
            action="view",
            purpose="statistics",
            request_id="d",
            person_id=child,
        )
    rows = who_viewed(session, person_id=child)
    assert [(r.username, r.what, r.purpose) for r in rows] == [
        ("sam.khan", "opened their record", "safeguarding"),
        ("sam.khan", "opened their family's record", "safeguarding"),
    ]
    assert rows[0].organisation == "Northshire Children's Services"
    with_refused = who_viewed(session, person_id=child, include_refused=True)
    assert [r.decision for r in with_refused] == ["allow", "allow", "deny"]


def test_views_under_an_id_later_merged_still_show(session: Session) -> None:
    sw = user(session, organisation(session), "social_worker")
    old, new = person(session), person(session)
    service.authorize(
        session, user=sw, action="view", purpose="safeguarding", request_id="a", person_id=old
    )
    merged = session.get(Person, old)
    assert merged is not None
    merged.status, merged.merged_into = "merged", new
    session.flush()
    assert len(who_viewed(session, person_id=new)) == 1

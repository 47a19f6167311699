"""Alerts for information governance, and their review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.access import service
from familyhub.access.models import User
from familyhub.audit.alerts import AlertError, close_alert
from familyhub.audit.models import AuditAlert, AuditEvent
from familyhub.linkage.models import PersonLink
from familyhub.runs import start_run
from familyhub.sources.models import SourceExtract, SourceRecord

from ..access.people import at, organisation, person, user

WEEKDAY_MORNING = at("2026-11-24 10:00")  # a Tuesday


def _view(session: Session, who, person_id: str, when: datetime = WEEKDAY_MORNING) -> None:
    service.authorize(
        session,
        user=who,
        action="view",
        purpose="safeguarding",
        request_id="v",
        person_id=person_id,
        now=when,
    )


def _mine(session: Session, *who: User) -> list[AuditAlert]:
    """Alerts about these users (the shared test database may hold others' alerts)."""
    ids = [w.id for w in who]
    return list(
        session.scalars(
            select(AuditAlert).where(AuditAlert.user_id.in_(ids)).order_by(AuditAlert.id)
        )
    )


def _kinds(session: Session, *who: User) -> list[str]:
    return [a.kind for a in _mine(session, *who)]


def _view_at(session: Session, who, person_id: str, when: datetime) -> None:
    from familyhub.audit.service import record

    record(
        session,
        actor=who,
        action="person.view",
        records=[f"person:{person_id}"],
        decision="allow",
        policy_ids=["view.statutory_safeguarding"],
        purpose="safeguarding",
        request_id="v",
        occurred_at=when,
    )


def test_every_break_glass_raises_an_alert(session: Session) -> None:
    hv = user(session, organisation(session, "nhs_trust"), "health_visitor")
    child = person(session)
    service.break_glass(
        session,
        user=hv,
        person_id=child,
        purpose="safeguarding",
        justification="baby presented with unexplained injury",
        request_id="bg",
        now=WEEKDAY_MORNING,
    )
    alerts = [a for a in _mine(session, hv) if a.status == "open"]
    assert [a.kind for a in alerts] == ["break_glass"]
    assert "unexplained injury" in alerts[0].summary
    assert alerts[0].person_id == child


def test_opening_your_own_record_or_a_colleagues_raises_alerts(session: Session) -> None:
    org = organisation(session)
    me_person, colleague_person = person(session), person(session)
    me = user(session, org, "social_worker", person_id=me_person)
    user(session, org, "social_worker", person_id=colleague_person, username="colleague.one")
    _view_at(session, me, me_person, WEEKDAY_MORNING)
    _view_at(session, me, colleague_person, WEEKDAY_MORNING)
    assert _kinds(session, me) == ["own_record", "colleague_record"]
    assert "colleague.one" in _mine(session, me)[1].summary


def test_a_record_with_your_surname_at_your_postcode_raises_an_alert(session: Session) -> None:
    org = organisation(session)
    me = user(session, org, "social_worker", surname="Ashworth", home_postcode="NR1 4AB")
    relative, stranger = person(session), person(session)
    extract = SourceExtract(
        source="housing",
        file_name="x.csv",
        file_sha256="0" * 64,
        kind="full",
        status="loaded",
        contract_sha256="0" * 64,
        loaded_by="test",
    )
    session.add(extract)
    run = start_run(session, stage="link", actor="test", parameters={})
    session.flush()
    for i, (pid, surname, postcode) in enumerate(
        [(relative, "ASHWORTH", "nr14ab"), (stranger, "Ashworth", "NR9 9ZZ")]
    ):
        record = SourceRecord(
            source="housing",
            record_id=f"h{i}",
            extract_id=extract.id,
            row_sha256="0" * 64,
            family_name=surname,
            postcode=postcode,
        )
        session.add(record)
        session.flush()
        session.add(
            PersonLink(
                source_record_id=record.id,
                source="housing",
                record_id=f"h{i}",
                person_id=pid,
                run_id=run.id,
            )
        )
    session.flush()
    _view_at(session, me, relative, WEEKDAY_MORNING)
    _view_at(session, me, stranger, WEEKDAY_MORNING)
    alerts = _mine(session, me)
    assert [(a.kind, a.person_id) for a in alerts] == [("own_household", relative)]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-11-24 10:00", []),  # Tuesday morning
        ("2026-11-24 22:30", ["out_of_hours"]),  # Tuesday night (UTC = London in November)
        ("2026-11-28 11:00", ["out_of_hours"]),  # Saturday
        ("2026-12-25 11:00", ["out_of_hours"]),  # Christmas Day, a bank holiday
    ],
)
def test_opening_a_record_out_of_hours_raises_an_alert(
    session: Session, when: str, expected: list[str]
) -> None:
    sw = user(session, organisation(session), "social_worker")
    _view_at(session, sw, person(session), at(when))
    assert _kinds(session, sw) == expected


def test_many_records_in_a_short_time_raise_one_alert(session: Session) -> None:
    sw = user(session, organisation(session), "social_worker")
    start = WEEKDAY_MORNING
    for i in range(45):
        _view_at(session, sw, person(session), start + timedelta(seconds=10 * i))
    assert _kinds(session, sw) == ["burst"]
    assert "30 records within 10 minutes" in _mine(session, sw)[0].summary


def test_a_steady_pace_raises_no_burst_alert(session: Session) -> None:
    sw = user(session, organisation(session), "social_worker")
    for i in range(40):
        _view_at(session, sw, person(session), WEEKDAY_MORNING + timedelta(minutes=i))
    assert _kinds(session, sw) == []


def test_opening_the_same_people_again_and_again_is_no_burst(session: Session) -> None:
    # The count is of distinct persons: those opened before and those opened now, once each.
    sw = user(session, organisation(session), "social_worker")
    people = [person(session) for _ in range(20)]
    for i in range(60):
        _view_at(session, sw, people[i % 20], WEEKDAY_MORNING + timedelta(seconds=5 * i))
    assert _kinds(session, sw) == []
    for i in range(10):
        _view_at(session, sw, person(session), WEEKDAY_MORNING + timedelta(seconds=300 + i))
    assert _kinds(session, sw) == ["burst"]
    assert "30 records within 10 minutes" in _mine(session, sw)[0].summary


def test_the_chain_lock_is_taken_after_every_read(session: Session) -> None:
    """Between taking the audit chain's head and the commit, an append only writes: every
    other request's audit event waits for that lock."""
    from sqlalchemy import event

    sw = user(session, organisation(session), "social_worker")
    viewed = [person(session) for _ in range(3)]
    session.flush()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()).lower())

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        from familyhub.audit.service import record

        record(
            session,
            actor=sw,
            action="person.view",
            records=[f"person:{p}" for p in viewed],
            decision="allow",
            policy_ids=["view.statutory_safeguarding"],
            purpose="safeguarding",
            request_id="v",
            occurred_at=at("2026-11-24 22:00"),  # out of hours: every alert's reads run
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    locked = next(i for i, s in enumerate(statements) if s.startswith("update audit_chain_head"))
    after = [s for s in statements[locked + 1 :] if s.startswith("select")]
    assert after == []
    assert any(s.startswith("select") for s in statements[:locked])
    assert _kinds(session, sw) == ["out_of_hours"]


def test_an_alert_is_closed_with_a_note_and_the_review_is_audited(session: Session) -> None:
    org = organisation(session)
    ig = user(session, org, "information_governance_officer")
    hv = user(session, org, "health_visitor")
    service.break_glass(
        session,
        user=hv,
        person_id=person(session),
        purpose="safeguarding",
        justification="child missing from home overnight",
        request_id="bg",
        now=WEEKDAY_MORNING,
    )
    alert = next(a for a in _mine(session, hv) if a.status == "open")
    with pytest.raises(AlertError, match="review note"):
        close_alert(session, alert_id=alert.id, reviewer=ig, note="  ")
    close_alert(
        session,
        alert_id=alert.id,
        reviewer=ig,
        note="Confirmed with duty manager: police request, justified.",
    )
    assert alert.status == "closed"
    assert alert.reviewed_by_user_id == ig.id
    assert [a for a in _mine(session, hv) if a.status == "open"] == []
    with pytest.raises(AlertError, match="already closed"):
        close_alert(session, alert_id=alert.id, reviewer=ig, note="again")
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert (last.action, last.actor_username) == ("alert.close", ig.username)


def test_refused_requests_raise_no_viewing_alerts(session: Session) -> None:
    me_person = person(session)
    me = user(session, organisation(session), "planner", person_id=me_person)
    with pytest.raises(service.AccessRefusedError):
        _view(session, me, me_person, datetime(2026, 11, 24, 23, 0, tzinfo=UTC))
    assert _kinds(session, me) == []

"""Alerts for information governance, raised as events are appended, reviewed and closed.

What raises an alert (thresholds in the access vocabulary, ``alerts:``):

* every break-glass override;
* a practitioner opening their own record, a record with their own surname at their own
  postcode (family or household), or a colleague's record (same organisation);
* many person records opened in a short time;
* opening a record out of hours (before the working day, after it, at weekends and on
  bank holidays in England).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from familyhub.audit.models import AuditAlert, AuditEvent, AuditEventSubject

# Actions that open a person's record (search results are not "opening").
OPENING_ACTIONS = frozenset(
    {"person.view", "family.view", "person.records", "person.contact", "record.view"}
)
BREAK_GLASS_ACTION = "access.break_glass"
ALERT_KINDS = (
    "break_glass",
    "own_record",
    "own_household",
    "colleague_record",
    "burst",
    "out_of_hours",
)


class AlertError(ValueError):
    """An alert cannot be closed as asked."""


@lru_cache(maxsize=4)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_out_of_hours(moment: datetime) -> bool:
    from familyhub.access.vocabulary import load_vocabulary

    settings = load_vocabulary().alerts
    local = moment.astimezone(ZoneInfo(settings.timezone))
    start = time.fromisoformat(settings.working_day_start)
    end = time.fromisoformat(settings.working_day_end)
    if local.weekday() >= 5 or local.date() in _bank_holidays(local.year):
        return True
    return not (start <= local.time() < end)


def _persons(records: Iterable[str]) -> list[str]:
    return [ref.split(":", 1)[1] for ref in records if ref.startswith("person:")]


def raise_alerts(session: Session, rows: list[dict[str, Any]]) -> list[AuditAlert]:
    """Raise the alerts the just-appended events call for."""
    from familyhub.access.models import User

    alerts: list[AuditAlert] = []
    users: dict[int, User | None] = {}
    for row in rows:
        if row["decision"] != "allow":
            continue
        user_id = row["actor_user_id"]
        who = row["actor_username"]
        if row["action"] == BREAK_GLASS_ACTION:
            alerts.append(
                _alert(
                    row,
                    "break_glass",
                    f"{who} used break-glass: {row['details'].get('justification', '')}",
                    _first(row["records"]),
                )
            )
        if row["action"] not in OPENING_ACTIONS or user_id is None:
            continue
        persons = _persons(row["records"])
        if user_id not in users:
            users[user_id] = session.get(User, user_id)
        user = users[user_id]
        if user is not None and persons:
            alerts.extend(_personal_connection_alerts(session, row, user, persons))
        if persons and is_out_of_hours(row["occurred_at"]):
            alerts.append(
                _alert(row, "out_of_hours", f"{who} opened a record out of hours", persons[0])
            )
        if persons:
            burst = _burst_alert(session, row)
            if burst is not None:
                alerts.append(burst)
    session.add_all(alerts)
    if alerts:
        session.flush()
    return alerts


def _first(records: list[str]) -> str | None:
    persons = _persons(records)
    return persons[0] if persons else None


def _alert(row: dict[str, Any], kind: str, summary: str, person_id: str | None) -> AuditAlert:
    return AuditAlert(
        kind=kind,
        event_seq=row["seq"],
        user_id=row["actor_user_id"],
        person_id=person_id,
        raised_at=datetime.now(UTC),
        summary=summary,
        status="open",
    )


def _personal_connection_alerts(
    session: Session, row: dict[str, Any], user: Any, persons: list[str]
) -> list[AuditAlert]:
    from familyhub.access.facts import person_identity_hints
    from familyhub.access.models import User

    who = row["actor_username"]
    out: list[AuditAlert] = []
    if user.person_id and user.person_id in persons:
        out.append(_alert(row, "own_record", f"{who} opened their own record", user.person_id))
    colleagues = dict(
        session.execute(
            select(User.person_id, User.username).where(
                User.organisation_id == user.organisation_id,
                User.person_id.in_(persons),
                User.id != user.id,
            )
        ).all()
    )
    for person_id, colleague in colleagues.items():
        out.append(
            _alert(
                row,
                "colleague_record",
                f"{who} opened the record of colleague {colleague}",
                person_id,
            )
        )
    if user.surname and user.home_postcode:
        own = (_norm(user.surname), _norm(user.home_postcode))
        for person_id, identities in person_identity_hints(session, persons).items():
            if person_id == user.person_id:
                continue
            if any((_norm(s), _norm(p)) == own for s, p in identities):
                out.append(
                    _alert(
                        row,
                        "own_household",
                        f"{who} opened a record with their own surname at their own postcode",
                        person_id,
                    )
                )
    return out


def _norm(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def _burst_alert(session: Session, row: dict[str, Any]) -> AuditAlert | None:
    """One alert when a user's opened records within the window first reach the threshold."""
    from familyhub.access.vocabulary import load_vocabulary

    settings = load_vocabulary().alerts
    since = row["occurred_at"] - timedelta(minutes=settings.burst_minutes)
    opened = (
        session.scalar(
            select(func.count(func.distinct(AuditEventSubject.person_id)))
            .join(AuditEvent, AuditEvent.seq == AuditEventSubject.event_seq)
            .where(
                AuditEvent.actor_user_id == row["actor_user_id"],
                AuditEvent.occurred_at >= since,
                AuditEvent.occurred_at <= row["occurred_at"],
                AuditEvent.action.in_(OPENING_ACTIONS),
                AuditEvent.decision == "allow",
            )
        )
        or 0
    )
    if opened < settings.burst_count:
        return None
    already = session.scalar(
        select(func.count(AuditAlert.id))
        .join(AuditEvent, AuditEvent.seq == AuditAlert.event_seq)
        .where(
            AuditAlert.kind == "burst",
            AuditAlert.user_id == row["actor_user_id"],
            AuditEvent.occurred_at >= since,
        )
    )
    if already:
        return None
    return _alert(
        row,
        "burst",
        f"{row['actor_username']} opened {opened} records within {settings.burst_minutes} minutes",
        None,
    )


def open_alerts(session: Session, *, kind: str | None = None) -> list[AuditAlert]:
    query = select(AuditAlert).where(AuditAlert.status == "open").order_by(AuditAlert.id)
    if kind:
        query = query.where(AuditAlert.kind == kind)
    return list(session.scalars(query))


def list_alerts(session: Session, *, status: str | None = None) -> list[AuditAlert]:
    query = select(AuditAlert).order_by(AuditAlert.id)
    if status:
        query = query.where(AuditAlert.status == status)
    return list(session.scalars(query))


def close_alert(session: Session, *, alert_id: int, reviewer: Any, note: str) -> AuditAlert:
    """Close an alert after review; the note says what was found and done. Audited."""
    from familyhub.audit.service import Actor, record_admin_action

    alert = session.get(AuditAlert, alert_id)
    if alert is None:
        raise AlertError(f"No alert {alert_id}.")
    if alert.status == "closed":
        raise AlertError(f"Alert {alert_id} is already closed.")
    if not note or not note.strip():
        raise AlertError("A review note is needed to close an alert.")
    actor = Actor.of(reviewer)
    alert.status = "closed"
    alert.reviewed_by_user_id = actor.user_id
    alert.reviewed_at = datetime.now(UTC)
    alert.review_note = note.strip()
    session.flush()
    record_admin_action(
        session,
        actor=actor,
        action="alert.close",
        target=f"alert:{alert.id}",
        details={"note": alert.review_note},
    )
    return alert

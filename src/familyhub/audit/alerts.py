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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
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
# One out-of-hours alert per user per this many hours: a night's work is one review.
OUT_OF_HOURS_QUIET = 12
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


@dataclass
class AlertFacts:
    """What the alerts need from the database about events about to be appended.

    Read before the audit chain's lock is taken (``read_alert_facts``), so the lock, which
    every other request's audit event waits for, is held only to write; the alerts are then
    decided on the final rows (``raise_alerts``)."""

    users: dict[int, Any] = field(default_factory=dict)
    colleagues: dict[int, dict[str, str]] = field(default_factory=dict)
    relatives: dict[int, set[str]] = field(default_factory=dict)
    recent_out_of_hours: dict[int, bool] = field(default_factory=dict)
    burst_already: dict[int, bool] = field(default_factory=dict)
    # Distinct persons the user opened in the burst window before these events, and the
    # persons these events open (their subjects) that are not among them.
    opened_before: dict[int, int] = field(default_factory=dict)
    opened_now: dict[int, set[str]] = field(default_factory=dict)


def _opening(row: dict[str, Any]) -> bool:
    return (
        row["decision"] == "allow"
        and row["action"] in OPENING_ACTIONS
        and row["actor_user_id"] is not None
        and bool(_persons(row["records"]))
    )


def read_alert_facts(
    session: Session, rows: list[dict[str, Any]], subjects: list[list[str]]
) -> AlertFacts:
    """Everything ``raise_alerts`` asks the database, for ``rows`` not yet written.

    ``subjects`` are the persons each row touches (as ``audit_event_subject`` will hold
    them); ``occurred_at`` of the rows may still move by the moments it takes to take the
    lock, which the alerts' windows (minutes and hours) do not notice."""
    from familyhub.access.models import User

    facts = AlertFacts()
    opened_by_user: dict[int, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if _opening(row):
            opened_by_user[row["actor_user_id"]].append(index)
    for user_id, indexes in opened_by_user.items():
        opened = [rows[i] for i in indexes]
        user = session.get(User, user_id)
        facts.users[user_id] = user
        if user is not None:
            facts.colleagues[user_id], facts.relatives[user_id] = _connections(
                session, opened, user
            )
        if any(is_out_of_hours(row["occurred_at"]) for row in opened):
            facts.recent_out_of_hours[user_id] = _recent_alert(
                session, "out_of_hours", opened[0], hours=OUT_OF_HOURS_QUIET
            )
        new = {p for i in indexes for p in subjects[i]}
        _read_burst(session, facts, opened[-1], new)
    return facts


def raise_alerts(
    session: Session, rows: list[dict[str, Any]], facts: AlertFacts
) -> list[AuditAlert]:
    """Raise the alerts the just-appended events call for, decided on ``facts``."""
    alerts: list[AuditAlert] = []
    opened_by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["decision"] != "allow":
            continue
        if row["action"] == BREAK_GLASS_ACTION:
            justification = row["details"].get("justification", "")
            alerts.append(
                _alert(
                    row,
                    "break_glass",
                    f"{row['actor_username']} used break-glass: {justification}",
                    _first(row["records"]),
                )
            )
        if _opening(row):
            opened_by_user[row["actor_user_id"]].append(row)
    for user_id, opened in opened_by_user.items():
        user = facts.users.get(user_id)
        if user is not None:
            alerts.extend(
                _personal_connection_alerts(
                    opened, user, facts.colleagues[user_id], facts.relatives[user_id]
                )
            )
        late = [row for row in opened if is_out_of_hours(row["occurred_at"])]
        # (no fact read: the hour turned while the lock was taken; ask now)
        recent = facts.recent_out_of_hours.get(user_id)
        if late and recent is None:
            recent = _recent_alert(session, "out_of_hours", late[0], hours=OUT_OF_HOURS_QUIET)
        if late and not recent:
            first = late[0]
            alerts.append(
                _alert(
                    first,
                    "out_of_hours",
                    f"{first['actor_username']} opened a record out of hours"
                    + (f" (and {len(late) - 1} more in this batch)" if len(late) > 1 else ""),
                    _first(first["records"]),
                )
            )
        burst = _burst_alert(facts, opened[-1])
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


def _connections(
    session: Session, opened: list[dict[str, Any]], user: Any
) -> tuple[dict[str, str], set[str]]:
    """Colleagues (same organisation) and persons with the user's surname at their postcode
    among those opened: one query each."""
    from familyhub.access.facts import person_identity_hints
    from familyhub.access.models import User

    everyone = sorted({p for row in opened for p in _persons(row["records"])})
    colleagues = {
        person_id: username
        for person_id, username in session.execute(
            select(User.person_id, User.username).where(
                User.organisation_id == user.organisation_id,
                User.person_id.in_(everyone),
                User.id != user.id,
            )
        )
        if person_id is not None
    }
    own = (_norm(user.surname), _norm(user.home_postcode))
    relatives: set[str] = set()
    if user.surname and user.home_postcode:
        for person_id, identities in person_identity_hints(session, everyone).items():
            if person_id != user.person_id and any(
                (_norm(s), _norm(p)) == own for s, p in identities
            ):
                relatives.add(person_id)
    return colleagues, relatives


def _personal_connection_alerts(
    opened: list[dict[str, Any]], user: Any, colleagues: dict[str, str], relatives: set[str]
) -> list[AuditAlert]:
    """Own record, a colleague's record, own surname at own postcode."""
    out: list[AuditAlert] = []
    for row in opened:
        who = row["actor_username"]
        for person_id in _persons(row["records"]):
            if person_id == user.person_id:
                out.append(_alert(row, "own_record", f"{who} opened their own record", person_id))
            if person_id in colleagues:
                out.append(
                    _alert(
                        row,
                        "colleague_record",
                        f"{who} opened the record of colleague {colleagues[person_id]}",
                        person_id,
                    )
                )
            if person_id in relatives:
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


def _recent_alert(session: Session, kind: str, row: dict[str, Any], *, hours: int) -> bool:
    """Whether the user already has an alert of this kind for an event in the last hours."""
    since = row["occurred_at"] - timedelta(hours=hours)
    found = session.scalar(
        select(AuditAlert.id)
        .join(AuditEvent, AuditEvent.seq == AuditAlert.event_seq)
        .where(
            AuditAlert.kind == kind,
            AuditAlert.user_id == row["actor_user_id"],
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at <= row["occurred_at"],
        )
        .limit(1)
    )
    return found is not None


def _read_burst(session: Session, facts: AlertFacts, row: dict[str, Any], new: set[str]) -> None:
    """The user's burst alert in the window, else the distinct persons they opened in it."""
    from familyhub.access.vocabulary import load_vocabulary

    user_id = row["actor_user_id"]
    settings = load_vocabulary().alerts
    since = row["occurred_at"] - timedelta(minutes=settings.burst_minutes)
    # Checked first because it is cheap: one burst alert per window is enough.
    already = session.scalar(
        select(AuditAlert.id)
        .join(AuditEvent, AuditEvent.seq == AuditAlert.event_seq)
        .where(
            AuditAlert.kind == "burst",
            AuditAlert.user_id == user_id,
            AuditEvent.occurred_at >= since,
        )
        .limit(1)
    )
    facts.burst_already[user_id] = already is not None
    if already is not None:
        return
    opened_in_window = (
        select(AuditEventSubject.person_id)
        .join(AuditEvent, AuditEvent.seq == AuditEventSubject.event_seq)
        .where(
            AuditEvent.actor_user_id == user_id,
            AuditEvent.occurred_at >= since,
            AuditEvent.occurred_at <= row["occurred_at"],
            AuditEvent.action.in_(OPENING_ACTIONS),
            AuditEvent.decision == "allow",
        )
    )
    persons = opened_in_window.subquery()
    facts.opened_before[user_id] = (
        session.scalar(select(func.count(func.distinct(persons.c.person_id)))) or 0
    )
    seen = (
        set(session.scalars(opened_in_window.where(AuditEventSubject.person_id.in_(new))))
        if new
        else set()
    )
    facts.opened_now[user_id] = new - seen


def _burst_alert(facts: AlertFacts, row: dict[str, Any]) -> AuditAlert | None:
    """One alert when a user's opened records within the window first reach the threshold."""
    from familyhub.access.vocabulary import load_vocabulary

    user_id = row["actor_user_id"]
    if facts.burst_already.get(user_id, True):
        return None
    settings = load_vocabulary().alerts
    opened = facts.opened_before[user_id] + len(facts.opened_now[user_id])
    if opened < settings.burst_count:
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

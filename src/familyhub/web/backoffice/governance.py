"""Information governance: alerts to review and close, break-glass reviews, verifying the log.

Every page needs ``review_audit`` (information governance, for information governance).
Audit search and "who viewed a record" are in :mod:`.governance_audit`; rights requests,
the privacy notice and the sharing agreements in :mod:`.governance_rights`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from familyhub.access.models import BreakGlass, Organisation, User
from familyhub.audit.alerts import AlertError, close_alert, list_alerts
from familyhub.audit.models import AuditAlert, AuditEvent
from familyhub.audit.verify import verify
from familyhub.web.backoffice import governance_audit, governance_rights
from familyhub.web.backoffice.common import MAX_NOTE, allowed, audit, error_list, row, when
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
router.include_router(governance_audit.router)
router.include_router(governance_rights.router)
ACTION = "review_audit"
ALERTS_CRUMB = {"text": "Alerts", "href": "/governance/alerts"}
KIND_WORDS = {
    "break_glass": "Break-glass",
    "own_record": "Own record",
    "own_household": "Own surname at own postcode",
    "colleague_record": "A colleague's record",
    "burst": "Many records in a short time",
    "out_of_hours": "Out of hours",
}

for destination in (
    Destination(
        title="Alerts to review",
        href="/governance/alerts",
        description="Break-glass, people opening their own or a colleague's record, many "
        "records at once, out of hours: review each and close it with a note.",
        service_action=ACTION,
        order=10,
    ),
    Destination(
        title="Break-glass reviews",
        href="/governance/break-glass",
        description="Every safeguarding override: who, for whom, why, and its review.",
        service_action=ACTION,
        order=11,
    ),
):
    add_destination(destination)


def _users(visit: CurrentVisit, ids: set[int]) -> dict[int, tuple[User, str]]:
    if not ids:
        return {}
    rows = visit.db.execute(
        select(User, Organisation.name)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id.in_(ids))
    ).all()
    return {user.id: (user, name) for user, name in rows}


def _who(users: dict[int, tuple[User, str]], user_id: int | None) -> str:
    if user_id is None or user_id not in users:
        return ""
    user, organisation = users[user_id]
    return f"{user.display_name} ({user.username}), {organisation}"


@router.get("/governance/alerts")
def alerts(
    request: Request,
    visit: CurrentVisit,
    status: Annotated[str, Query(pattern="^(open|closed)$")] = "open",
    closed: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    decision = allowed(visit, ACTION)
    shown = list(reversed(list_alerts(visit.db, status=status)))
    users = _users(visit, {a.user_id for a in shown if a.user_id is not None})
    audit(
        visit,
        decision,
        action="audit.alerts",
        details={"status": status, "alerts": [a.id for a in shown]},
    )
    rows = [
        {
            "id": a.id,
            "kind": KIND_WORDS.get(a.kind, a.kind),
            "raised": when(a.raised_at),
            "summary": a.summary,
            "who": _who(users, a.user_id),
            "reviewed": when(a.reviewed_at),
            "note": a.review_note or "",
        }
        for a in shown
    ]
    return render(
        request,
        "backoffice/alerts.html",
        {"title": "Alerts", "rows": rows, "status": status, "closed": closed},
    )


def _alert_or_404(visit: CurrentVisit, alert_id: int) -> AuditAlert:
    alert = visit.db.get(AuditAlert, alert_id)
    if alert is None:
        raise HTTPException(status_code=404)
    return alert


def _alert_page(
    request: Request,
    visit: CurrentVisit,
    alert: AuditAlert,
    *,
    note: str = "",
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    event = visit.db.get(AuditEvent, alert.event_seq)
    users = _users(visit, {i for i in (alert.user_id, alert.reviewed_by_user_id) if i is not None})
    rows = [
        row("Kind", KIND_WORDS.get(alert.kind, alert.kind)),
        row("Raised", when(alert.raised_at)),
        row("What happened", alert.summary),
        row("Who", _who(users, alert.user_id)),
    ]
    if event is not None:
        rows += [
            row("When", when(event.occurred_at)),
            row("Action", event.action),
            row("Purpose stated", (event.purpose or "").replace("_", " ")),
            row("Records", ", ".join(event.records) or "none"),
            row("Decided by policies", ", ".join(event.policy_ids) or "none"),
            row("Audit event", str(event.seq)),
        ]
        if event.details.get("justification"):
            rows.append(row("Justification given", str(event.details["justification"])))
    if alert.status == "closed":
        rows += [
            row(
                "Reviewed", f"{when(alert.reviewed_at)} by {_who(users, alert.reviewed_by_user_id)}"
            ),
            row("Review note", alert.review_note or ""),
        ]
    field_errors = field_errors or {}
    return render(
        request,
        "backoffice/alert.html",
        {
            "title": f"Alert {alert.id}",
            "crumbs": [ALERTS_CRUMB],
            "alert": alert,
            "rows": rows,
            "note": note,
            "field_errors": field_errors,
            "errors": error_list(field_errors),
        },
        status_code=status_code,
    )


@router.get("/governance/alerts/{alert_id}")
def alert(request: Request, visit: CurrentVisit, alert_id: int) -> Response:
    decision = allowed(visit, ACTION)
    found = _alert_or_404(visit, alert_id)
    audit(
        visit,
        decision,
        action="audit.alert_view",
        details={"alert": found.id},
    )
    return _alert_page(request, visit, found)


@router.post("/governance/alerts/{alert_id}/close")
def close(
    request: Request,
    visit: CurrentVisit,
    alert_id: int,
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    allowed(visit, ACTION)
    found = _alert_or_404(visit, alert_id)
    try:
        # Audited by the audit package itself (alert.close, with the note).
        close_alert(visit.db, alert_id=found.id, reviewer=visit.user, note=note)
    except AlertError as problem:
        text = (
            "Enter a review note: what you checked, what you found and what was done"
            if not note.strip()
            else str(problem)
        )
        return _alert_page(
            request, visit, found, note=note, field_errors={"note": text}, status_code=400
        )
    return RedirectResponse(f"/governance/alerts?closed={found.id}", status_code=303)


@router.get("/governance/break-glass")
def break_glass_reviews(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    overrides = list(visit.db.scalars(select(BreakGlass).order_by(BreakGlass.id.desc())))
    seqs = [o.audit_seq for o in overrides if o.audit_seq is not None]
    reviews = {
        a.event_seq: a
        for a in visit.db.scalars(
            select(AuditAlert).where(
                AuditAlert.kind == "break_glass", AuditAlert.event_seq.in_(seqs)
            )
        )
    }
    users = _users(
        visit,
        {o.user_id for o in overrides}
        | {a.reviewed_by_user_id for a in reviews.values() if a.reviewed_by_user_id},
    )
    audit(
        visit,
        decision,
        action="audit.break_glass_reviews",
        details={"overrides": [o.id for o in overrides]},
    )
    rows: list[dict[str, Any]] = []
    for o in overrides:
        review = reviews.get(o.audit_seq) if o.audit_seq is not None else None
        rows.append(
            {
                "started": when(o.started_at),
                "expires": when(o.expires_at),
                "who": _who(users, o.user_id),
                "subject": f"person {o.person_id}" if o.person_id else f"family {o.family_id}",
                "justification": o.justification,
                "alert": review,
                "reviewer": _who(users, review.reviewed_by_user_id) if review else "",
                "reviewed": when(review.reviewed_at) if review else "",
            }
        )
    return render(
        request,
        "backoffice/break_glass.html",
        {"title": "Break-glass reviews", "rows": rows},
    )


@router.post("/governance/audit/verify")
def verify_log(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    result = verify(visit.db)
    audit(
        visit,
        decision,
        action="audit.verify",
        details={"ok": result.ok, "events": result.events, "first_bad_seq": result.first_bad_seq},
    )
    return render(
        request,
        "backoffice/audit_verify.html",
        {
            "title": "Verify the audit log",
            "crumbs": [governance_audit.AUDIT_CRUMB],
            "result": result,
        },
    )

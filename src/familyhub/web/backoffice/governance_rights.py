"""Rights requests by deadline, the privacy notice and the sharing agreements, for IG.

The queue is the rights service's (``request_queue``: overdue, due soon, open, awaiting
identity, done). The notice is written from the configuration in force
(``governance.notice``): the page shows it in the service's own layout, and the HTML and
Markdown files the council publishes download exactly as ``familyhub notice`` writes them.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from familyhub.governance.agreements import load_agreements
from familyhub.governance.controller import load_controller
from familyhub.governance.flows import source_flows
from familyhub.governance.notice import build_notice, current_notice
from familyhub.governance.service import agreement_problems
from familyhub.rights.models import RightsRequest
from familyhub.rights.requests import history, request_queue
from familyhub.web.backoffice.common import allowed, audit, day, download, row, when
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
ACTION = "review_audit"
RIGHTS_CRUMB = {"text": "Rights requests", "href": "/governance/rights"}
KIND_WORDS = {
    "access": "Subject access",
    "rectification": "Rectification",
    "erasure": "Erasure",
    "restriction": "Restriction",
    "portability": "Portability",
    "objection": "Objection",
}

for destination in (
    Destination(
        title="Rights requests",
        href="/governance/rights",
        description="Subject access and the other rights: overdue, due soon, open and done.",
        service_action=ACTION,
        order=14,
    ),
    Destination(
        title="Privacy notice and sharing agreements",
        href="/governance/notice",
        description="The privacy notice as the configuration writes it, and the register of "
        "sharing agreements with those due for review.",
        service_action=ACTION,
        order=15,
    ),
):
    add_destination(destination)


def _request_row(r: RightsRequest, today: date) -> dict[str, str | int]:
    late = (today - r.due_on).days if r.due_on and r.due_on < today else 0
    return {
        "id": r.id,
        "kind": KIND_WORDS.get(r.kind, r.kind),
        "requester": f"{r.requester} ({r.requester_relationship})",
        "received": day(r.received_on),
        "due": day(r.due_on) + (f" ({late} days late)" if late else "") if r.due_on else "",
        "status": r.status.replace("_", " "),
        "subject": {
            "matched": "found",
            "chosen": "chosen by hand",
            "ambiguous": "several possible people",
            "not_found": "not found",
        }.get(r.match_outcome, r.match_outcome),
        "outcome": r.outcome or "",
        "closed": day(r.closed_on),
    }


@router.get("/governance/rights")
def rights(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    today = date.today()
    queue = request_queue(visit.db, today=today)
    sections = [
        ("overdue", "Overdue", queue.overdue),
        ("due-soon", "Due within 7 days", queue.due_soon),
        ("open", "Open", queue.open),
        ("awaiting-identity", "Waiting for the requester's identity", queue.awaiting_identity),
        ("done", "Done", list(reversed(queue.done))),
    ]
    shown = [r for _, _, requests in sections for r in requests]
    audit(
        visit,
        decision,
        action="rights.queue",
        details={"requests": [r.id for r in shown]},
    )
    return render(
        request,
        "backoffice/rights.html",
        {
            "title": "Rights requests",
            "sections": [
                (key, heading, [_request_row(r, today) for r in requests])
                for key, heading, requests in sections
            ],
            "today": day(today),
        },
    )


@router.get("/governance/rights/{request_id}")
def rights_request(request: Request, visit: CurrentVisit, request_id: int) -> Response:
    decision = allowed(visit, ACTION)
    found = visit.db.get(RightsRequest, request_id)
    if found is None:
        raise HTTPException(status_code=404)
    audit(
        visit,
        decision,
        action="rights.request_view",
        records=[f"person:{found.person_id}"] if found.person_id else [],
        details={"rights_request": found.id},
    )
    summary = _request_row(found, date.today())
    described = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in found.subject_details.items())
    rows = [
        row("Kind", str(summary["kind"])),
        row("Status", str(summary["status"])),
        row("Asked by", str(summary["requester"])),
        row("Subject as described", described or "not recorded (or erased)"),
        row(
            "Subject",
            f"{summary['subject']}" + (f": person {found.person_id}" if found.person_id else ""),
        ),
        row("Received", str(summary["received"])),
        row("Identity checked", day(found.identity_checked_on) or "not yet"),
        row("Due", str(summary["due"]) or "when identity is checked"),
    ]
    if found.extension_months:
        rows.append(
            row("Extended", f"by {found.extension_months} months: {found.extension_reason}")
        )
    if found.outcome:
        rows.append(row("Outcome", f"{found.outcome} ({summary['closed']})"))
    return render(
        request,
        "backoffice/rights_request.html",
        {
            "title": f"Rights request {found.id}",
            "crumbs": [RIGHTS_CRUMB],
            "found": found,
            "rows": rows,
            "history": history(visit.db, found.id),
            "when": when,
        },
    )


@router.get("/governance/notice")
def notice(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    today = date.today()
    flows = source_flows()
    agreements = load_agreements()
    content = build_notice(
        controller=load_controller(), flows=flows, agreements=agreements, today=today
    )
    problems = agreement_problems(flows, agreements, today=today)
    audit(
        visit, decision, action="governance.notice", details={"version": content.fingerprint[:12]}
    )
    return render(
        request,
        "backoffice/notice.html",
        {
            "title": "Privacy notice and sharing agreements",
            "n": content,
            "agreements": sorted(agreements.values(), key=lambda a: a.title),
            "problems": problems,
            "today": today,
            "day": day,
        },
    )


@router.get("/governance/notice/privacy-notice.{fmt}")
def notice_file(visit: CurrentVisit, fmt: str) -> Response:
    decision = allowed(visit, ACTION)
    if fmt not in ("html", "md"):
        raise HTTPException(status_code=404)
    text = current_notice(fmt=fmt, today=date.today())
    audit(visit, decision, action="governance.notice", details={"download": fmt})
    media = "text/html; charset=utf-8" if fmt == "html" else "text/markdown; charset=utf-8"
    return download(text, filename=f"privacy-notice.{fmt}", media_type=media)

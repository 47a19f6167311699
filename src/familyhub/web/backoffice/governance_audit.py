"""Audit search and "who viewed a record", for information governance.

Searches are POSTed, so no person id, username or date ends up in a URL, a browser history
or a server log. "Who viewed" is then shown at an address holding only the opaque person id
(so an alert can link to it). Each search and lookup is itself audited.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from familyhub.audit.queries import who_viewed
from familyhub.web.backoffice import audit_search
from familyhub.web.backoffice.common import allowed, audit, error_list, parse_day, when
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
ACTION = "review_audit"
AUDIT_CRUMB = {"text": "Search the audit log", "href": "/governance/audit"}
# Person ids are opaque (32 hex digits today); anything else is not one.
PERSON_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

for destination in (
    Destination(
        title="Search the audit log",
        href="/governance/audit",
        description="Every look at a record and every change, by person, user, action and "
        "date; and prove the log has not been altered.",
        service_action=ACTION,
        order=12,
    ),
    Destination(
        title="Who viewed a record",
        href="/governance/who-viewed",
        description="Everyone who looked at or changed a person's record, when and why.",
        service_action=ACTION,
        order=13,
    ),
):
    add_destination(destination)


def _search_page(
    request: Request,
    visit: CurrentVisit,
    *,
    form: dict[str, str],
    found: audit_search.Found | None = None,
    field_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    field_errors = field_errors or {}
    return render(
        request,
        "backoffice/audit_search.html",
        {
            "title": "Search the audit log",
            "form": form,
            "action_items": [
                {"value": "", "text": "Any action", "selected": not form.get("action")}
            ]
            + [
                {"value": a, "text": a, "selected": form.get("action") == a}
                for a in audit_search.actions(visit.db)
            ],
            "found": found,
            "max_results": audit_search.MAX_RESULTS,
            "field_errors": field_errors,
            "errors": error_list(field_errors),
            "when": when,
        },
        status_code=status_code,
    )


@router.get("/governance/audit")
def search_form(request: Request, visit: CurrentVisit) -> Response:
    allowed(visit, ACTION)
    return _search_page(request, visit, form={})


@router.post("/governance/audit")
def search(
    request: Request,
    visit: CurrentVisit,
    person_id: Annotated[str, Form(max_length=64)] = "",
    username: Annotated[str, Form(max_length=120)] = "",
    action: Annotated[str, Form(max_length=60)] = "",
    start: Annotated[str, Form(max_length=20)] = "",
    end: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    decision = allowed(visit, ACTION)
    form = {"person_id": person_id, "username": username, "action": action}
    form |= {"start": start, "end": end}
    errors: dict[str, str] = {}
    if person_id.strip() and not PERSON_ID.match(person_id.strip()):
        errors["person_id"] = "Enter a person id as familyhub shows it, like 3f9c0a..."
    days = {}
    for name, text, words in (("start", start, "From"), ("end", end, "To")):
        days[name] = parse_day(text) if text.strip() else None
        if text.strip() and days[name] is None:
            errors[name] = f"{words} must be a real date, like 2026-11-03"
    if days["start"] and days["end"] and days["end"] < days["start"]:
        errors["end"] = "To must be the same as or after From"
    query = audit_search.AuditQuery(
        person_id=person_id.strip(),
        username=username.strip(),
        action=action.strip(),
        start=days["start"],
        end=days["end"],
    )
    if not errors and query.empty:
        errors["person_id"] = "Enter at least one thing to search by"
    if errors:
        return _search_page(request, visit, form=form, field_errors=errors, status_code=400)
    found = audit_search.search(visit.db, query)
    details: dict[str, Any] = {"results": len(found.events)}
    details |= {k: v for k, v in form.items() if v and k != "person_id"}
    audit(
        visit,
        decision,
        action="audit.search",
        records=[f"person:{query.person_id}"] if query.person_id else [],
        details=details,
    )
    return _search_page(request, visit, form=form, found=found)


@router.get("/governance/who-viewed")
def who_viewed_form(request: Request, visit: CurrentVisit) -> Response:
    allowed(visit, ACTION)
    return render(
        request,
        "backoffice/who_viewed_form.html",
        {"title": "Who viewed a record", "form": {}, "field_errors": {}},
    )


@router.post("/governance/who-viewed")
def who_viewed_lookup(
    request: Request,
    visit: CurrentVisit,
    person_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    allowed(visit, ACTION)
    person_id = person_id.strip()
    if not PERSON_ID.match(person_id):
        problem = "Enter the person id, as familyhub shows it on their record"
        return render(
            request,
            "backoffice/who_viewed_form.html",
            {
                "title": "Who viewed a record",
                "form": {"person_id": person_id},
                "field_errors": {"person_id": problem},
                "errors": error_list({"person_id": problem}),
            },
            status_code=400,
        )
    return RedirectResponse(f"/governance/people/{person_id}/viewed", status_code=303)


@router.get("/governance/people/{person_id}/viewed")
def viewed(request: Request, visit: CurrentVisit, person_id: str) -> Response:
    decision = allowed(visit, ACTION)
    if not PERSON_ID.match(person_id):
        person_id = ""
    rows = who_viewed(visit.db, person_id=person_id, include_refused=True) if person_id else []
    audit(
        visit,
        decision,
        action="audit.who_viewed",
        records=[f"person:{person_id}"] if person_id else [],
        details={"rows": len(rows)},
    )
    return render(
        request,
        "backoffice/who_viewed.html",
        {
            "title": "Who viewed a record",
            "crumbs": [{"text": "Who viewed a record", "href": "/governance/who-viewed"}],
            "person_id": person_id,
            "rows": list(reversed(rows)),
            "when": when,
        },
    )

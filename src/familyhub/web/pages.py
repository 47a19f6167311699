"""The home page for each role, and "who am I"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.responses import Response

from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.guard import service_decision
from familyhub.web.navigation import destinations_for, introduction_for
from familyhub.web.settings import get_web_settings
from familyhub.web.templating import render
from familyhub.web.viewer import purpose_description

router = html_router()
UK = ZoneInfo("Europe/London")


@router.get("/")
def home(request: Request, visit: CurrentVisit) -> Response:
    viewer = visit.viewer
    introduction = introduction_for(viewer.roles) or [
        "Your account has no role that uses these pages yet. Ask your administrator."
    ]
    return render(
        request,
        "home.html",
        {
            "title": "Home",
            "heading": f"Welcome, {viewer.display_name}",
            "introduction": introduction,
            "destinations": destinations_for(
                viewer.roles, may=lambda action: service_decision(visit, action).allowed
            ),
        },
    )


def uk_time(moment: datetime) -> str:
    """A moment as people in England read it: 22 November 2026 at 9:05am."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(UK)
    return f"{local:%-d %B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def _row(key: str, value: str) -> dict[str, dict[str, str]]:
    return {"key": {"text": key}, "value": {"text": value}}


@router.get("/me")
def who_am_i(request: Request, visit: CurrentVisit) -> Response:
    viewer = visit.viewer
    record = visit.session_record
    settings = get_web_settings()
    purpose = viewer.purpose or ""
    rows = [
        _row("Name", viewer.display_name),
        _row("Username", viewer.username),
        _row("Organisation", viewer.organisation_name),
        _row("Roles", ", ".join(viewer.role_labels)),
        _row("Purpose", f"{viewer.purpose_label}: {purpose_description(purpose)}"),
    ]
    method = {"password": "Username and password", "oidc": settings.oidc_display_name}
    session_rows = [_row("Signed in with", method.get(viewer.auth_method, viewer.auth_method))]
    if record is not None:
        session_rows += [
            _row("Signed in at", uk_time(record.created_at)),
            _row(
                "Ends",
                f"after {settings.session_idle_minutes} minutes without activity, and at the "
                f"latest at {uk_time(record.expires_at)}",
            ),
        ]
    return render(
        request, "me.html", {"title": "Who am I", "rows": rows, "session_rows": session_rows}
    )

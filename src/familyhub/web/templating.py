"""Jinja2 templates: ours first, then the GOV.UK Frontend macros under ``govuk_frontend_jinja/``.

Every page is rendered through :func:`render`, which adds what the layout needs (the
council's name, who is signed in and for which purpose, the CSRF token for forms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from familyhub.web.settings import get_web_settings

if TYPE_CHECKING:
    from starlette.responses import Response


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("familyhub.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no need to stat ~20 files on every page.
        auto_reload=False,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """Render ``template`` with the layout's context; ``request.state.viewer`` if signed in."""
    settings = get_web_settings()
    page: dict[str, Any] = {
        "council_name": settings.council_name,
        "service_name": settings.service_name,
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": getattr(request.state, "csrf_token", None),
        "request_id": getattr(request.state, "request_id", None),
        "current_path": request.url.path,
    }
    page.update(context or {})
    return templates.TemplateResponse(request, template, page, status_code=status_code)

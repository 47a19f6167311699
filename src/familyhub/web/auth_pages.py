"""Sign in (password or OpenID Connect), state a purpose, sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from familyhub.access.models import User
from familyhub.audit.service import Actor
from familyhub.web import oidc
from familyhub.web.cookies import clear_session_cookie, set_session_cookie
from familyhub.web.deps import (
    BrowserSession,
    DbSession,
    SignedInVisit,
    html_router,
    request_id_of,
)
from familyhub.web.errors import RefusedError
from familyhub.web.models import WebSession
from familyhub.web.purposes import purposes_for
from familyhub.web.sessions import describe_end, end_session, start_anonymous_session
from familyhub.web.settings import get_web_settings
from familyhub.web.signin import (
    SignInRefusedError,
    change_purpose,
    refuse_oidc,
    sign_in_with_oidc,
    sign_in_with_password,
    sign_out,
    state_purpose,
)
from familyhub.web.templating import render
from familyhub.web.viewer import purpose_label

router = html_router()

OIDC_FAILED = "We could not sign you in with {name}. Try again, or use your username and password."
OIDC_UNAVAILABLE = "The sign-in service could not be reached. Try again in a few minutes."
OIDC_STALE = "Your sign-in took too long or was started in another window. Try again."


def _sign_in_page(
    request: Request,
    *,
    csrf_token: str,
    status_code: int = 200,
    notice: str | None = None,
    username: str = "",
    field_errors: dict[str, str] | None = None,
) -> Response:
    settings = get_web_settings()
    field_errors = field_errors or {}
    request.state.csrf_token = csrf_token
    errors = [{"text": text, "href": f"#{field}"} for field, text in field_errors.items()]
    return render(
        request,
        "sign_in.html",
        {
            "title": "Sign in",
            "notice": notice,
            "username": username,
            "field_errors": field_errors,
            "errors": errors,
            "oidc_enabled": settings.oidc_enabled,
            "oidc_display_name": settings.oidc_display_name,
        },
        status_code=status_code,
    )


@router.get("/sign-in")
def sign_in_form(
    request: Request, db: DbSession, record: BrowserSession, ended: str | None = None
) -> Response:
    if record is not None and record.user_id is not None:
        return RedirectResponse("/", status_code=303)
    notice = describe_end(ended) if ended else None
    if record is None:
        issued = start_anonymous_session(db)
        response = _sign_in_page(request, csrf_token=issued.record.csrf_token, notice=notice)
        set_session_cookie(response, issued.token)
        return response
    return _sign_in_page(request, csrf_token=record.csrf_token, notice=notice)


@router.post("/sign-in")
def sign_in(
    request: Request,
    db: DbSession,
    record: BrowserSession,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    assert record is not None  # csrf_protect refuses a POST without a session
    username = username.strip()
    field_errors = {}
    if not username:
        field_errors["username"] = "Enter your username"
    if not password:
        field_errors["password"] = "Enter your password"  # noqa: S105 (a message)
    if field_errors:
        return _sign_in_page(
            request,
            csrf_token=record.csrf_token,
            status_code=400,
            username=username,
            field_errors=field_errors,
        )
    csrf_token = record.csrf_token
    try:
        issued = sign_in_with_password(
            db,
            username=username,
            password=password,
            replacing=record,
            request_id=request_id_of(request),
        )
    except SignInRefusedError as refusal:
        return _sign_in_page(
            request,
            csrf_token=csrf_token,
            status_code=400,
            username=username,
            field_errors={"username": refusal.message},
        )
    response = RedirectResponse("/purpose", status_code=303)
    set_session_cookie(response, issued.token)
    return response


@router.get("/sign-in/oidc")
async def oidc_start(request: Request, db: DbSession, record: BrowserSession) -> Response:
    settings = get_web_settings()
    if not settings.oidc_enabled:
        raise RefusedError(
            "Sign-in with a council account is not set up here.",
            status_code=404,
            title="Page not found",
        )
    if record is not None and record.user_id is not None:
        return RedirectResponse("/", status_code=303)
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    try:
        flow = await oidc.begin(redirect_uri=f"{base}/sign-in/oidc/callback")
    except oidc.OidcError:
        raise RefusedError(
            OIDC_UNAVAILABLE, title="Sorry, you cannot sign in that way now", status_code=503
        ) from None

    def keep_flow() -> str:
        if record is not None:
            end_session(record, reason="oidc_started")
        secrets = {k: v for k, v in flow.items() if k != "url"}
        return start_anonymous_session(db, flow=secrets).token

    token = await run_in_threadpool(keep_flow)
    response = RedirectResponse(flow["url"], status_code=302)
    set_session_cookie(response, token)
    return response


async def _fail(
    request: Request, db: DbSession, record: WebSession | None, *, reason: str | None, text: str
) -> Response:
    """Audit the failure, spend the flow, and show the sign-in page with a fresh form."""

    def work() -> tuple[str, str]:
        if reason is not None:
            refuse_oidc(db, reason=reason, request_id=request_id_of(request), message=text)
        if record is not None:
            end_session(record, reason="oidc_failed")
        issued = start_anonymous_session(db)
        return issued.token, issued.record.csrf_token

    token, csrf_token = await run_in_threadpool(work)
    response = _sign_in_page(request, csrf_token=csrf_token, status_code=400, notice=text)
    set_session_cookie(response, token)
    return response


@router.get("/sign-in/oidc/callback")
async def oidc_callback(
    request: Request,
    db: DbSession,
    record: BrowserSession,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    settings = get_web_settings()
    request_id = request_id_of(request)
    flow = dict(record.flow) if record is not None and record.user_id is None else {}
    message = OIDC_FAILED.format(name=settings.oidc_display_name)

    if not flow:
        return await _fail(request, db, record, reason="no_flow", text=OIDC_STALE)
    if error:
        return await _fail(request, db, record, reason=f"provider_error:{error[:40]}", text=message)
    try:
        identity = await oidc.complete(flow=flow, code=code, state=state)
    except oidc.OidcError as failure:
        return await _fail(request, db, record, reason=failure.reason, text=message)

    def finish() -> str:
        return sign_in_with_oidc(
            db,
            issuer=identity.issuer,
            subject=identity.subject,
            email=identity.email,
            replacing=record,
            request_id=request_id,
        ).token

    try:
        token = await run_in_threadpool(finish)
    except SignInRefusedError as refusal:
        # Already audited by sign_in_with_oidc.
        return await _fail(request, db, record, reason=None, text=refusal.message)
    response = RedirectResponse("/purpose", status_code=303)
    set_session_cookie(response, token)
    return response


def _purpose_items(offered: dict[str, str]) -> list[dict[str, object]]:
    return [
        {"value": name, "text": purpose_label(name), "hint": {"text": description}}
        for name, description in offered.items()
    ]


@router.get("/purpose")
def purpose_form(request: Request, visit: SignedInVisit) -> Response:
    if visit.purpose is not None:
        return RedirectResponse("/", status_code=303)
    return render(
        request,
        "purpose.html",
        {
            "title": "Your purpose",
            "purpose_items": _purpose_items(purposes_for(visit.user)),
            "field_errors": {},
        },
    )


@router.post("/purpose")
def purpose_submit(
    request: Request,
    visit: SignedInVisit,
    purpose: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    record = visit.session_record
    assert record is not None
    if record.purpose is not None:
        return RedirectResponse("/", status_code=303)
    problem = "Select why you are using the service today"
    offered = purposes_for(visit.user)
    if purpose:
        try:
            state_purpose(
                visit.db,
                record_=record,
                actor=visit.actor,
                purpose=purpose,
                offered=offered,
                request_id=visit.request_id,
            )
        except ValueError as invalid:
            problem = str(invalid)
        else:
            return RedirectResponse("/", status_code=303)
    return render(
        request,
        "purpose.html",
        {
            "title": "Your purpose",
            "purpose_items": _purpose_items(offered),
            "field_errors": {"purpose": problem},
            "errors": [{"text": problem, "href": "#purpose"}],
        },
        status_code=400,
    )


@router.get("/purpose/change")
def purpose_change_form(request: Request, visit: SignedInVisit) -> Response:
    return render(request, "purpose_change.html", {"title": "Change your purpose"})


@router.post("/purpose/change")
def purpose_change(visit: SignedInVisit) -> Response:
    record = visit.session_record
    assert record is not None
    issued = change_purpose(
        visit.db, record_=record, actor=visit.actor, request_id=visit.request_id
    )
    response = RedirectResponse("/purpose", status_code=303)
    set_session_cookie(response, issued.token)
    return response


@router.post("/sign-out")
def sign_out_submit(request: Request, db: DbSession, record: BrowserSession) -> Response:
    if record is not None:
        user = db.get(User, record.user_id) if record.user_id is not None else None
        sign_out(
            db,
            record_=record,
            actor=Actor.of(user) if user is not None else None,
            request_id=request_id_of(request),
        )
    response = RedirectResponse("/signed-out", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/signed-out")
def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html", {"title": "You have signed out"})

"""What users see when something is refused or goes wrong, as pages and as API errors.

Refusals say plainly why (and were audited before being raised); a 500 says only that
something went wrong and gives the request id, never the exception's text, which may hold
personal data or internals.
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from familyhub.web.cookies import clear_session_cookie
from familyhub.web.templating import render

log = logging.getLogger("familyhub.web")


class RefusedError(Exception):
    """The request is not allowed: 403 with a reason the user can act on."""

    def __init__(
        self, reason: str, *, title: str = "You cannot see this page", status_code: int = 403
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.title = title
        self.status_code = status_code


class SignInRequiredError(Exception):
    """No usable session: send the user to sign in, saying why when we know."""

    def __init__(
        self, ended: str | None = None, *, clear_cookie: bool = False, message: str | None = None
    ) -> None:
        super().__init__(ended or "signed out")
        self.ended = ended
        self.clear_cookie = clear_cookie
        self.message = message


class PurposeRequiredError(Exception):
    """Signed in but no purpose stated yet."""


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_json(request: Request, status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": message, "request_id": _request_id(request)},
        status_code=status,
    )


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_page(
    request: Request, *, status: int, title: str, paragraphs: list[str], **extra: object
) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "paragraphs": paragraphs, **extra},
        status_code=status,
    )


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RefusedError)
    if wants_json(request):
        return _error_json(request, exc.status_code, "forbidden", exc.reason)
    return error_page(request, status=exc.status_code, title=exc.title, paragraphs=[exc.reason])


async def _access_refused(request: Request, exc: Exception) -> Response:
    # Raised by familyhub.access.service after it has decided and audited.
    reason = str(exc)
    if wants_json(request):
        return _error_json(request, 403, "forbidden", reason)
    return error_page(request, status=403, title="You cannot see this", paragraphs=[reason])


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    if wants_json(request):
        from familyhub.web.sessions import describe_end

        message = exc.message or (
            describe_end(exc.ended) if exc.ended else "Sign in, or send an API token."
        )
        response: Response = _error_json(request, 401, "unauthenticated", message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="familyhub"'
    else:
        target = "/sign-in" + (f"?ended={exc.ended}" if exc.ended else "")
        response = RedirectResponse(target, status_code=303)
    if exc.clear_cookie:
        clear_session_cookie(response)
    return response


async def _purpose_required(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return _error_json(
            request, 403, "purpose_required", "State a purpose before using the service."
        )
    return RedirectResponse("/purpose", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    response = _http_error_response(request, exc)
    # Keep what the exception says about the resource, e.g. 405's Allow header (RFC 9110).
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _http_error_response(request: Request, exc: StarletteHTTPException) -> Response:
    if wants_json(request):
        return _error_json(request, exc.status_code, "http_error", str(exc.detail))
    if exc.status_code == 404:
        return error_page(
            request,
            status=404,
            title="Page not found",
            paragraphs=[
                "If you typed the web address, check it is correct.",
                "If you followed a link to a person or family, it may have been merged into "
                "another record or removed.",
            ],
        )
    if exc.status_code == 405:
        return error_page(
            request,
            status=405,
            title="That cannot be done here",
            paragraphs=["Go back and use the buttons on the page."],
        )
    return error_page(
        request,
        status=exc.status_code,
        title="Sorry, there is a problem",
        paragraphs=[str(exc.detail)],
    )


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if wants_json(request):
        # Field names and messages only: the input itself may be personal data.
        problems = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", "")}
            for error in exc.errors()
        ]
        return JSONResponse(
            {
                "error": "invalid_request",
                "message": "The request was not valid.",
                "problems": problems,
                "request_id": _request_id(request),
            },
            status_code=422,
        )
    return error_page(
        request,
        status=400,
        title="Sorry, that request was not understood",
        paragraphs=["Go back, check what you entered and try again."],
    )


def unexpected_response(request: Request, exc: Exception) -> Response:
    """The 500 response; the log gets the exception's type and where, never its message."""
    frames = " <- ".join(
        f"{frame.filename}:{frame.lineno} {frame.name}"
        for frame in reversed(traceback.extract_tb(exc.__traceback__))
    )
    log.error("unhandled %s request_id=%s at %s", type(exc).__name__, _request_id(request), frames)
    if wants_json(request):
        return _error_json(request, 500, "internal_error", "Something went wrong.")
    return error_page(
        request,
        status=500,
        title="Sorry, there is a problem with the service",
        paragraphs=["Try again later. Nothing you entered has been saved."],
        request_id=_request_id(request),
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    # A person or family id that names no one (already audited by the single view).
    if wants_json(request):
        return _error_json(request, 404, "not_found", str(exc))
    return error_page(
        request,
        status=404,
        title="Page not found",
        paragraphs=[str(exc), "The record may have been merged into another or removed."],
    )


async def _bad_input(request: Request, exc: Exception) -> Response:
    # A service could not accept the input (a search or an action); its message says why.
    if wants_json(request):
        return _error_json(request, 400, "invalid_request", str(exc))
    return error_page(
        request,
        status=400,
        title="Sorry, that could not be done",
        paragraphs=[str(exc), "Go back, check what you entered and try again."],
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    return unexpected_response(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    from familyhub.access.service import AccessRefusedError, InvalidRequestError
    from familyhub.casework.service import CaseworkError
    from familyhub.consent.service import ConsentError
    from familyhub.singleview.service import NotFoundError, SearchError

    app.add_exception_handler(RefusedError, _refused)
    app.add_exception_handler(AccessRefusedError, _access_refused)
    app.add_exception_handler(NotFoundError, _not_found)
    for invalid in (InvalidRequestError, SearchError, CaseworkError, ConsentError):
        app.add_exception_handler(invalid, _bad_input)
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
    app.add_exception_handler(PurposeRequiredError, _purpose_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)

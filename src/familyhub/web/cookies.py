"""The session cookie: ``__Host-`` prefixed, Secure, HttpOnly, SameSite=Lax, whole site.

``__Host-`` makes the browser refuse the cookie unless it is Secure, has Path=/ and no
Domain, so no other host or sub-domain can plant or read it. Browsers treat 127.0.0.1 as a
secure origin, so the same cookie works for the demo over plain HTTP on loopback.
Lax rather than Strict: the OpenID provider sends the user back with a top-level GET from
another site, and that request must carry the cookie holding the sign-in's state; every
state-changing request is a POST protected by a CSRF token besides.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from familyhub.web.settings import get_web_settings

SESSION_COOKIE = "__Host-familyhub-session"


def session_token(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return token if token else None


def set_session_cookie(response: Response, token: str) -> None:
    hours = get_web_settings().session_absolute_hours
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")

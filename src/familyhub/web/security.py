"""Transport, headers and request ids for every response.

* Plain HTTP only between loopback addresses (the demo on 127.0.0.1); anywhere else the
  service must be reached over HTTPS (directly, or through a proxy that says so with
  ``X-Forwarded-Proto``, trusted per ``FAMILYHUB_FORWARDED_ALLOW_IPS``).
* A Content-Security-Policy with no inline script or style, no framing, forms posting only
  to ourselves; no caching of pages (they hold personal data); no Referer sent anywhere.
* A request id on every request, returned in ``X-Request-Id`` and written to the audit log,
  so a user quoting it on an error page can be matched to what happened.
* One log line per request with the path but never the query string (no personal data in
  logs; pages never put personal data in paths).
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("familyhub.web")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

_LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1")
            return host.rsplit(":", 1)[0] if not host.endswith("]") else host
    server = scope.get("server")
    return server[0] if server else None


class SecurityMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer streaming responses)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        https = scope.get("scheme") == "https"
        client = scope.get("client")
        if not https and not (
            is_loopback(client[0] if client else None) and is_loopback(_host_of(scope))
        ):
            await _plain_text(send, 400, "familyhub must be reached over HTTPS.\n", request_id)
            return
        path = scope.get("path", "")
        cacheable = path.startswith("/static/")
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                headers.append((b"x-request-id", request_id.encode()))
                if not cacheable:
                    headers.append(NO_STORE)
                if https:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Handled here rather than by Starlette's outermost error middleware, so the
            # 500 page gets the same headers (and request id) as every other response.
            if "status" in status_holder:
                raise
            from starlette.requests import Request

            from familyhub.web.errors import unexpected_response

            response = unexpected_response(Request(scope), exc)
            await response(scope, receive, send_with_headers)
        finally:
            if not cacheable:
                log.info(
                    "%s %s %s %.1fms request_id=%s",
                    scope.get("method"),
                    path,
                    status_holder.get("status", "-"),
                    (time.perf_counter() - started) * 1000,
                    request_id,
                )


async def _plain_text(send: Send, status: int, text: str, request_id: str) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        *SECURITY_HEADERS,
        NO_STORE,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

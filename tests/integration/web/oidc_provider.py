"""A small but real OpenID Connect provider for tests, served over HTTP on 127.0.0.1.

It publishes discovery and a JWKS, shows an authorisation page where the tester picks an
account, checks client credentials, redirect URI and PKCE at the token endpoint, and signs
ID tokens with an RSA key generated for the test. ``misbehave`` makes it send a wrong
token on purpose (wrong audience, nonce or issuer, expired, or signed by another key) so the
tests can show familyhub refuses each one.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    subject: str
    email: str
    name: str


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    account: Account


@dataclass
class TestProvider:
    __test__ = False

    client_id: str = "familyhub-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    accounts: list[Account] = field(default_factory=list)
    misbehave: str | None = None
    port: int = field(default_factory=free_port)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"}
        )
    )
    grants: dict[str, _Grant] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def id_token(self, grant: _Grant, access_token: str) -> str:
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode()).digest()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.account.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "email": grant.account.email,
            "preferred_username": grant.account.email,
            "name": grant.account.name,
            "at_hash": base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode(),
        }
        key = self.key
        if self.misbehave == "wrong_audience":
            claims["aud"] = "someone-else"
        elif self.misbehave == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.misbehave == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1"
        elif self.misbehave == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif self.misbehave == "forged_signature":
            key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)

    def app(self) -> FastAPI:
        app = FastAPI()
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "scopes_supported": ["openid", "email", "profile"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return dict(KeySet([provider.key]).as_dict(private=False))

        @app.get("/authorize", response_class=HTMLResponse)
        def authorize_page(request: Request) -> str:
            params = dict(request.query_params)
            if params.get("client_id") != provider.client_id:
                raise HTTPException(400, "unknown client")
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in params.items()
            )
            buttons = "".join(
                f'<button name="account" value="{html.escape(a.subject)}">'
                f"Sign in as {html.escape(a.name)}</button>"
                for a in provider.accounts
            )
            return (
                "<!DOCTYPE html><html lang='en'><head><title>Test identity provider</title>"
                f"</head><body><main><h1>Test identity provider</h1><form method='post' "
                f"action='/authorize'>{hidden}{buttons}</form></main></body></html>"
            )

        @app.post("/authorize")
        def authorize(
            client_id: str = Form(),
            redirect_uri: str = Form(),
            state: str = Form(),
            account: str = Form(),
            nonce: str | None = Form(None),
            code_challenge: str | None = Form(None),
        ) -> RedirectResponse:
            chosen = next(a for a in provider.accounts if a.subject == account)
            code = secrets.token_urlsafe(16)
            provider.grants[code] = _Grant(client_id, redirect_uri, nonce, code_challenge, chosen)
            query = urlencode({"code": code, "state": state})
            return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

        @app.post("/token")
        def token(
            request: Request,
            grant_type: str = Form(),
            code: str = Form(),
            redirect_uri: str = Form(),
            code_verifier: str | None = Form(None),
        ) -> JSONResponse:
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
            if scheme.lower() != "basic" or (client_id, secret) != (
                provider.client_id,
                provider.client_secret,
            ):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = provider.grants.pop(code, None)
            if grant_type != "authorization_code" or grant is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if grant.redirect_uri != redirect_uri or grant.client_id != client_id:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256((code_verifier or "").encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if grant.code_challenge != challenge:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            access_token = secrets.token_urlsafe(24)
            return JSONResponse(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant, access_token),
                }
            )

        return app


@contextmanager
def running(provider: TestProvider) -> Iterator[TestProvider]:
    """Serve ``provider`` on 127.0.0.1 in a thread for the duration of the block."""
    config = uvicorn.Config(
        provider.app(), host="127.0.0.1", port=provider.port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test OpenID provider did not start")
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=5)

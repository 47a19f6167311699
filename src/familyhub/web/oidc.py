"""OpenID Connect sign-in (authorization code flow with PKCE and a nonce), with authlib.

Councils mostly use Microsoft Entra ID; any provider publishing a discovery document works.
The flow's secrets (state, nonce, PKCE verifier) are kept in the server-side anonymous
session, not in a cookie, and are used once. The ID token's signature (provider's JWKS),
issuer, audience, expiry, nonce and ``at_hash`` are checked by authlib; the issuer must also
equal the configured one.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from authlib.integrations.starlette_client import OAuth

from familyhub.web.settings import WebSettings, get_web_settings

SCOPES = "openid email profile"
_clients: dict[tuple[str, str], Any] = {}


class OidcError(Exception):
    """The provider's answer could not be accepted; ``reason`` is a short code for the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OidcIdentity:
    issuer: str
    subject: str
    email: str | None


def _normal(issuer: str) -> str:
    return issuer.rstrip("/")


def _client(settings: WebSettings) -> Any:
    assert settings.oidc_issuer
    assert settings.oidc_client_id
    key = (settings.oidc_issuer, settings.oidc_client_id)
    if key not in _clients:
        oauth = OAuth()
        _clients[key] = oauth.register(
            "council",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=_normal(settings.oidc_issuer) + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
        )
    return _clients[key]


async def begin(*, redirect_uri: str) -> dict[str, str]:
    """The provider's authorisation URL and the flow secrets to keep until the callback."""
    settings = get_web_settings()
    try:
        created = await _client(settings).create_authorization_url(redirect_uri)
    except Exception as exc:  # unreachable provider, bad discovery document
        raise OidcError("provider_unavailable") from exc
    return {
        "url": created["url"],
        "state": created["state"],
        "nonce": created["nonce"],
        "code_verifier": created["code_verifier"],
        "redirect_uri": redirect_uri,
    }


async def complete(*, flow: dict[str, Any], code: str | None, state: str | None) -> OidcIdentity:
    """Exchange the code and check the ID token; :class:`OidcError` on anything amiss."""
    settings = get_web_settings()
    expected = flow.get("state")
    if not expected or not state or not hmac.compare_digest(str(expected), state):
        raise OidcError("state_mismatch")
    if not code:
        raise OidcError("no_code")
    client = _client(settings)
    try:
        token = await client.fetch_access_token(
            redirect_uri=flow["redirect_uri"], code=code, code_verifier=flow["code_verifier"]
        )
    except Exception as exc:
        raise OidcError("token_exchange_failed") from exc
    if "id_token" not in token:
        raise OidcError("no_id_token")
    try:
        claims = await client.parse_id_token(token, nonce=flow["nonce"])
    except Exception as exc:  # bad signature, wrong audience or nonce, expired...
        raise OidcError("id_token_invalid") from exc
    issuer = str(claims.get("iss", ""))
    if _normal(issuer) != _normal(settings.oidc_issuer or ""):
        raise OidcError("wrong_issuer")
    subject = claims.get("sub")
    if not subject:
        raise OidcError("no_subject")
    # Entra ID puts the sign-in name in preferred_username and only sometimes sets email.
    email = claims.get("email") or claims.get("preferred_username")
    return OidcIdentity(issuer=issuer, subject=str(subject), email=str(email) if email else None)

"""Settings of the web service, from ``FAMILYHUB_*`` environment variables.

Kept apart from :mod:`familyhub.config` so that the web layer's knobs (the council's name,
session lifetimes, the OpenID Connect provider) live beside the code that uses them.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAMILYHUB_", extra="ignore")

    council_name: str = Field(
        default="Northshire Council",
        description="The council's name, shown in every page header (a fictional default).",
    )
    service_name: str = Field(default="familyhub", description="The service's name.")
    session_idle_minutes: int = Field(
        default=30, ge=1, description="A session ends after this long without a request."
    )
    session_absolute_hours: float = Field(
        default=8, gt=0, description="A session ends this long after sign-in, whatever happens."
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL (e.g. Entra ID's "
        "https://login.microsoftonline.com/TENANT/v2.0); unset: passwords only.",
    )
    oidc_client_id: str | None = Field(default=None, description="The OpenID client id.")
    oidc_client_secret: str | None = Field(default=None, description="The OpenID client secret.")
    oidc_display_name: str = Field(
        default="your council account",
        description='Shown on the button: "Sign in with <this>".',
    )
    public_url: str | None = Field(
        default=None,
        description="The address users reach the service at, e.g. https://familyhub.example.gov.uk"
        " (used for the OpenID redirect); default: taken from the request.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted to set X-Forwarded-Proto/For (uvicorn's setting).",
    )
    web_workers: int | None = Field(
        default=None,
        ge=1,
        description="Server processes for `familyhub serve`; default: one per CPU core on "
        "PostgreSQL, one on the embedded SQLite.",
    )

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)


@lru_cache(maxsize=1)
def get_web_settings() -> WebSettings:
    """The process's web settings; tests call ``get_web_settings.cache_clear()``."""
    return WebSettings()

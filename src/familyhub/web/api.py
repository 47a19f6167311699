"""``/api/v1``: the JSON API. Same sign-in, purposes, decisions and audit as the pages.

Callers authenticate with ``Authorization: Bearer <token>`` (``familyhub api-token create``)
or, from the service's own pages, with the session cookie plus the ``X-CSRF-Token`` header
on anything but GET. Domain endpoints are added to :data:`router` (or to routers included
under it) and take ``visit: ApiVisit``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, Field

from familyhub.access.vocabulary import load_vocabulary
from familyhub.web.cookies import SESSION_COOKIE
from familyhub.web.deps import ApiVisit, api_visit

# Declared for the OpenAPI document; api_visit does the checking.
_bearer = HTTPBearer(auto_error=False, description="An API token: familyhub api-token create")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The browser session (pages only)."
)

router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    dependencies=[Depends(_bearer), Depends(_cookie)],
    responses={
        401: {"description": "Not signed in, or the token or session is no longer valid."},
        403: {"description": "RefusedError: the reason is in the message."},
    },
)


class Organisation(BaseModel):
    id: int
    name: str


class Me(BaseModel):
    username: str
    display_name: str
    organisation: Organisation
    roles: list[str]
    purpose: str = Field(description="The purpose stated for this session or token.")
    auth_method: str


class Purpose(BaseModel):
    name: str
    description: str


@router.get("/me", summary="Who am I, and for which purpose", response_model=Me)
def me(visit: ApiVisit) -> Me:
    viewer = visit.viewer
    return Me(
        username=viewer.username,
        display_name=viewer.display_name,
        organisation=Organisation(id=viewer.organisation_id, name=viewer.organisation_name),
        roles=sorted(viewer.roles),
        purpose=viewer.purpose or "",
        auth_method=viewer.auth_method,
    )


@router.get("/purposes", summary="The purposes a user may state", response_model=list[Purpose])
def purposes(visit: Annotated[object, Depends(api_visit)]) -> list[Purpose]:
    return [
        Purpose(name=name, description=description)
        for name, description in load_vocabulary().purposes.items()
    ]

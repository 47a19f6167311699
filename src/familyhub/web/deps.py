"""FastAPI dependencies: the database session, who is asking, and the CSRF check.

Use them as ``Annotated`` aliases in routes::

    @router.get("/families/{family_id}")
    def family(visit: CurrentVisit, family_id: str) -> Response: ...

``CurrentVisit`` is a signed-in user with a stated purpose (pages and API alike);
``SignedInVisit`` is signed in, purpose not required. Routers for pages come from
:func:`html_router`, which checks the CSRF token of every POST.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from familyhub.access.models import User
from familyhub.audit.service import Actor, record_refusal
from familyhub.db import writer_session_factory
from familyhub.web.cookies import session_token
from familyhub.web.errors import PurposeRequiredError, RefusedError, SignInRequiredError
from familyhub.web.models import WebSession
from familyhub.web.sessions import SessionRefusedError, csrf_matches, find_session
from familyhub.web.tokens import TokenRefusedError, find_api_token
from familyhub.web.viewer import Viewer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_REASON = (
    "This form had expired or was not sent from this service's own pages, so nothing was "
    "saved. Go back, reload the page and try again."
)


def get_db() -> Iterator[Session]:
    """One session per request, committed when the route returns, before the response.

    Nearly every request writes (its audit event, a sign-in's session), so on SQLite its
    transaction takes the write lock as it begins and concurrent requests wait their turn
    instead of failing with "database is locked"."""
    db = writer_session_factory()()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


@dataclass
class Visit:
    """This request's user: the database session, the viewer, and how they signed in."""

    db: Session
    user: User
    viewer: Viewer
    session_record: WebSession | None

    @property
    def request_id(self) -> str | None:
        return self.viewer.request_id

    @property
    def actor(self) -> Actor:
        return self.viewer.actor

    @property
    def purpose(self) -> str | None:
        return self.viewer.purpose


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def refuse_session(
    db: Session, request: Request, refusal: SessionRefusedError
) -> SignInRequiredError:
    """Save the session's ending and audit the refusal; the caller raises what is returned."""
    db.commit()
    actor: User | str = "anonymous"
    if refusal.user_id is not None:
        actor = db.get(User, refusal.user_id) or "anonymous"
    record_refusal(
        db,
        actor=actor,
        action="auth.session",
        purpose=None,
        request_id=request_id_of(request),
        reason=f"session_{refusal.reason}",
    )
    return SignInRequiredError(refusal.reason, clear_cookie=True)


def browser_session(request: Request, db: DbSession) -> WebSession | None:
    """The live session named by the cookie, None without a cookie; refused if not live."""
    token = session_token(request)
    if token is None:
        return None
    try:
        record = find_session(db, token=token)
    except SessionRefusedError as refusal:
        raise refuse_session(db, request, refusal) from None
    request.state.csrf_token = record.csrf_token
    return record


BrowserSession = Annotated[WebSession | None, Depends(browser_session)]


def _visit_from_session(request: Request, db: Session, record: WebSession | None) -> Visit:
    if record is None or record.user_id is None:
        raise SignInRequiredError()
    user = db.get(User, record.user_id)
    if user is None:  # deleted since find_session looked: treat as disabled
        raise SignInRequiredError("disabled", clear_cookie=True)
    viewer = Viewer.of(
        user,
        purpose=record.purpose,
        auth_method=record.auth_method or "password",
        request_id=request_id_of(request),
    )
    request.state.viewer = viewer
    return Visit(db=db, user=user, viewer=viewer, session_record=record)


def signed_in(request: Request, db: DbSession, record: BrowserSession) -> Visit:
    return _visit_from_session(request, db, record)


def with_purpose(visit: Annotated[Visit, Depends(signed_in)]) -> Visit:
    if visit.purpose is None:
        raise PurposeRequiredError()
    return visit


SignedInVisit = Annotated[Visit, Depends(signed_in)]
CurrentVisit = Annotated[Visit, Depends(with_purpose)]


def _refuse_csrf(db: Session, request: Request, record: WebSession | None) -> RefusedError:
    actor: User | str = "anonymous"
    if record is not None and record.user_id is not None:
        actor = db.get(User, record.user_id) or "anonymous"
    record_refusal(
        db,
        actor=actor,
        action="web.csrf",
        purpose=record.purpose if record is not None else None,
        request_id=request_id_of(request),
        reason="csrf_token_missing_or_wrong",
        details={"path": request.url.path},
    )
    return RefusedError(CSRF_REASON, title="Your form could not be sent")


async def csrf_protect(request: Request, db: DbSession, record: BrowserSession) -> None:
    """Every POST from a page carries the session's CSRF token in a hidden field."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    if record is None or not csrf_matches(
        record, submitted if isinstance(submitted, str) else None
    ):
        raise await run_in_threadpool(_refuse_csrf, db, request, record)


def html_router() -> APIRouter:
    """A router for pages: left out of the OpenAPI document, CSRF checked on every POST."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def api_visit(request: Request, db: DbSession) -> Visit:
    """The API's caller: a bearer token, or the browser session (with the CSRF header)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        try:
            api_token, user = find_api_token(db, token=credentials.strip())
        except TokenRefusedError as refusal:
            db.commit()
            record_refusal(
                db,
                actor=refusal.actor or "anonymous",
                action="auth.api_token",
                purpose=None,
                request_id=request_id_of(request),
                reason=f"token_{refusal.reason}",
            )
            raise SignInRequiredError(refusal.reason, message=refusal.message) from None
        viewer = Viewer.of(
            user,
            purpose=api_token.purpose,
            auth_method="api_token",
            request_id=request_id_of(request),
        )
        request.state.viewer = viewer
        return Visit(db=db, user=user, viewer=viewer, session_record=None)
    record = browser_session(request, db)
    visit = _visit_from_session(request, db, record)
    if request.method not in SAFE_METHODS and (
        record is None or not csrf_matches(record, request.headers.get(CSRF_HEADER))
    ):
        raise _refuse_csrf(db, request, record)
    if visit.purpose is None:
        raise PurposeRequiredError()
    return visit


ApiVisit = Annotated[Visit, Depends(api_visit)]

"""``/api/v1`` for practitioners: search, the person and family views, and casework actions.

The same services as the pages, so the same decisions and the same audit events: a view
returns what ``familyhub.singleview`` returns for this caller (``model_dump`` of its frozen
results), a refusal is a 403 with the policy's reason, an unknown id a 404, input the service
cannot accept a 400 with its message. Searches are POSTed: what was searched for never
appears in a URL or a server log. Who is working with a family (involvements) and consent
status and history are part of each view; writing them has endpoints of its own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from familyhub.singleview import inbox as inbox_service
from familyhub.singleview import service as singleview
from familyhub.singleview.inbox import Inbox
from familyhub.singleview.types import ActionResult, FamilyView, PersonView, SearchResults
from familyhub.web.cookies import SESSION_COOKIE
from familyhub.web.deps import ApiVisit

_bearer = HTTPBearer(auto_error=False, description="An API token: familyhub api-token create")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The browser session (pages only)."
)

router = APIRouter(
    prefix="/api/v1",
    tags=["practitioners"],
    dependencies=[Depends(_bearer), Depends(_cookie)],
    responses={
        400: {"description": "The input cannot be used; the message says why (audited)."},
        401: {"description": "Not signed in, or the token or session is no longer valid."},
        403: {"description": "Refused by the access policies; the reason is in the message."},
    },
)
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No person or family has this id (audited)."}
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchBody(Body):
    """Any of these, in any combination; typos and nicknames are forgiven."""

    name: str | None = Field(None, max_length=200, examples=["Mason Ashworth"])
    date_of_birth: str | None = Field(None, max_length=20, examples=["12/04/2019"])
    nhs_number: str | None = Field(None, max_length=20, examples=["9434765919"])
    postcode: str | None = Field(None, max_length=10, examples=["NS3 7QD"])
    limit: int = Field(20, ge=1, le=50)


class InvolvementBody(Body):
    kind: Literal["team_member", "lead_practitioner"] = Field(
        description="team_member: join the team around the family; lead_practitioner: "
        "become the lead practitioner (the current lead's involvement ends)."
    )
    service: str | None = Field(None, max_length=200, description="Default: your organisation.")


class ConsentBody(Body):
    state: Literal["given", "declined", "withdrawn"]
    evidence: str = Field(max_length=1000, description="What the consent rests on.")
    purposes: list[str] = Field(default_factory=list, max_length=20)
    recipient_organisations: list[str] = Field(
        default_factory=list, max_length=100, description="Organisation codes, or '*' for all."
    )
    data_categories: list[str] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=2000)


class ReferralBody(Body):
    kind: Literal["request_for_support", "mash_referral"]
    reason: str = Field(max_length=5000)
    consent_at_referral: Literal["given", "not_sought", "declined"]
    receiving_service: str | None = Field(
        None, max_length=200, description="Requests for support only; default early help."
    )


class BreakGlassBody(Body):
    justification: str = Field(max_length=2000, description="Why this cannot wait.")


Filter = Annotated[list[str], Query(max_length=50)]


@router.post("/search", summary="Find a child or family", response_model=SearchResults)
def search(visit: ApiVisit, body: SearchBody) -> SearchResults:
    query = singleview.SearchQuery(
        name=body.name,
        date_of_birth=body.date_of_birth,
        nhs_number=body.nhs_number,
        postcode=body.postcode,
    )
    return singleview.search(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        query=query,
        request_id=visit.request_id,
        limit=body.limit,
    )


@router.get(
    "/people/{person_id}",
    summary="The single view of a person",
    response_model=PersonView,
    responses=NOT_FOUND,
)
def person(
    visit: ApiVisit,
    person_id: str,
    source: Filter = [],  # noqa: B006 - FastAPI copies query defaults per request
    category: Filter = [],  # noqa: B006
) -> PersonView:
    return singleview.person_view(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        person_id=person_id,
        request_id=visit.request_id,
        sources=source,
        categories=category,
    )


@router.get(
    "/families/{family_id}",
    summary="The single view of a family",
    response_model=FamilyView,
    responses=NOT_FOUND,
)
def family(
    visit: ApiVisit,
    family_id: str,
    source: Filter = [],  # noqa: B006
    category: Filter = [],  # noqa: B006
) -> FamilyView:
    return singleview.family_view(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        family_id=family_id,
        request_id=visit.request_id,
        sources=source,
        categories=category,
    )


def _subject(kind: str, subject_id: str) -> dict[str, Any]:
    return {"person_id" if kind == "people" else "family_id": subject_id}


def _add_action_routes(kind: str) -> None:
    """The write endpoints under /people/{id} and /families/{id}."""
    noun = "person" if kind == "people" else "family"
    common = {"status_code": 201, "response_model": ActionResult, "responses": NOT_FOUND}

    def involvement(visit: ApiVisit, subject_id: str, body: InvolvementBody) -> ActionResult:
        call = (
            singleview.join_team
            if body.kind == "team_member"
            else singleview.become_lead_practitioner
        )
        return call(
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            service=body.service,
            request_id=visit.request_id,
            **_subject(kind, subject_id),
        )

    def consent(visit: ApiVisit, subject_id: str, body: ConsentBody) -> ActionResult:
        return singleview.record_consent(
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            state=body.state,
            evidence=body.evidence,
            purposes=body.purposes,
            recipient_organisations=body.recipient_organisations,
            data_categories=body.data_categories,
            notes=body.notes,
            request_id=visit.request_id,
            **_subject(kind, subject_id),
        )

    def referral(visit: ApiVisit, subject_id: str, body: ReferralBody) -> ActionResult:
        if body.kind == "mash_referral":
            return singleview.refer_to_mash(
                visit.db,
                user=visit.user,
                purpose=visit.purpose or "",
                reason=body.reason,
                consent_at_referral=body.consent_at_referral,
                request_id=visit.request_id,
                **_subject(kind, subject_id),
            )
        return singleview.request_support(
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            reason=body.reason,
            consent_at_referral=body.consent_at_referral,
            receiving_service=body.receiving_service,
            request_id=visit.request_id,
            **_subject(kind, subject_id),
        )

    def break_glass(visit: ApiVisit, subject_id: str, body: BreakGlassBody) -> ActionResult:
        return singleview.break_glass(
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            justification=body.justification,
            request_id=visit.request_id,
            **_subject(kind, subject_id),
        )

    base = f"/{kind}/{{subject_id}}"
    for path, endpoint, summary in (
        ("involvements", involvement, f"Join the team around a {noun}, or become its lead"),
        ("consent", consent, f"Record consent given, declined or withdrawn for a {noun}"),
        ("referrals", referral, f"Request support for a {noun}, or refer to the MASH"),
        ("break-glass", break_glass, f"Use the safeguarding override for a {noun}"),
    ):
        router.add_api_route(
            f"{base}/{path}",
            endpoint,
            methods=["POST"],
            summary=summary,
            operation_id=f"{noun}_{path.replace('-', '_')}",
            **common,  # type: ignore[arg-type]
        )


for _kind in ("people", "families"):
    _add_action_routes(_kind)


# A referral's number: the database's integer, so a larger one is refused as input (422)
# rather than reaching the database.
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MoveBody(Body):
    to_state: Literal[
        "screening",
        "passed_to_early_help",
        "accepted_by_social_care",
        "no_further_action",
        "closed",
    ] = Field(description="What the receiving service does with the referral next.")
    note: str | None = Field(None, max_length=2000)


@router.get(
    "/referrals",
    summary="The referrals that landed with your service (its inbox)",
    response_model=Inbox,
)
def referral_inbox(visit: ApiVisit) -> Inbox:
    return inbox_service.inbox(
        visit.db, user=visit.user, purpose=visit.purpose or "", request_id=visit.request_id
    )


@router.post(
    "/referrals/{referral_id}/state",
    summary="Acknowledge, accept or close a referral that landed with your service",
    response_model=ActionResult,
    status_code=201,
)
def move_referral(visit: ApiVisit, referral_id: ReferralId, body: MoveBody) -> ActionResult:
    return inbox_service.move_referral(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        referral_id=referral_id,
        to_state=body.to_state,
        note=body.note,
        request_id=visit.request_id,
    )

"""The practitioner's pages: find a child or family, and the single view of a person or family.

Routes only parse, call ``familyhub.singleview.service`` and render: the service asks the
decision point and writes the one audit event of each search and view. Searches are POSTed
so that nothing a practitioner typed appears in a URL; people and families are opened by
their opaque ids, and the chronology's filters (source and category codes) are plain GET
parameters because they say nothing about anyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import Response

from familyhub.access.vocabulary import load_vocabulary
from familyhub.singleview import service as singleview
from familyhub.singleview.types import FamilyView, PersonView
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.practitioner import actions, display, inbox
from familyhub.web.practitioner.forms import search_form
from familyhub.web.templating import render

UNKNOWN_NAME = "Name not known"  # what the single view calls a person with no name on record

router = html_router()
router.include_router(actions.router)
router.include_router(inbox.router)

add_destination(
    Destination(
        title="Find a child or family",
        href="/search",
        description="Search by name, date of birth, NHS number or postcode, then see who is "
        "working with them and how to reach them.",
        groups=frozenset({"practitioners"}),
        order=10,
    )
)

# Messages after an action (the action's page redirects here with ?done=<action>).
DONE = {
    "join_team": "You are now in the team around the family.",
    "become_lead": "You are now the lead practitioner. Your contact details are shown to "
    "everyone who finds this family.",
    "record_consent": "Consent recorded. It applies from now on to everyone who opens this record.",
    "request_support": "Your request for support was sent to early help. It is now with them "
    "to screen.",
    "mash_referral": "Your referral was sent to the MASH. It is now with them to screen.",
}


def _done_message(done: str | None) -> str | None:
    if done == "break_glass":
        minutes = load_vocabulary().break_glass_minutes
        return (
            f"Safeguarding override in force for {minutes} minutes. Information governance "
            "has been alerted and will review why you used it."
        )
    return DONE.get(done or "")


@router.get("/search")
def search_page(request: Request, visit: CurrentVisit) -> Response:
    return render(request, "practitioner/search.html", {"title": "Find a child or family"})


@router.post("/search")
async def search_submit(request: Request, visit: CurrentVisit) -> Response:
    form = search_form(await request.form())
    context: dict[str, object] = {"title": "Find a child or family", "form": form.values}
    if not form.ok:
        return _search_errors(request, context, form.summary())
    query = singleview.SearchQuery(**{k: v or None for k, v in form.values.items()})
    try:
        # The search's database and matching work is synchronous: keep it off the event loop.
        results = await run_in_threadpool(
            singleview.search,
            visit.db,
            user=visit.user,
            purpose=visit.purpose or "",
            query=query,
            request_id=visit.request_id,
        )
    except singleview.SearchError as problem:
        return _search_errors(request, context, [{"text": str(problem), "href": "#name"}])
    _commit_audit(visit.db)
    context.update(title="Search results", results=results)
    return render(request, "practitioner/search.html", context)


def _search_errors(
    request: Request, context: dict[str, object], errors: list[dict[str, str]]
) -> Response:
    return render(
        request,
        "practitioner/search.html",
        {**context, "errors": errors, "error_text": errors[0]["text"]},
        status_code=400,
    )


Filter = Annotated[list[str], Query()]


@router.get("/people/{person_id}")
def person_page(
    request: Request,
    visit: CurrentVisit,
    person_id: str,
    source: Filter = [],  # noqa: B006 - FastAPI copies query defaults per request
    category: Filter = [],  # noqa: B006
    done: str | None = None,
) -> Response:
    view = singleview.person_view(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        person_id=person_id,
        request_id=visit.request_id,
        sources=source,
        categories=category,
    )
    _commit_audit(visit.db)
    return _render_view(request, view, base=f"/people/{view.person_id}", done=done)


@router.get("/families/{family_id}")
def family_page(
    request: Request,
    visit: CurrentVisit,
    family_id: str,
    source: Filter = [],  # noqa: B006
    category: Filter = [],  # noqa: B006
    done: str | None = None,
) -> Response:
    view = singleview.family_view(
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        family_id=family_id,
        request_id=visit.request_id,
        sources=source,
        categories=category,
    )
    _commit_audit(visit.db)
    return _render_view(request, view, base=f"/families/{view.family_id}", done=done)


def _commit_audit(db: Session) -> None:
    """Commit the view's or search's audit event before the page is rendered.

    Writing an audit event takes the chain's lock (the head row), held until commit; every
    other practitioner's view waits for it. Rendering a long chronology while holding it
    made 20 busy users queue behind each other (seconds at the 95th percentile at 1,000,000
    people). The event records the decision, made and complete at this point.
    """
    db.commit()


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _render_view(
    request: Request, view: PersonView | FamilyView, *, base: str, done: str | None
) -> Response:
    if isinstance(view, PersonView):
        title = view.identity.name
        template = "practitioner/person.html"
    else:
        # Named after the members the user may see and whose names are known.
        names = [m.identity.name for m in view.members if m.identity.name != UNKNOWN_NAME]
        title = "Family of " + _and(names) if names else "Family"
        template = "practitioner/family.html"
    return render(
        request,
        template,
        {
            "title": title,
            "view": view,
            "base": base,
            "done": _done_message(done),
            "break_glass_minutes": load_vocabulary().break_glass_minutes,
            "display": display,
        },
    )

"""The receiving service's inbox: the referrals that landed with the user's organisation,
and acknowledging, accepting or closing each one.

Routes only parse, call ``familyhub.singleview.inbox`` and render; casework decides and
audits the list (one event) and each step (one event each). Referrals are addressed by
their number, which says nothing about anyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from familyhub.singleview import inbox as service
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()

add_destination(
    Destination(
        title="Referrals to your service",
        href="/referrals",
        description="Requests for support and MASH referrals sent to your service: "
        "acknowledge them, accept them or close them.",
        groups=frozenset({"early_help", "statutory_safeguarding"}),
        order=20,
    )
)

DONE = "The referral is now: {state}."
# A referral's number: the database's integer, so a larger one never reaches the database.
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/referrals")
def inbox_page(request: Request, visit: CurrentVisit, done: str | None = None) -> Response:
    found = service.inbox(
        visit.db, user=visit.user, purpose=visit.purpose or "", request_id=visit.request_id
    )
    return render(
        request,
        "practitioner/inbox.html",
        {
            "title": "Referrals to your service",
            "inbox": found,
            # Only a state's label is echoed back: nothing from the URL reaches the page.
            "done": DONE.format(state=service.STATE_LABELS[done])
            if done in service.STATE_LABELS
            else None,
        },
    )


@router.post("/referrals/{referral_id}")
async def move(request: Request, visit: CurrentVisit, referral_id: ReferralId) -> Response:
    form = await request.form()
    to_state = str(form.get("to_state") or "")
    # The service's database work is synchronous: keep it off the event loop. A step the
    # referral cannot take (CaseworkError) is shown as a 400 page saying why.
    await run_in_threadpool(
        service.move_referral,
        visit.db,
        user=visit.user,
        purpose=visit.purpose or "",
        referral_id=referral_id,
        to_state=to_state,
        request_id=visit.request_id,
    )
    return RedirectResponse(f"/referrals?done={to_state}", status_code=303)

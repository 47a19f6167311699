"""The Supporting Families programme team's pages: eligible families, needs, episodes.

Eligibility is advice: each need is shown with its evidence in plain English, and a person
confirms or dismisses it with a reason (``familyhub.outcomes.service.decide_need``); only
confirmed needs count towards a claim. Every family page and every decision goes through
the decision point (``view`` on the family, purpose Supporting Families) and is audited.
Claims and their evidence packs are in :mod:`.programme_claims`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from familyhub.access.service import authorize
from familyhub.outcomes import claims
from familyhub.outcomes.headline import BY_KEY
from familyhub.outcomes.models import FamilyAssessment, FamilyEpisode
from familyhub.outcomes.service import DecisionError, decide_need, decisions_in_force, family_needs
from familyhub.web.backoffice import programme_claims
from familyhub.web.backoffice.common import MAX_NOTE, audit, day, error_list, parse_day, when
from familyhub.web.backoffice.families import (
    member_labels,
    require_family_view,
    visible_evidence,
    visible_families,
)
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
router.include_router(programme_claims.router)
PAGE_SIZE = 50
DECISION_WORDS = {"confirmed": "Confirm", "dismissed": "Dismiss"}
STATUS_WORDS = {"open": "Open", "improving": "Improving", "resolved": "Resolved"}
FAMILIES_CRUMB = {"text": "Eligible families", "href": "/programme/families"}

add_destination(
    Destination(
        title="Eligible families",
        href="/programme/families",
        description="Families with three or more needs, as advice: check the evidence and "
        "confirm or dismiss each need.",
        groups=frozenset({"programme"}),
        order=30,
    )
)


@router.get("/programme/families")
def eligible_families(
    request: Request,
    visit: CurrentVisit,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    require_family_view(visit)
    assessments = list(
        visit.db.scalars(
            select(FamilyAssessment)
            .where(FamilyAssessment.eligible.is_(True))
            .order_by(FamilyAssessment.need_count.desc(), FamilyAssessment.family_id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    more = len(assessments) > PAGE_SIZE
    assessments = assessments[:PAGE_SIZE]
    visible = visible_families(visit, [a.family_id for a in assessments])
    audit(
        visit,
        "allow",
        policy_ids=visible.policy_ids,
        action="programme.families",
        records=[f"family:{f}" for f in visible.family_ids],
        details={"page": page, "withheld": len(assessments) - len(visible.family_ids)},
    )
    decisions = decisions_in_force(visit.db)
    shown = set(visible.family_ids)
    rows = []
    for a in assessments:
        if a.family_id not in shown:
            continue
        decided = {need: decisions.get((a.family_id, need)) for need in a.needs}
        rows.append(
            {
                "family_id": a.family_id,
                "needs": [BY_KEY[n].title if n in BY_KEY else n for n in a.needs],
                "need_count": a.need_count,
                "confirmed": sum(1 for d in decided.values() if d and d.decision == "confirmed"),
                "dismissed": sum(1 for d in decided.values() if d and d.decision == "dismissed"),
                "assessed_on": day(a.assessed_on),
            }
        )
    return render(
        request,
        "backoffice/programme_families.html",
        {
            "title": "Eligible families",
            "rows": rows,
            "withheld": len(assessments) - len(rows),
            "page": page,
            "more": more,
        },
    )


def _need_groups(visit: CurrentVisit, family_id: str) -> list[dict[str, Any]]:
    """The family's needs, one group per headline outcome, members and evidence under it.

    Only the evidence the decision point lets this user see is listed; the rest is counted.
    """
    labels = member_labels(visit, family_id, on=date.today())
    items = family_needs(visit.db, family_id)
    seen = visible_evidence(visit, [e for i in items for e in i["evidence"]])
    groups: dict[str, dict[str, Any]] = {}
    for item in items:
        need = item["need"]
        outcome = BY_KEY.get(need.need)
        group = groups.setdefault(
            need.need,
            {
                "key": need.need,
                "title": outcome.title if outcome else need.need,
                "number": outcome.number if outcome else 0,
                "decision": item["decision"],
                "members": [],
            },
        )
        shown = [e for e in item["evidence"] if e.id in seen]
        group["members"].append(
            {
                "who": labels.get(need.person_id, "Former member of the family"),
                "status": STATUS_WORDS.get(need.status, need.status),
                "first": day(need.first_evidence_date),
                "last": day(need.last_evidence_date),
                "ongoing": need.ongoing,
                "rules_version": need.rules_version,
                "hidden": len(item["evidence"]) - len(shown),
                "evidence": [
                    {
                        "text": e.text,
                        "positive": e.signal == "positive",
                        "date": day(e.event_date),
                        "source": e.source,
                    }
                    for e in shown
                ],
            }
        )
    return sorted(groups.values(), key=lambda g: g["number"])


def _episodes(visit: CurrentVisit, family_id: str) -> list[FamilyEpisode]:
    return list(
        visit.db.scalars(
            select(FamilyEpisode)
            .where(FamilyEpisode.family_id == family_id)
            .order_by(FamilyEpisode.opened_on, FamilyEpisode.id)
        )
    )


def _family_page(
    request: Request,
    visit: CurrentVisit,
    family_id: str,
    *,
    failed: str | None = None,
    field_errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    groups = _need_groups(visit, family_id)
    assessment = visit.db.get(FamilyAssessment, family_id)
    field_errors = field_errors or {}
    return render(
        request,
        "backoffice/programme_family.html",
        {
            "title": f"Family {family_id[:8]}",
            "crumbs": [FAMILIES_CRUMB],
            "family_id": family_id,
            "assessment": assessment,
            "groups": groups,
            "confirmed": sum(
                1 for g in groups if g["decision"] and g["decision"].decision == "confirmed"
            ),
            "episodes": _episodes(visit, family_id),
            "failed": failed,
            "form": form or {},
            "field_errors": field_errors,
            "errors": error_list(field_errors),
            "decision_words": DECISION_WORDS,
            "day": day,
            "when": when,
            "today": date.today().isoformat(),
        },
        status_code=status_code,
    )


def _authorize_family(visit: CurrentVisit, family_id: str, **audit_as: Any) -> None:
    authorize(
        visit.db,
        user=visit.user,
        action="view",
        purpose=visit.purpose or "",
        request_id=visit.request_id,
        family_id=family_id,
        **audit_as,
    )


@router.get("/programme/families/{family_id}")
def family(request: Request, visit: CurrentVisit, family_id: str) -> Response:
    _authorize_family(visit, family_id, details={"page": "programme"})
    return _family_page(request, visit, family_id)


@router.post("/programme/families/{family_id}/needs/{need}")
def decide(
    request: Request,
    visit: CurrentVisit,
    family_id: str,
    need: str,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    field_errors: dict[str, str] = {}
    if decision not in DECISION_WORDS:
        field_errors[f"decision-{need}"] = "Select confirm or dismiss"
    if len(reason.split()) < 2:
        field_errors[f"reason-{need}"] = "Enter why, in a few words: the reason is kept"
    if field_errors:
        # Nothing to decide: the page is shown again, which is a view of the family.
        _authorize_family(visit, family_id, details={"page": "programme"})
    else:
        _authorize_family(
            visit,
            family_id,
            audit_action="need.decide",
            details={"need": need, "decision": decision},
        )
        try:
            decide_need(
                visit.db,
                family_id=family_id,
                need=need,
                decision=decision,
                reason=reason,
                decided_by=visit.user.username,
            )
        except DecisionError as problem:
            field_errors[f"reason-{need}"] = str(problem).capitalize()
        else:
            return RedirectResponse(f"/programme/families/{family_id}#need-{need}", status_code=303)
    return _family_page(
        request,
        visit,
        family_id,
        failed=need,
        field_errors=field_errors,
        form={"decision": decision, "reason": reason},
        status_code=400,
    )


@router.post("/programme/families/{family_id}/episodes")
def open_episode(
    request: Request,
    visit: CurrentVisit,
    family_id: str,
    opened_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    _authorize_family(visit, family_id, audit_action="episode.open")
    on = parse_day(opened_on) if opened_on.strip() else date.today()
    problem = None if on is not None else "Enter the day the work started, like 2026-11-03"
    if on is not None:
        try:
            claims.open_episode(
                visit.db, family_id=family_id, opened_on=on, opened_by=visit.user.username
            )
        except claims.ClaimError as refused:
            problem = str(refused).capitalize()
    if problem is None:
        return RedirectResponse(f"/programme/families/{family_id}#episodes", status_code=303)
    errors = {"opened_on": problem}
    return _family_page(
        request,
        visit,
        family_id,
        field_errors=errors,
        form={"opened_on": opened_on},
        status_code=400,
    )


@router.post("/programme/episodes/{episode_id}/close")
def close_episode(
    request: Request,
    visit: CurrentVisit,
    episode_id: int,
    closed_on: Annotated[str, Form(max_length=20)] = "",
    close_reason: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    episode = programme_claims.episode_or_404(visit, episode_id)
    family_id = episode.family_id
    _authorize_family(visit, family_id, audit_action="episode.close")
    on = parse_day(closed_on) if closed_on.strip() else date.today()
    errors: dict[str, str] = {}
    if on is None:
        errors["closed_on"] = "Enter the day the case closed, like 2026-11-03"
    if not close_reason.strip():
        errors["close_reason"] = "Enter why the case closed"
    if on is not None and not errors:
        try:
            claims.close_episode(
                visit.db,
                episode_id=episode_id,
                closed_on=on,
                closed_by=visit.user.username,
                reason=close_reason.strip(),
            )
        except claims.ClaimError as refused:
            errors["closed_on"] = str(refused).capitalize()
        else:
            return RedirectResponse(f"/programme/families/{family_id}#episodes", status_code=303)
    return _family_page(
        request,
        visit,
        family_id,
        field_errors=errors,
        form={"closed_on": closed_on, "close_reason": close_reason},
        status_code=400,
    )

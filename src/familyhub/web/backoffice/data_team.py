"""The data team's pages: the linkage review queue, one pair with its waterfall, sources.

Every page needs ``manage_data`` (the data team, for data quality). Showing a pair's
records and deciding it are each one audit event naming the source records and persons.
A decision is linkage's (``familyhub.linkage.review.decide``): kept for good with who and
why, applied at the next linkage run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Query, Request
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from familyhub.access.decision import Decision
from familyhub.linkage import review
from familyhub.linkage.models import ManualDecision, ReviewPair
from familyhub.sources import service as sources
from familyhub.sources.models import SourceExtract, SourceRecord
from familyhub.web.backoffice.common import MAX_NOTE, allowed, audit, error_list, when
from familyhub.web.backoffice.waterfall import waterfall
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
ACTION = "manage_data"
PAGE_SIZE = 20
QUARANTINE_SHOWN = 500

# The fields the model compares, as the side-by-side table shows them.
COMPARED_FIELDS = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("other_names", "Other names"),
    ("date_of_birth", "Date of birth"),
    ("sex", "Sex"),
    ("nhs_number", "NHS number"),
    ("ni_number", "National Insurance number"),
    ("upn", "Unique pupil number"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("uprn", "UPRN"),
    ("phone", "Phone"),
    ("email", "Email"),
)
DECISION_WORDS = {
    "link": "Link: they are the same person",
    "do_not_link": "Do not link: they are different people",
}

add_destination(
    Destination(
        title="Review possible matches",
        href="/data/review",
        description="Decide whether two records the linkage was unsure about are the same person.",
        service_action=ACTION,
        order=20,
    )
)
add_destination(
    Destination(
        title="Sources and loads",
        href="/data/sources",
        description="Each partner's extract: when it last loaded, what loaded and what was "
        "quarantined.",
        service_action=ACTION,
        order=21,
    )
)


def _describe(record: dict[str, Any]) -> str:
    name = f"{record.get('given_name') or ''} {record.get('family_name') or ''}".strip()
    born = record.get("date_of_birth")
    return ", ".join(p for p in (name or "no name", f"born {born}" if born else "") if p)


def _pair_refs(pair: ReviewPair) -> list[str]:
    refs = [f"source_record:{pair.record_a}", f"source_record:{pair.record_b}"]
    return refs + [f"person:{p}" for p in dict.fromkeys((pair.person_a, pair.person_b)) if p]


@router.get("/data/review")
def review_queue(
    request: Request,
    visit: CurrentVisit,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    decided: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    decision = allowed(visit, ACTION)
    items = review.open_items(session=visit.db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    total = review.count_open(session=visit.db)
    audit(
        visit,
        decision,
        action="linkage.review_queue",
        records=[ref for item in items for ref in _pair_refs(item.pair)],
        details={"page": page, "open": total},
    )
    rows = [
        {
            "id": item.pair.id,
            "probability": f"{item.pair.match_probability:.1%}",
            "a": _describe(item.record_a),
            "a_source": item.record_a.get("source", ""),
            "b": _describe(item.record_b),
            "b_source": item.record_b.get("source", ""),
            "why": item.pair.reason,
        }
        for item in items
    ]
    pages = max(1, -(-total // PAGE_SIZE))
    just_decided = visit.db.get(ReviewPair, decided) if decided else None
    latest = _latest_decision(visit, just_decided) if just_decided else None
    return render(
        request,
        "backoffice/review_queue.html",
        {
            "title": "Review possible matches",
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "just_decided": just_decided,
            "latest": latest,
            "decision_words": DECISION_WORDS,
        },
    )


def _records(visit: CurrentVisit, pair: ReviewPair) -> tuple[dict[str, Any], dict[str, Any]]:
    found = {
        r.id: r
        for r in visit.db.scalars(
            select(SourceRecord).where(SourceRecord.id.in_((pair.record_a, pair.record_b)))
        )
    }

    def values(record_id: int) -> dict[str, Any]:
        r = found.get(record_id)
        if r is None:
            return {"source": "(record no longer held)", "record_id": str(record_id)}
        shown = {name: getattr(r, name) for name, _ in COMPARED_FIELDS}
        return {**shown, "source": r.source, "record_id": r.record_id, "status": r.status}

    return values(pair.record_a), values(pair.record_b)


def _comparison_rows(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, label in COMPARED_FIELDS:
        left, right = a.get(name), b.get(name)
        if left is None and right is None:
            continue
        both = left is not None and right is not None
        rows.append(
            {
                "label": label,
                "a": "" if left is None else str(left),
                "b": "" if right is None else str(right),
                "same": both and str(left).strip().upper() == str(right).strip().upper(),
                "missing": not both,
            }
        )
    return rows


def _latest_decision(visit: CurrentVisit, pair: ReviewPair) -> ManualDecision | None:
    low, high = sorted((pair.record_a, pair.record_b))
    about = [
        d
        for d in review.decisions_for(session=visit.db, record_id=low)
        if (d.record_a, d.record_b) == (low, high)
    ]
    return about[-1] if about else None


def _pair_page(
    request: Request,
    visit: CurrentVisit,
    pair: ReviewPair,
    decision: Decision,
    *,
    field_errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record_a, record_b = _records(visit, pair)
    audit(
        visit,
        decision,
        action="linkage.review_view",
        records=_pair_refs(pair),
        details={"review_pair": pair.id},
    )
    chart = waterfall(
        visit.db, record_a=pair.record_a, record_b=pair.record_b, label_id="waterfall-caption"
    )
    field_errors = field_errors or {}
    return render(
        request,
        "backoffice/review_pair.html",
        {
            "title": f"Possible match {pair.id}",
            "crumbs": [{"text": "Review possible matches", "href": "/data/review"}],
            "pair": pair,
            "a": record_a,
            "b": record_b,
            "comparison": _comparison_rows(record_a, record_b),
            "chart": chart,
            "latest": _latest_decision(visit, pair),
            "decision_words": DECISION_WORDS,
            "form": form or {},
            "field_errors": field_errors,
            "errors": error_list(field_errors),
            "when": when,
        },
        status_code=status_code,
    )


def _pair_or_404(visit: CurrentVisit, pair_id: int) -> ReviewPair:
    pair = visit.db.get(ReviewPair, pair_id)
    if pair is None:
        raise HTTPException(status_code=404)
    return pair


@router.get("/data/review/{pair_id}")
def review_pair(request: Request, visit: CurrentVisit, pair_id: int) -> Response:
    decision = allowed(visit, ACTION)
    return _pair_page(request, visit, _pair_or_404(visit, pair_id), decision)


@router.post("/data/review/{pair_id}")
def decide_pair(
    request: Request,
    visit: CurrentVisit,
    pair_id: int,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    allowing = allowed(visit, ACTION)
    pair = _pair_or_404(visit, pair_id)
    field_errors: dict[str, str] = {}
    if decision not in DECISION_WORDS:
        field_errors["decision"] = "Select whether to link these records"
    if not reason.strip():
        field_errors["reason"] = "Enter why: the reason is kept with the decision for good"
    if not field_errors:
        try:
            made = review.decide(
                session=visit.db,
                decision=decision,
                decided_by=visit.user.username,
                reason=reason,
                review_id=pair.id,
            )
        except (ValueError, LookupError) as problem:
            field_errors["reason"] = str(problem)
        else:
            audit(
                visit,
                allowing,
                action="linkage.review_decide",
                records=_pair_refs(pair),
                details={"review_pair": pair.id, "decision": made.decision},
            )
            return RedirectResponse(f"/data/review?decided={pair.id}", status_code=303)
    return _pair_page(
        request,
        visit,
        pair,
        allowing,
        field_errors=field_errors,
        form={"decision": decision, "reason": reason},
        status_code=400,
    )


@router.get("/data/sources")
def source_list(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    summaries = sources.list_sources(session=visit.db)
    audit(visit, decision, action="sources.list", details={"sources": len(summaries)})
    return render(
        request,
        "backoffice/sources.html",
        {"title": "Sources and loads", "sources": summaries, "when": when},
    )


@router.get("/data/extracts/{extract_id}/quarantine")
def quarantine(request: Request, visit: CurrentVisit, extract_id: int) -> Response:
    decision = allowed(visit, ACTION)
    extract = visit.db.get(SourceExtract, extract_id)
    if extract is None:
        raise HTTPException(status_code=404)
    rows = sources.quarantine_for(extract_id, session=visit.db, limit=QUARANTINE_SHOWN)
    audit(
        visit,
        decision,
        action="sources.quarantine",
        details={"extract": extract_id, "rows": len(rows)},
    )
    return render(
        request,
        "backoffice/quarantine.html",
        {
            "title": f"Quarantine: {extract.source}",
            "crumbs": [{"text": "Sources and loads", "href": "/data/sources"}],
            "extract": extract,
            "rows": rows,
            "limit": QUARANTINE_SHOWN,
            "when": when,
        },
    )

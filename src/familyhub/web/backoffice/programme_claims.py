"""Outcome claims: closed episodes and whether their outcome is achieved, claims made, and
each claim's evidence pack as a CSV and a printable page.

The pack comes from the copy of the evidence frozen when the claim was made
(``outcome_claim.evidence``), so a spot check years later sees what was claimed; the CSV is
exactly the one ``familyhub claims pack`` writes.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from familyhub.access.service import authorize
from familyhub.outcomes import claims
from familyhub.outcomes.headline import BY_KEY
from familyhub.outcomes.models import FamilyEpisode, OutcomeClaim
from familyhub.outcomes.rules import load_rules
from familyhub.web.backoffice.common import audit, day, download, when
from familyhub.web.backoffice.families import require_family_view, visible_families
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
CLAIMS_CRUMB = {"text": "Outcome claims", "href": "/programme/claims"}

add_destination(
    Destination(
        title="Outcome claims",
        href="/programme/claims",
        description="Closed episodes whose every confirmed need showed a sustained positive "
        "outcome, claims made, and each claim's evidence pack.",
        groups=frozenset({"programme"}),
        order=31,
    )
)


def episode_or_404(visit: CurrentVisit, episode_id: int) -> FamilyEpisode:
    episode = visit.db.get(FamilyEpisode, episode_id)
    if episode is None:
        raise HTTPException(status_code=404)
    return episode


def _claim_or_404(visit: CurrentVisit, claim_id: int) -> OutcomeClaim:
    claim = visit.db.get(OutcomeClaim, claim_id)
    if claim is None:
        raise HTTPException(status_code=404)
    return claim


def _authorize(visit: CurrentVisit, family_id: str, audit_action: str, **details: Any) -> None:
    authorize(
        visit.db,
        user=visit.user,
        action="view",
        purpose=visit.purpose or "",
        request_id=visit.request_id,
        family_id=family_id,
        audit_action=audit_action,
        details=details or None,
    )


@router.get("/programme/claims")
def claims_page(request: Request, visit: CurrentVisit) -> Response:
    require_family_view(visit)
    rules = load_rules()
    today = date.today()
    claimable = claims.claimable_episodes(visit.db, rules=rules, on=today)
    made = list(visit.db.scalars(select(OutcomeClaim).order_by(OutcomeClaim.id.desc())))
    families = [c.episode.family_id for c in claimable] + [c.family_id for c in made]
    visible = visible_families(visit, families)
    shown = set(visible.family_ids)
    audit(
        visit,
        "allow",
        policy_ids=visible.policy_ids,
        action="programme.claims",
        records=[f"family:{f}" for f in visible.family_ids],
    )
    return render(
        request,
        "backoffice/programme_claims.html",
        {
            "title": "Outcome claims",
            "claimable": [c for c in claimable if c.episode.family_id in shown],
            "made": [c for c in made if c.family_id in shown],
            "withheld": sum(1 for f in families if f not in shown),
            "sustain_months": rules.sustain_months,
            "day": day,
            "when": when,
        },
    )


@router.post("/programme/episodes/{episode_id}/claim")
def make_claim(
    request: Request,
    visit: CurrentVisit,
    episode_id: int,
) -> Response:
    episode = episode_or_404(visit, episode_id)
    _authorize(visit, episode.family_id, "claim.make", episode=episode_id)
    try:
        claim = claims.make_claim(
            visit.db,
            episode_id=episode_id,
            claimed_by=visit.user.username,
            rules=load_rules(),
            on=date.today(),
        )
    except claims.ClaimError as refused:
        return render(
            request,
            "error.html",
            {
                "title": "The claim was not made",
                "paragraphs": [str(refused).capitalize() + "."],
                "next_href": "/programme/claims",
                "next_text": "Back to outcome claims",
            },
            status_code=400,
        )
    return RedirectResponse(f"/programme/claims/{claim.id}", status_code=303)


def _pack_rows(claim: OutcomeClaim) -> list[tuple[Any, list[dict[str, Any]]]]:
    by_need: dict[str, list[dict[str, Any]]] = {}
    for item in claim.evidence:
        by_need.setdefault(item["need"], []).append(item)
    return [(BY_KEY.get(n), by_need.get(n, [])) for n in claim.needs]


@router.get("/programme/claims/{claim_id}")
def evidence_page(request: Request, visit: CurrentVisit, claim_id: int) -> Response:
    claim = _claim_or_404(visit, claim_id)
    _authorize(visit, claim.family_id, "claim.evidence", claim=claim_id, format="page")
    return render(
        request,
        "backoffice/evidence_pack.html",
        {
            "title": f"Outcome claim {claim.id}",
            "crumbs": [CLAIMS_CRUMB],
            "claim": claim,
            "episode": visit.db.get(FamilyEpisode, claim.episode_id),
            "needs": _pack_rows(claim),
            "day": day,
            "when": when,
        },
    )


@router.get("/programme/claims/{claim_id}/evidence.csv")
def evidence_csv(visit: CurrentVisit, claim_id: int) -> Response:
    claim = _claim_or_404(visit, claim_id)
    _authorize(visit, claim.family_id, "claim.evidence", claim=claim_id, format="csv")
    with tempfile.TemporaryDirectory(prefix="familyhub-pack-") as folder:
        csv_path, _ = claims.write_evidence_pack(visit.db, claim=claim, out_dir=Path(folder))
        body = csv_path.read_bytes()
        name = csv_path.name
    return download(body, filename=name, media_type="text/csv; charset=utf-8")

"""Episodes of work with a family, and outcome claims with their evidence packs.

A claim is for one closed episode whose every confirmed need shows a positive outcome
sustained for the rules' sustain period after closure. The claim keeps a frozen copy of its
evidence (each cited event, its source and date, the rule and its version, the decision and
its reason), so the pack a national spot check follows never changes after the claim; the
unique episode on ``outcome_claim`` means a family episode is never claimed twice.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.outcomes.headline import BY_KEY
from familyhub.outcomes.models import FamilyEpisode, NeedEvidence, OutcomeClaim
from familyhub.outcomes.progress import EvidenceSpan, NeedHistory, OutcomeCheck, family_outcome
from familyhub.outcomes.rules import RuleSet
from familyhub.outcomes.service import decisions_in_force

PACK_COLUMNS = (
    "claim_id",
    "family_id",
    "need",
    "headline_outcome",
    "decision",
    "decision_reason",
    "decided_by",
    "decided_at",
    "person_id",
    "signal",
    "evidence",
    "source",
    "record_id",
    "event_id",
    "event_date",
    "end_date",
    "rule_id",
    "rules_version",
)


class ClaimError(ValueError):
    """A claim that cannot be made (already claimed, outcome not achieved, episode open...)."""


def open_episode(
    session: Session, *, family_id: str, opened_on: date, opened_by: str
) -> FamilyEpisode:
    existing = session.scalars(
        select(FamilyEpisode).where(
            FamilyEpisode.family_id == family_id, FamilyEpisode.closed_on.is_(None)
        )
    ).first()
    if existing is not None:
        raise ClaimError(f"family {family_id} already has an open episode ({existing.id})")
    episode = FamilyEpisode(family_id=family_id, opened_on=opened_on, opened_by=opened_by)
    session.add(episode)
    session.flush()
    return episode


def close_episode(
    session: Session, *, episode_id: int, closed_on: date, closed_by: str, reason: str
) -> FamilyEpisode:
    episode = session.get(FamilyEpisode, episode_id)
    if episode is None:
        raise ClaimError(f"no episode {episode_id}")
    if episode.closed_on is not None:
        raise ClaimError(f"episode {episode_id} was already closed on {episode.closed_on}")
    if closed_on < episode.opened_on:
        raise ClaimError("an episode cannot close before it opened")
    episode.closed_on, episode.closed_by, episode.close_reason = closed_on, closed_by, reason
    session.flush()
    return episode


def _histories(
    session: Session, family_id: str, needs: list[str], rules: RuleSet
) -> list[NeedHistory]:
    lasting = {r.id for r in rules.rules if r.lasts_until_end_date}
    rows = session.scalars(
        select(NeedEvidence).where(
            NeedEvidence.family_id == family_id, NeedEvidence.need.in_(needs)
        )
    ).all()
    histories = []
    for need in needs:
        spans = [
            EvidenceSpan(r.event_date, r.end_date, r.rule_id in lasting)
            for r in rows
            if r.need == need and r.signal == "need"
        ]
        positives = [r.event_date for r in rows if r.need == need and r.signal == "positive"]
        histories.append(NeedHistory(need, spans, positives))
    return histories


def confirmed_needs(session: Session, family_id: str) -> list[str]:
    return sorted(
        need
        for (fid, need), d in decisions_in_force(session).items()
        if fid == family_id and d.decision == "confirmed"
    )


def check_episode(
    session: Session, *, episode: FamilyEpisode, rules: RuleSet, on: date
) -> OutcomeCheck:
    """Whether the episode's family has achieved a successful, sustained outcome."""
    if episode.closed_on is None:
        return OutcomeCheck(False, on, ("the episode is still open",))
    needs = confirmed_needs(session, episode.family_id)
    return family_outcome(
        _histories(session, episode.family_id, needs, rules),
        closed_on=episode.closed_on,
        on=on,
        progress=rules.progress,
        sustain_months=rules.sustain_months,
    )


@dataclass
class Claimable:
    episode: FamilyEpisode
    check: OutcomeCheck


def claimable_episodes(session: Session, *, rules: RuleSet, on: date) -> list[Claimable]:
    """Closed, unclaimed episodes, each with whether its outcome is achieved and why not."""
    claimed = set(session.scalars(select(OutcomeClaim.episode_id)))
    episodes = session.scalars(
        select(FamilyEpisode)
        .where(FamilyEpisode.closed_on.is_not(None))
        .order_by(FamilyEpisode.closed_on, FamilyEpisode.id)
    )
    return [
        Claimable(e, check_episode(session, episode=e, rules=rules, on=on))
        for e in episodes
        if e.id not in claimed
    ]


def make_claim(
    session: Session, *, episode_id: int, claimed_by: str, rules: RuleSet, on: date
) -> OutcomeClaim:
    """Claim a successful family outcome for an episode, freezing its evidence."""
    episode = session.get(FamilyEpisode, episode_id)
    if episode is None:
        raise ClaimError(f"no episode {episode_id}")
    previous = session.scalars(
        select(OutcomeClaim).where(OutcomeClaim.episode_id == episode_id)
    ).first()
    if previous is not None:
        raise ClaimError(
            f"episode {episode_id} was already claimed (claim {previous.id} on "
            f"{previous.claimed_at:%d %B %Y}); a family episode is never claimed twice"
        )
    check = check_episode(session, episode=episode, rules=rules, on=on)
    if not check.achieved:
        raise ClaimError("the outcome is not achieved: " + "; ".join(check.reasons))
    needs = confirmed_needs(session, episode.family_id)
    claim = OutcomeClaim(
        episode_id=episode_id,
        family_id=episode.family_id,
        needs=needs,
        sustained_until=check.sustained_until,
        rules_version=rules.version,
        claimed_by=claimed_by,
        evidence=_evidence_rows(session, episode, needs),
    )
    session.add(claim)
    session.flush()
    return claim


def _evidence_rows(
    session: Session, episode: FamilyEpisode, needs: list[str]
) -> list[dict[str, Any]]:
    decisions = decisions_in_force(session)
    evidence = session.scalars(
        select(NeedEvidence)
        .where(NeedEvidence.family_id == episode.family_id, NeedEvidence.need.in_(needs))
        .order_by(NeedEvidence.need, NeedEvidence.event_date, NeedEvidence.event_id)
    ).all()
    rows = []
    for e in evidence:
        decision = decisions[(episode.family_id, e.need)]
        rows.append(
            {
                "family_id": e.family_id,
                "need": e.need,
                "headline_outcome": BY_KEY[e.need].title,
                "decision": decision.decision,
                "decision_reason": decision.reason,
                "decided_by": decision.decided_by,
                "decided_at": decision.decided_at.isoformat(),
                "person_id": e.person_id,
                "signal": e.signal,
                "evidence": e.text,
                "source": e.source,
                "record_id": e.record_id,
                "event_id": e.event_id,
                "event_date": e.event_date.isoformat(),
                "end_date": e.end_date.isoformat() if e.end_date else "",
                "rule_id": e.rule_id,
                "rules_version": e.rules_version,
            }
        )
    return rows


_templates = Environment(
    loader=PackageLoader("familyhub.outcomes", "templates"),
    autoescape=select_autoescape(["html"]),
)


def write_evidence_pack(
    session: Session, *, claim: OutcomeClaim, out_dir: Path
) -> tuple[Path, Path]:
    """The claim's evidence as a CSV and a printable HTML page, from the frozen copy."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"claim-{claim.id}-family-{claim.family_id}"
    csv_path = out_dir / f"{stem}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=PACK_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in claim.evidence:
            writer.writerow({"claim_id": claim.id, **row})
    episode = session.get(FamilyEpisode, claim.episode_id)
    by_need: dict[str, list[dict[str, Any]]] = {}
    for row in claim.evidence:
        by_need.setdefault(row["need"], []).append(row)
    html = _templates.get_template("evidence_pack.html").render(
        claim=claim,
        episode=episode,
        needs=[(BY_KEY[n], by_need.get(n, [])) for n in claim.needs],
    )
    html_path = out_dir / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    return csv_path, html_path

"""The review queue and manual decisions.

A decision (link / do not link, with who and why) is kept for good: every later run, full or
incremental, with the same model or a retrained one, applies it. "Do not link" also holds
transitively: a cluster that would hold both records is split instead. A decision takes
effect at the next run (``familyhub link --incremental`` is enough).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from familyhub.linkage.models import ManualDecision, ReviewPair

DECISIONS = ("link", "do_not_link")
RECORD_FIELDS = (
    "source",
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "postcode",
)


@dataclass
class ReviewItem:
    pair: ReviewPair
    record_a: dict[str, Any]
    record_b: dict[str, Any]


def _records(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    marks = ", ".join(f":r{i}" for i in range(len(ids)))
    rows = session.execute(
        text(f"select id, {', '.join(RECORD_FIELDS)} from source_record where id in ({marks})"),  # noqa: S608
        {f"r{i}": v for i, v in enumerate(ids)},
    ).mappings()
    return {int(r["id"]): dict(r) for r in rows}


def open_items(*, session: Session, limit: int = 20, offset: int = 0) -> list[ReviewItem]:
    """Open review pairs, most likely matches first, with both records' identity fields."""
    pairs = list(
        session.scalars(
            select(ReviewPair)
            .where(ReviewPair.status == "open")
            .order_by(ReviewPair.match_weight.desc(), ReviewPair.id)
            .offset(offset)
            .limit(limit)
        )
    )
    records = _records(session, sorted({r for p in pairs for r in (p.record_a, p.record_b)}))
    return [
        ReviewItem(p, records.get(p.record_a, {"id": p.record_a}), records.get(p.record_b, {}))
        for p in pairs
    ]


def count_open(*, session: Session) -> int:
    return len(list(session.scalars(select(ReviewPair.id).where(ReviewPair.status == "open"))))


def decide(
    *,
    session: Session,
    decision: str,
    decided_by: str,
    reason: str,
    review_id: int | None = None,
    record_a: int | None = None,
    record_b: int | None = None,
) -> ManualDecision:
    """Record a decision about a review pair, or about any two source records."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if not reason.strip():
        raise ValueError("a decision needs a reason (it is kept with the link for good)")
    if not decided_by.strip():
        raise ValueError("a decision needs the name of who made it")
    pair = None
    if review_id is not None:
        pair = session.get(ReviewPair, review_id)
        if pair is None:
            raise LookupError(f"no review item {review_id}")
        record_a, record_b = pair.record_a, pair.record_b
    if record_a is None or record_b is None or record_a == record_b:
        raise ValueError("name a review item, or two different source records")
    low, high = min(record_a, record_b), max(record_a, record_b)
    made = ManualDecision(
        record_a=low,
        record_b=high,
        decision=decision,
        decided_by=decided_by,
        reason=reason.strip(),
        review_pair_id=pair.id if pair else None,
    )
    session.add(made)
    if pair is not None:
        pair.status = "decided"
    session.flush()
    return made


def decisions_for(*, session: Session, record_id: int) -> list[ManualDecision]:
    return list(
        session.scalars(
            select(ManualDecision)
            .where((ManualDecision.record_a == record_id) | (ManualDecision.record_b == record_id))
            .order_by(ManualDecision.id)
        )
    )

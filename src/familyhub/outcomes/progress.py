"""Progress of one need over time, and whether a family's outcome is achieved and sustained.

Plain functions over plain values: the set-based assessment in :mod:`engine` computes the
same status for every need at once in SQL, and the tests hold the two to the same answers.

A need's status on a day:

* ``open``: evidence is still current (an open plan, claim or treatment episode), or the last
  evidence is recent and nothing positive has happened since;
* ``improving``: no new evidence for ``improving_after_months``, or a positive sign (e.g. good
  attendance) since the last evidence;
* ``resolved``: no new evidence for ``resolved_after_months``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from familyhub.outcomes.rules import Progress


@dataclass(frozen=True)
class EvidenceSpan:
    """One piece of evidence of a need: from ``start`` to ``end`` (``None``: still current
    when the rule says the evidence lasts until an end date, otherwise a single day)."""

    start: date
    end: date | None = None
    lasts_until_end_date: bool = False

    def last_day(self, on: date) -> date | None:
        """The last day this evidence is current as seen on ``on`` (None: ongoing)."""
        if not self.lasts_until_end_date:
            return self.start
        if self.end is None or self.end > on:
            return None
        return max(self.start, self.end)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (as SQL intervals do)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def need_status(
    evidence: Iterable[EvidenceSpan],
    positives: Iterable[date],
    *,
    on: date,
    progress: Progress,
) -> str | None:
    """The need's status on ``on`` from the evidence dated up to then (None: no need yet)."""
    known = [e for e in evidence if e.start <= on]
    if not known:
        return None
    last_days = [e.last_day(on) for e in known]
    if any(d is None for d in last_days):
        return "open"
    last = max(d for d in last_days if d is not None)
    if add_months(last, progress.resolved_after_months) <= on:
        return "resolved"
    positive_since = any(last < p <= on for p in positives)
    if positive_since or add_months(last, progress.improving_after_months) <= on:
        return "improving"
    return "open"


@dataclass(frozen=True)
class NeedHistory:
    need: str
    evidence: Sequence[EvidenceSpan]
    positives: Sequence[date] = ()


@dataclass(frozen=True)
class OutcomeCheck:
    achieved: bool
    sustained_until: date
    reasons: tuple[str, ...]


def family_outcome(
    confirmed: Sequence[NeedHistory],
    *,
    closed_on: date,
    on: date,
    progress: Progress,
    sustain_months: int,
) -> OutcomeCheck:
    """Whether every confirmed need shows a positive outcome sustained for ``sustain_months``
    after the case closed on ``closed_on``, as known on ``on``.

    A need's outcome is positive when it is improving or resolved at the end of the sustain
    period and no new evidence of it arose between the case closing and then.
    """
    until = add_months(closed_on, sustain_months)
    reasons: list[str] = []
    if not confirmed:
        reasons.append("no confirmed needs")
    if on < until:
        reasons.append(f"the sustain period runs until {until.isoformat()}")
    for history in confirmed:
        window = [e for e in history.evidence if closed_on < e.start <= min(until, on)]
        if window:
            first = min(e.start for e in window)
            reasons.append(f"{history.need}: new evidence on {first.isoformat()} after closure")
            continue
        status = need_status(
            history.evidence, history.positives, on=min(until, on), progress=progress
        )
        if status == "open":
            reasons.append(f"{history.need}: still open on {min(until, on).isoformat()}")
    return OutcomeCheck(achieved=not reasons, sustained_until=until, reasons=tuple(reasons))

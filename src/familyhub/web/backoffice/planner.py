"""The planner's dashboard: needs by area and over time, families with 3+ needs on a map.

Every figure comes from ``familyhub.insight.service.planner_dashboard``, which builds the
charts only from disclosure-controlled tables (small counts suppressed as ``c``, the rest
rounded to 5, secondary suppression) and renders them to SVG on the server. The page puts
each SVG in line (no script), the figures beside it as a table, and a CSV of exactly those
figures to download. Nothing here reaches a person: the planner's role allows
``view_statistics`` and nothing else.

The charts are kept for a few minutes per day and linkage/assessment run, so the CSV a
planner downloads is the one behind the chart they were looking at, and a page reload
does not redo the work.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from starlette.exceptions import HTTPException
from starlette.responses import Response

from familyhub.access.decision import Principal
from familyhub.insight.charts import SUPPRESSED_NOTE, Chart
from familyhub.insight.service import InsightRefusedError, planner_dashboard
from familyhub.outcomes.headline import BY_KEY
from familyhub.runs import Run, utcnow
from familyhub.web.backoffice.common import accessible_svg, allowed, audit, download, when
from familyhub.web.deps import CurrentVisit, html_router
from familyhub.web.errors import RefusedError
from familyhub.web.navigation import Destination, add_destination
from familyhub.web.templating import render

router = html_router()
ACTION = "view_statistics"
KEEP_SECONDS = 300
HEADINGS = {
    "need": "Need",
    "area": "Area",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
    "families": "Families",
    "people": "People",
}

add_destination(
    Destination(
        title="Families and needs dashboard",
        href="/planner",
        description="Families and their needs by area and over time, and where families with "
        "three or more needs live. Every figure is protected so that nobody can be identified.",
        service_action=ACTION,
        order=40,
    )
)


@dataclass
class _Kept:
    key: tuple[Any, ...]
    made: float
    charts: list[Chart]
    at: Any  # when the figures were made (a datetime), for the page


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def _charts(visit: CurrentVisit) -> _Kept:
    today = date.today()
    latest_run = visit.db.scalar(select(func.max(Run.id)))
    # The database too: one process may serve (or test) more than one.
    key = (str(visit.db.get_bind().engine.url), today, latest_run)
    with _lock:
        kept = _kept.get("dashboard")
        if kept and kept.key == key and time.monotonic() - kept.made < KEEP_SECONDS:
            return kept
        try:
            charts = planner_dashboard(
                session=visit.db, principal=Principal.of(visit.user), as_of=today
            )
        except InsightRefusedError as refused:
            raise RefusedError(f"You cannot see the statistics: {refused}") from None
        kept = _Kept(key=key, made=time.monotonic(), charts=charts, at=utcnow())
        _kept["dashboard"] = kept
        return kept


def _label(field: str, value: str) -> str:
    if field == "need" and value in BY_KEY:
        return BY_KEY[value].title
    return value


def _table(chart: Chart) -> dict[str, Any]:
    """The chart's figures as a table: one dimension down, the other across, if two."""
    fields = chart.fieldnames
    if len(fields) == 3:
        down, across, measure = fields
        columns = list(dict.fromkeys(r[across] for r in chart.rows))
        lines: dict[str, dict[str, str]] = {}
        for r in chart.rows:
            lines.setdefault(r[down], {})[r[across]] = r[measure]
        return {
            "corner": HEADINGS.get(down, down),
            "columns": [_label(across, c) for c in columns],
            "rows": [
                (_label(down, k), [cells.get(c, "") for c in columns]) for k, cells in lines.items()
            ],
            "measure": HEADINGS.get(measure, measure).lower(),
        }
    first, measure = fields
    return {
        "corner": HEADINGS.get(first, first),
        "columns": [HEADINGS.get(measure, measure)],
        "rows": [(_label(first, r[first]), [r[measure]]) for r in chart.rows],
        "measure": HEADINGS.get(measure, measure).lower(),
    }


@router.get("/planner")
def dashboard(request: Request, visit: CurrentVisit) -> Response:
    decision = allowed(visit, ACTION)
    kept = _charts(visit)
    audit(
        visit,
        decision,
        action="insight.dashboard",
        details={"charts": [c.name for c in kept.charts if c.svg]},
    )
    charts = [
        {
            "name": c.name,
            "title": c.title,
            "svg": accessible_svg(c.svg, label_id=f"{c.name}-title") if c.svg else "",
            "notes": c.notes,
            "table": _table(c) if c.rows else None,
        }
        for c in kept.charts
    ]
    return render(
        request,
        "backoffice/planner.html",
        {
            "title": "Families and needs",
            "charts": charts,
            "made": when(kept.at),
            "suppressed_note": SUPPRESSED_NOTE,
        },
    )


@router.get("/planner/{name}.csv")
def chart_csv(visit: CurrentVisit, name: str) -> Response:
    decision = allowed(visit, ACTION)
    chart = next((c for c in _charts(visit).charts if c.name == name and c.rows), None)
    if chart is None:
        raise HTTPException(status_code=404)
    text = chart.csv_text()
    audit(
        visit,
        decision,
        action="insight.download",
        details={"chart": chart.name, "rows": len(chart.rows)},
    )
    return download(text, filename=f"{chart.name}.csv", media_type="text/csv; charset=utf-8")

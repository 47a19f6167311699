"""What the back-office pages share: the service check, audit, dates, forms and SVG."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from starlette.responses import Response

from familyhub.access.decision import Decision
from familyhub.audit.service import RecordedEvent, record
from familyhub.web.deps import Visit
from familyhub.web.guard import require_service_action
from familyhub.web.pages import UK, uk_time

# The longest reason or note a form accepts (the services keep them as text).
MAX_NOTE = 2000


def allowed(visit: Visit, action: str) -> Decision:
    """The decision letting this user use a back-office screen (a refusal is a 403 page)."""
    return require_service_action(visit, action)


def audit(
    visit: Visit,
    decision: Decision | str,
    *,
    action: str,
    records: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    policy_ids: Sequence[str] | None = None,
) -> RecordedEvent:
    """One audit event for what this page showed or changed, under the deciding policies."""
    return record(
        visit.db,
        actor=visit.user,
        action=action,
        records=list(records),
        decision=decision,
        policy_ids=policy_ids,
        purpose=visit.purpose,
        request_id=visit.request_id,
        details=details,
    )


def when(moment: datetime | None) -> str:
    """A moment in UK time, as people read it; empty when there is none."""
    return uk_time(moment) if moment is not None else ""


def day(value: date | None) -> str:
    """A date as people read it: 3 October 2026."""
    return f"{value:%-d %B %Y}" if value is not None else ""


def day_start(value: date) -> datetime:
    """When a day begins in England, in UTC (how the database keeps moments)."""
    return datetime(value.year, value.month, value.day, tzinfo=UK).astimezone(UTC)


def parse_day(text: str) -> date | None:
    """A date typed as 2026-11-03 or 3/11/2026; None if it is not one."""
    text = text.strip()
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})/(\d{1,2})/(\d{4})"):
        found = re.fullmatch(pattern, text)
        if found is None:
            continue
        numbers = [int(g) for g in found.groups()]
        year, month, dd = numbers if pattern.startswith(r"(\d{4})") else numbers[::-1]
        try:
            return date(year, month, dd)
        except ValueError:
            return None
    return None


def error_list(field_errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary's entries, each linking to its field."""
    return [{"text": text, "href": f"#{name}"} for name, text in field_errors.items()]


def row(key: str, value: str) -> dict[str, dict[str, str]]:
    """A summary list row."""
    return {"key": {"text": key}, "value": {"text": value}}


def download(body: str | bytes, *, filename: str, media_type: str) -> Response:
    """A file to save (CSV, Markdown...), never displayed in place."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_SVG_ROOT = re.compile(r"<svg\b([^>]*)>")
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def accessible_svg(svg: str, *, label_id: str) -> str:
    """An SVG from vl-convert, ready to put in a page: one image named by ``label_id``.

    Its width and height are dropped so it scales to the column (the viewBox keeps its
    shape), and it becomes a single image for assistive technology, named by the caption;
    the figures themselves are in a table beside it.
    """
    found = _SVG_ROOT.search(svg)
    if found is None:
        return ""
    attributes = _SIZE.sub("", found.group(1))
    root = (
        f'<svg{attributes} role="img" aria-labelledby="{label_id}" focusable="false" '
        'class="app-chart__svg">'
    )
    return svg[: found.start()] + root + svg[found.end() :]

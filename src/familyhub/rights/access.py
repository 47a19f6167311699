"""Subject access and portability: everything held about a person, as JSON and as a
readable document (HTML, and PDF tagged for accessibility).

Items come from the registry of where personal data lives, plus who looked at the record
(the audit's who-viewed: organisation, role, when, purpose). Information about other people
is redacted unless a reviewer decided to disclose it; a reviewer can withhold an item that
would cause serious harm, and the export says that something was withheld and on what ground
(never what).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.rights.models import RightsRequest, SarReviewDecision
from familyhub.rights.personal_data import Found, find_personal_data
from familyhub.rights.registry import REGISTRY

REDACTED = "[redacted: information about someone else]"
TEMPLATES = Path(__file__).parent / "templates"
# Columns that are internal bookkeeping, not information about the person.
INTERNAL_COLUMNS = {"row_sha256", "password_hash", "token_digest", "csrf_token", "extract_id"}
# Columns that point at a person or at a person's record: shown only when they point at the
# subject, else redacted (they would tell the requester who else is involved).
PERSON_COLUMNS = {
    "person_id",
    "related_person_id",
    "other_person_id",
    "person_a",
    "person_b",
    "subject_person_id",
    "merged_into",
}
RECORD_KEY_COLUMNS = {"record_id", "related_record_id"}
RECORD_PK_COLUMNS = {"record_a", "record_b", "source_record_id"}
ALWAYS_THIRD_PARTY = {"related_partner_person_id"}


@dataclass
class Item:
    key: str  # e.g. "source_record:42"
    section: str
    values: dict[str, Any]
    redacted: list[str] = field(default_factory=list)


@dataclass
class SubjectAccessExport:
    request_id: int
    person_id: str
    generated_at: datetime
    sections: dict[str, list[Item]]
    withheld: list[dict[str, str]]
    viewed_by: list[dict[str, Any]]

    def as_json_dict(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "person_id": self.person_id,
            "generated_at": self.generated_at.isoformat(),
            "sections": {
                name: [{"item": i.key, **i.values, "_redacted": i.redacted} for i in items]
                for name, items in self.sections.items()
            },
            "withheld": self.withheld,
            "who_viewed_the_record": self.viewed_by,
        }


# Free text written by practitioners and partners: it may name other people in words, which
# no rule can find, so a reviewer reads these before the export is released.
FREE_TEXT_COLUMNS = {
    "description",
    "reason",
    "text",
    "note",
    "notes",
    "evidence",
    "summary",
    "justification",
    "review_note",
    "grounds",
    "outcome",
}


def items_to_review(export: SubjectAccessExport) -> list[tuple[str, str, str]]:
    """(item, column, text) for every free text in the export, for a reviewer to read."""
    found = []
    for items in export.sections.values():
        for item in items:
            for column, value in item.values.items():
                if column in FREE_TEXT_COLUMNS and isinstance(value, str) and value.strip():
                    found.append((item.key, column, value))
    return found


def review(
    session: Session, *, request_id: int, item_key: str, decision: str, reason: str, actor: str
) -> SarReviewDecision:
    """Record a reviewer's decision: ``disclose`` third-party details, or ``withhold``."""
    if decision not in ("disclose", "withhold"):
        raise ValueError("decision is disclose or withhold")
    if not reason.strip():
        raise ValueError("a review decision needs its reason")
    row = SarReviewDecision(
        request_id=request_id, item_key=item_key, decision=decision, reason=reason, decided_by=actor
    )
    session.add(row)
    session.flush()
    return row


def _decisions(session: Session, request_id: int) -> dict[str, SarReviewDecision]:
    rows = session.scalars(
        select(SarReviewDecision)
        .where(SarReviewDecision.request_id == request_id)
        .order_by(SarReviewDecision.id)
    )
    return {row.item_key: row for row in rows}  # the latest decision per item wins


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _who_viewed(session: Session, person_id: str) -> list[dict[str, Any]]:
    """Organisation, role, when and purpose of each look at the record (the audit's
    who-viewed, merged ids included); the individual member of staff is not named."""
    from familyhub.audit.queries import who_viewed

    return [
        {
            "when": v.occurred_at.isoformat(),
            "organisation": v.organisation or "",
            "role": ", ".join(v.roles),
            "purpose": v.purpose or "",
            "what": v.what,
        }
        for v in who_viewed(session, person_id=person_id)
    ]


def _redact(values: dict[str, Any], found: Found) -> list[str]:
    """Hide every pointer to someone else in ``values``; return the columns hidden."""
    record_ids = {record_id for _, record_id in found.record_keys}
    record_pks = {r["id"] for r in found.rows.get("source_record", [])}
    hidden = []
    for column, value in values.items():
        if value is None or column == "id":
            continue
        someone_else = (
            (column in PERSON_COLUMNS and value not in found.person_ids)
            or (column in RECORD_KEY_COLUMNS and value not in record_ids)
            or (column in RECORD_PK_COLUMNS and value not in record_pks)
            or column in ALWAYS_THIRD_PARTY
        )
        if someone_else:
            hidden.append(column)
    for column in hidden:
        values[column] = REDACTED
    return hidden


def compile_export(session: Session, *, request: RightsRequest) -> SubjectAccessExport:
    if request.person_id is None:
        raise ValueError(
            f"request {request.id} has no subject ({request.match_outcome}): resolve it first"
        )
    found = find_personal_data(session, person_id=request.person_id)
    decisions = _decisions(session, request.id)
    sections: dict[str, list[Item]] = {}
    withheld: list[dict[str, str]] = []
    labels = {loc.table: loc.label for loc in REGISTRY}
    for table, rows in found.rows.items():
        if table == "rights_request":
            rows = [r for r in rows if r["id"] != request.id]  # not the request itself
        for row in rows:
            key = f"{table}:{row.get('id')}"
            decision = decisions.get(key)
            if decision is not None and decision.decision == "withhold":
                withheld.append({"item": key, "reason": decision.reason})
                continue
            values = {k: _jsonable(v) for k, v in row.items() if k not in INTERNAL_COLUMNS}
            disclose = decision is not None and decision.decision == "disclose"
            redacted = [] if disclose else _redact(values, found)
            sections.setdefault(labels.get(table, table), []).append(
                Item(key=key, section=table, values=values, redacted=redacted)
            )
    return SubjectAccessExport(
        request_id=request.id,
        person_id=request.person_id,
        generated_at=datetime.now(UTC),
        sections=sections,
        withheld=withheld,
        viewed_by=_who_viewed(session, request.person_id),
    )


def to_json(export: SubjectAccessExport) -> str:
    return json.dumps(export.as_json_dict(), indent=2, default=str, ensure_ascii=False)


# Columns the document leaves out (the JSON keeps them): forms derived for matching.
DERIVED_COLUMNS = {
    "given_name_match",
    "family_name_match",
    "postcode_sector",
    "postcode_district",
    "postcode_area",
}


def _shown(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a reader needs of one item: no empty fields, no forms derived for matching."""
    return [
        (name, value)
        for name, value in values.items()
        if name not in DERIVED_COLUMNS and value not in (None, "", [], {})
    ]


def _readable(value: Any) -> str:
    """A value as a person reads it: lists and mappings spelled out, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_readable(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def to_html(export: SubjectAccessExport, *, controller_name: str) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "html.j2"])
    )
    env.filters["readable"] = _readable
    env.filters["shown"] = _shown
    from familyhub.rights.outbox import source_organisations

    return env.get_template("subject_access.html.j2").render(
        e=export, controller_name=controller_name, organisations=source_organisations()
    )


def to_pdf(html: str, path: Path) -> Path:
    """A tagged PDF (PDF/UA), so screen readers can follow its structure."""
    from weasyprint import HTML

    HTML(string=html).write_pdf(path, pdf_variant="pdf/ua-1", pdf_tags=True)
    return path


def write_export(
    session: Session,
    *,
    request: RightsRequest,
    out_dir: Path,
    formats: set[str],
    actor: str,
    controller_name: str,
    keys_dir: Path | None = None,
) -> list[Path]:
    """Compile the export, write it in the asked formats, and record the disclosure in the
    audit log (so the next subject access shows it too)."""
    from familyhub.audit.service import record

    export = compile_export(session, request=request)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"subject-access-{request.id}"
    written = []
    html = to_html(export, controller_name=controller_name)
    if "json" in formats:
        written.append(stem.with_suffix(".json"))
        written[-1].write_text(to_json(export), encoding="utf-8")
    if "html" in formats:
        written.append(stem.with_suffix(".html"))
        written[-1].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        written.append(to_pdf(html, stem.with_suffix(".pdf")))
    record(
        session,
        actor=actor,
        action="rights.subject_access",
        records=[f"person:{export.person_id}"],
        decision="allow",
        purpose="rights_request",
        request_id=f"rights:{request.id}",
        details={
            "kind": request.kind,
            "formats": sorted(formats),
            "withheld": len(export.withheld),
        },
        keys_dir=keys_dir,
    )
    return written

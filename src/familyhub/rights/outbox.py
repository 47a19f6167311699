"""The outbox of notifications to partners (UK GDPR Art 19: tell each recipient of a
rectification, erasure or restriction), exported as one JSON file per partner.

Once exported, a notification's payload is emptied: the file carries it to the partner, and
the database keeps only that it was sent, when, and in which batch.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from familyhub.rights.models import PartnerNotification


def notify(
    session: Session,
    *,
    organisation: str,
    kind: str,
    payload: dict[str, Any],
    request_id: int | None = None,
    person_id: str | None = None,
) -> PartnerNotification:
    row = PartnerNotification(
        organisation=organisation,
        kind=kind,
        payload=payload,
        request_id=request_id,
        person_id=person_id,
    )
    session.add(row)
    session.flush()
    return row


def pending(session: Session, *, organisation: str | None = None) -> list[PartnerNotification]:
    query = select(PartnerNotification).where(PartnerNotification.exported_at.is_(None))
    if organisation is not None:
        query = query.where(PartnerNotification.organisation == organisation)
    return list(session.scalars(query.order_by(PartnerNotification.id)))


def _file_name(organisation: str, batch: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", organisation.lower()).strip("-") or "partner"
    return f"{slug}-{batch}.json"


def export_outbox(
    session: Session, *, out_dir: Path, actor: str, organisation: str | None = None
) -> list[Path]:
    """Write each partner's pending notifications to ``out_dir``; returns the files."""
    rows = pending(session, organisation=organisation)
    if not rows:
        return []
    now = datetime.now(UTC)
    batch = now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    out_dir.mkdir(parents=True, exist_ok=True)
    by_org: dict[str, list[PartnerNotification]] = {}
    for row in rows:
        by_org.setdefault(row.organisation, []).append(row)
    files = []
    for org, notes in sorted(by_org.items()):
        document = {
            "to": org,
            "batch": batch,
            "exported_at": now.isoformat(),
            "exported_by": actor,
            "notifications": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "request": n.request_id,
                    "created_at": n.created_at.isoformat() if n.created_at else None,
                    **n.payload,
                }
                for n in notes
            ],
        }
        path = out_dir / _file_name(org, batch)
        path.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
        files.append(path)
        for n in notes:
            n.exported_at = now
            n.export_batch = batch
            n.payload = {}
    session.flush()
    return files


def source_organisations() -> dict[str, str]:
    """Source name -> the organisation that sends it, from the source contracts."""
    from familyhub.governance.flows import source_flows

    return {flow.source: flow.organisation for flow in source_flows()}

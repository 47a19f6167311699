"""A record of every pipeline stage run (load, link, assess, purge...).

Linkage records which run made each link, loads record who ran them; both point here, so a
council can always answer "what produced this, when, and with which settings".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from familyhub.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Run(Base):
    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    actor: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def start_run(session: Session, *, stage: str, actor: str, parameters: dict[str, Any]) -> Run:
    run = Run(stage=stage, actor=actor, parameters=parameters, status="running")
    session.add(run)
    session.flush()
    return run


def finish_run(run: Run, *, summary: dict[str, Any], status: str = "succeeded") -> None:
    run.summary = summary
    run.status = status
    run.finished_at = utcnow()

"""Property: whatever single piece of tampering an attacker without the key does to a signed
log, verify fails, and the event it names is at or before where the damage begins (or, for
a rewritten chain, right after the last checkpoint the damage did not reach)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from familyhub.audit.models import AuditCheckpoint, AuditEvent
from familyhub.audit.service import CHECKPOINT_EVERY
from familyhub.audit.verify import verify

from .chain_helpers import recompute_from, truncate_after, write_events

EVENTS = 230  # checkpoints at 100 and 200
FIELDS = ["purpose", "actor_username", "action", "decision", "request_id"]


def _tamper(session: Session, kind: str, at: int, field: str) -> int:
    """Apply one tampering; return the sequence number the damage begins at."""
    if kind == "modify":
        session.execute(update(AuditEvent).where(AuditEvent.seq == at).values({field: "forged"}))
        return at
    if kind == "delete":
        session.execute(delete(AuditEvent).where(AuditEvent.seq == at))
        return at
    if kind == "swap":
        at = min(at, EVENTS - 1)
        session.execute(update(AuditEvent).where(AuditEvent.seq == at).values(seq=-1))
        session.execute(update(AuditEvent).where(AuditEvent.seq == at + 1).values(seq=at))
        session.execute(update(AuditEvent).where(AuditEvent.seq == -1).values(seq=at + 1))
        return at
    if kind == "truncate":
        cut = min(at, 2 * CHECKPOINT_EVERY - 1)  # a signed checkpoint lies beyond the cut
        truncate_after(session, cut)
        return cut + 1
    if kind == "rewrite":
        at = min(at, 2 * CHECKPOINT_EVERY)  # a checkpoint at or after the change
        session.execute(update(AuditEvent).where(AuditEvent.seq == at).values({field: "forged"}))
        recompute_from(session, at)
        return (at - 1) // CHECKPOINT_EVERY * CHECKPOINT_EVERY + 1
    if kind == "drop_checkpoint":
        checkpoint = CHECKPOINT_EVERY if at <= CHECKPOINT_EVERY else 2 * CHECKPOINT_EVERY
        session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq == checkpoint))
        return checkpoint
    raise ValueError(kind)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(["modify", "delete", "swap", "truncate", "rewrite", "drop_checkpoint"]),
    at=st.integers(min_value=1, max_value=EVENTS),
    field=st.sampled_from(FIELDS),
)
def test_any_tampering_is_caught_no_later_than_where_it_begins(
    own_session: Session, kind: str, at: int, field: str
) -> None:
    if not own_session.get(AuditEvent, 1):
        write_events(own_session, EVENTS)
        own_session.commit()
    savepoint = own_session.begin_nested()
    try:
        begins = _tamper(own_session, kind, at, field)
        own_session.expire_all()
        result = verify(own_session)
        assert not result.ok, (kind, at, field)
        assert result.first_bad_seq is not None
        assert result.first_bad_seq <= max(begins, 1) + 1, (kind, at, result.problem)
    finally:
        savepoint.rollback()
        own_session.expire_all()
    assert verify(own_session).ok, "the untouched log verifies again after the rollback"

"""Asking the access decision point from a route, pages and API alike.

Person and family data: call :func:`familyhub.access.service.authorize` (or
``search_visible`` / ``visible_records``) with ``visit.user``, ``visit.purpose`` and
``visit.request_id``. It decides, writes the one audit event, and raises
``AccessRefusedError`` when refused; the app turns that into a 403 page (or JSON) that
shows the policy's reason. Nothing else to do in the route::

    granted = authorize(visit.db, user=visit.user, action="view", purpose=visit.purpose,
                        request_id=visit.request_id, family_id=family_id)

Screens of the service itself (audit review, data management, statistics, user admin):
call :func:`require_service_action` first.
"""

from __future__ import annotations

from familyhub.access.decision import Context, Decision, Principal, Resource, decide
from familyhub.audit.service import record
from familyhub.web.deps import Visit
from familyhub.web.errors import RefusedError


def service_decision(visit: Visit, action: str) -> Decision:
    """May this user, for this session's purpose, do ``action`` on the service itself?"""
    return decide(
        Principal.of(visit.user),
        action,
        Resource.service(),
        Context(purpose=visit.purpose or ""),
    )


def require_service_action(visit: Visit, action: str) -> Decision:
    """The allowing decision, or a 403 with the policies' reasons (the refusal audited)."""
    decision = service_decision(visit, action)
    if decision.allowed:
        return decision
    record(
        visit.db,
        actor=visit.user,
        action=f"service.{action}",
        records=[],
        decision=decision,
        purpose=visit.purpose,
        request_id=visit.request_id,
        details={"reasons": decision.reasons},
    )
    visit.db.commit()
    reasons = " ".join(decision.reasons) or "Your role and purpose do not allow it."
    raise RefusedError(f"You cannot use this part of the service: {reasons}")

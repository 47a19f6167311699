"""The start-up check: refuse to start with a policy file that does not validate.

The web service (``create_app``) and ``familyhub access check-policies`` call
:func:`check_policies_or_refuse`. A refusal names the file and line, and is itself written
to the audit log (when the database can be reached), so information governance sees that
someone tried to run with a broken policy.
"""

from __future__ import annotations

from pathlib import Path

from familyhub.access.decision import engine
from familyhub.access.policy_files import PolicyFileError, policy_dir


def check_policies_or_refuse(directory: Path | None = None, *, actor: str = "system") -> int:
    """Validate every policy (and warm the process's engine); returns how many there are.

    ``directory`` defaults to the policies in force (``FAMILYHUB_ACCESS_POLICIES``, else the
    shipped ones). Raises :class:`PolicyFileError` naming the file and line after auditing
    the refusal.
    """
    from familyhub.access.decision import PolicyEngine

    folder = directory if directory is not None else policy_dir()
    try:
        checked = PolicyEngine(folder)
    except PolicyFileError as exc:
        _audit_refusal(exc, actor)
        raise
    if folder == policy_dir():
        engine()
    return len(checked.sources)


def _audit_refusal(exc: PolicyFileError, actor: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from familyhub.audit.service import record
    from familyhub.db import unit_of_work

    try:
        with unit_of_work() as session:
            record(
                session,
                actor=actor,
                action="access.policy_check",
                records=[],
                decision="refused",
                policy_ids=[],
                purpose="information_governance",
                request_id=None,
                details={"file": str(exc.path), "line": exc.line, "reason": exc.detail},
            )
    except SQLAlchemyError:
        pass  # no database yet (e.g. before `familyhub db upgrade`): the error still stops us

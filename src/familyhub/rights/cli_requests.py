"""``familyhub rights register|list|show|confirm-identity|resolve|extend|close``."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from rich.table import Table

from familyhub.console import console, err_console
from familyhub.rights.cli_common import ActorOption, actor_name, day_or_today, finish, rights_app


@rights_app.command("register")
def register_cmd(
    kind: str = typer.Option(
        ..., help="access, rectification, erasure, restriction, portability or objection."
    ),
    requester: str = typer.Option(..., help="Who asked (the person, a parent, a solicitor)."),
    received: str = typer.Option(None, help="Day received, YYYY-MM-DD (default: today)."),
    identity_checked: str = typer.Option(
        None, help="Day identity was confirmed; leave out if still to check (the clock waits)."
    ),
    person: str = typer.Option(None, help="The person id, when known (e.g. from the record)."),
    given_name: str = typer.Option(None),
    family_name: str = typer.Option(None),
    date_of_birth: str = typer.Option(None, help="YYYY-MM-DD"),
    nhs_number: str = typer.Option(None),
    postcode: str = typer.Option(None),
    relationship: str = typer.Option("self", help="The requester's relation to the subject."),
    field: str = typer.Option(None, help="Rectification: the field to correct."),
    value: str = typer.Option(None, help="Rectification: the value the requester gives."),
    grounds: str = typer.Option(None, help="Restriction or objection: the grounds given."),
    actor: str | None = ActorOption,
) -> None:
    """Register a request; the subject is found with `familyhub match` (or --person).

    Records an outcome every time: matched, not found, ambiguous (with the candidates), or a
    duplicate of an open request. Prints the statutory due date.

    Examples:

      familyhub rights register --kind access --requester "A Parent" --relationship parent
        --given-name Ava --family-name Khan --date-of-birth 2015-02-01 --received 2026-11-02
        --identity-checked 2026-11-02

      familyhub rights register --kind erasure --requester "Ava Khan" --person 3f9c...
    """
    from familyhub.rights.subject import MatchingUnavailableError

    details = {
        k: v
        for k, v in {
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "nhs_number": nhs_number,
            "postcode": postcode,
        }.items()
        if v
    }
    asks = {k: v for k, v in {"field": field, "value": value, "grounds": grounds}.items() if v}
    try:
        outcome = _register(
            details, asks, kind, requester, received, identity_checked, person, relationship, actor
        )
    except (MatchingUnavailableError, ValueError) as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finish(outcome)


def _register(
    details: dict[str, str],
    asks: dict[str, str],
    kind: str,
    requester: str,
    received: str | None,
    identity_checked: str | None,
    person: str | None,
    relationship: str,
    actor: str | None,
) -> Any:
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import register_request

    with unit_of_work() as session:
        outcome = register_request(
            session,
            kind=kind,
            requester=requester,
            received_on=day_or_today(received),
            subject_details=details,
            actor=actor_name(actor),
            person_id=person,
            identity_checked_on=date.fromisoformat(identity_checked) if identity_checked else None,
            requester_relationship=relationship,
            details=asks,
        )
        request = outcome.request
        console.print(
            f"Request [bold]{request.id}[/bold] ({request.kind}): {request.status}; subject "
            f"{request.match_outcome}; due {request.due_on or 'when identity is confirmed'}"
        )
    return outcome


@rights_app.command("list")
def list_cmd(today: str = typer.Option(None, help="Count from this day (default: today).")) -> None:
    """Requests for information governance: overdue, due within 7 days, open, done.

    Example:

      familyhub rights list
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import request_queue

    with unit_of_work() as session:
        queue = request_queue(session, today=day_or_today(today))
        for title, rows in [
            ("Overdue", queue.overdue),
            ("Due within 7 days", queue.due_soon),
            ("Open", queue.open),
            ("Awaiting identity", queue.awaiting_identity),
            ("Done", queue.done),
        ]:
            table = Table(title=f"{title} ({len(rows)})")
            for col in ("id", "kind", "status", "subject", "received", "due", "outcome"):
                table.add_column(col)
            for r in rows:
                table.add_row(
                    str(r.id),
                    r.kind,
                    r.status,
                    r.person_id or r.match_outcome,
                    str(r.received_on),
                    str(r.due_on or ""),
                    r.outcome or "",
                )
            console.print(table)


@rights_app.command("show")
def show_cmd(request_id: int) -> None:
    """One request and its history.

    Example:

      familyhub rights show 12
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import get_request, history

    with unit_of_work() as session:
        r = get_request(session, request_id)
        console.print(
            f"Request {r.id}: {r.kind}, {r.status}; subject {r.person_id} "
            f"({r.match_outcome}, candidates {r.match_candidates}); received "
            f"{r.received_on}; due {r.due_on}; outcome {r.outcome or '-'}"
        )
        for e in history(session, request_id):
            console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.actor}: {e.action} {e.detail}")


@rights_app.command("confirm-identity")
def confirm_identity_cmd(
    request_id: int,
    how: str = typer.Option(..., help="What was seen, e.g. 'passport'."),
    on: str = typer.Option(None, help="YYYY-MM-DD (default: today)."),
    actor: str | None = ActorOption,
) -> None:
    """Confirm the requester's identity; the clock starts on that day.

    Example:

      familyhub rights confirm-identity 12 --how "passport and utility bill"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import confirm_identity

    with unit_of_work() as session:
        outcome = confirm_identity(
            session,
            request_id=request_id,
            checked_on=day_or_today(on),
            actor=actor_name(actor),
            how=how,
        )
    finish(outcome)


@rights_app.command("resolve")
def resolve_cmd(
    request_id: int,
    person: str = typer.Option(..., help="The person id."),
    reason: str = typer.Option(..., help="Why this is the subject."),
    actor: str | None = ActorOption,
) -> None:
    """Pick the subject by hand after an unfound or ambiguous match.

    Example:

      familyhub rights resolve 12 --person 3f9c... --reason "school confirmed the UPN"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import resolve_subject

    with unit_of_work() as session:
        outcome = resolve_subject(
            session, request_id=request_id, person_id=person, actor=actor_name(actor), reason=reason
        )
    finish(outcome)


@rights_app.command("extend")
def extend_cmd(
    request_id: int,
    months: int = typer.Option(2, help="1 or 2 further months."),
    reason: str = typer.Option(..., help="Why the request is complex or numerous."),
    on: str = typer.Option(None, help="Day the requester is told (default: today)."),
    actor: str | None = ActorOption,
) -> None:
    """Extend the deadline by up to two months; only within the first month, with a reason.

    Example:

      familyhub rights extend 12 --months 2 --reason "records from nine partners to review"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import extend

    with unit_of_work() as session:
        outcome = extend(
            session,
            request_id=request_id,
            months=months,
            reason=reason,
            asked_on=day_or_today(on),
            actor=actor_name(actor),
        )
    finish(outcome)


@rights_app.command("close")
def close_cmd(
    request_id: int,
    status: str = typer.Option("completed", help="completed, refused, withdrawn"),
    outcome: str = typer.Option(..., help="What was done, or why refused."),
    on: str = typer.Option(None),
    actor: str | None = ActorOption,
) -> None:
    """Close a request with its outcome.

    Example:

      familyhub rights close 12 --outcome "export sent by secure email"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.requests import close

    with unit_of_work() as session:
        result = close(
            session,
            request_id=request_id,
            status=status,
            outcome=outcome,
            on=day_or_today(on),
            actor=actor_name(actor),
        )
    finish(result)

"""``familyhub rights ...``: the register of rights requests and every step they take."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from familyhub.console import console, err_console

rights_app = typer.Typer(
    help="Data subjects' rights: access, rectification, erasure, restriction, portability, "
    "objection; their deadlines; the partner outbox.",
    no_args_is_help=True,
)

ActorOption = typer.Option(None, "--actor", help="Who is acting (default: the login name).")


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _day(text: str | None) -> date:
    return date.fromisoformat(text) if text else date.today()


def _finish(outcome: Any) -> None:
    """Print a step's outcome; a refused step exits 1 (it is recorded all the same)."""
    if outcome.done:
        console.print(f"[green]{outcome.message}[/green]")
    else:
        err_console.print(f"[yellow]{outcome.message}[/yellow] (recorded)")
        raise typer.Exit(1)


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
    _finish(outcome)


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
            received_on=_day(received),
            subject_details=details,
            actor=_actor(actor),
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
        queue = request_queue(session, today=_day(today))
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
            session, request_id=request_id, checked_on=_day(on), actor=_actor(actor), how=how
        )
    _finish(outcome)


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
            session, request_id=request_id, person_id=person, actor=_actor(actor), reason=reason
        )
    _finish(outcome)


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
            asked_on=_day(on),
            actor=_actor(actor),
        )
    _finish(outcome)


@rights_app.command("export")
def export_cmd(
    request_id: int,
    out: Path = typer.Option(..., help="Folder to write into."),
    formats: str = typer.Option("json,html,pdf", help="Any of json, html, pdf."),
    actor: str | None = ActorOption,
) -> None:
    """Subject access / portability: everything held, as JSON, HTML and a tagged PDF.

    Other people's details are redacted unless a reviewer decided to disclose them; items a
    reviewer withheld are left out, with the reason listed.

    Examples:

      familyhub rights export 12 --out /secure/sar-12

      familyhub rights export 15 --out /secure/port-15 --formats json
    """
    from familyhub.db import unit_of_work
    from familyhub.governance.controller import load_controller
    from familyhub.rights.access import write_export
    from familyhub.rights.requests import get_request

    wanted = {f.strip() for f in formats.split(",")}
    with unit_of_work() as session:
        request = get_request(session, request_id)
        try:
            write_export(
                session,
                request=request,
                out_dir=out,
                formats=wanted,
                actor=_actor(actor),
                controller_name=load_controller().controller.name,
            )
        except ValueError as exc:
            err_console.print(f"[yellow]{exc}[/yellow]")
            raise typer.Exit(1) from None
    console.print(f"Written to {out}")


@rights_app.command("review")
def review_cmd(
    request_id: int,
    item: str = typer.Argument(..., help="The item, e.g. referral:42."),
    decision: str = typer.Option(..., help="withhold (serious harm) or disclose (unredact)."),
    reason: str = typer.Option(..., help="Why: recorded with the decision."),
    actor: str | None = ActorOption,
) -> None:
    """Record a reviewer's decision on one item of a subject access export.

    Example:

      familyhub rights review 12 referral:42 --decision withhold --reason "serious harm: ..."
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.access import review

    with unit_of_work() as session:
        review(
            session,
            request_id=request_id,
            item_key=item,
            decision=decision,
            reason=reason,
            actor=_actor(actor),
        )
    console.print(f"{item}: {decision} recorded")


@rights_app.command("rectify")
def rectify_cmd(
    request_id: int,
    field: str = typer.Option(..., help="e.g. date_of_birth"),
    value: str = typer.Option(..., help="The corrected value."),
    reason: str = typer.Option(..., help="Why (what evidence was seen)."),
    actor: str | None = ActorOption,
) -> None:
    """Correct a value; it outranks the source until the source changes; partners are told.

    Example:

      familyhub rights rectify 14 --field date_of_birth --value 2015-02-11
        --reason "birth certificate seen"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.rectification import rectify

    with unit_of_work() as session:
        outcome = rectify(
            session,
            request_id=request_id,
            field=field,
            corrected_value=value,
            reason=reason,
            actor=_actor(actor),
        )
    _finish(outcome)


@rights_app.command("erase")
def erase_cmd(
    request_id: int,
    on: str = typer.Option(None, help="YYYY-MM-DD (default: today)."),
    actor: str | None = ActorOption,
) -> None:
    """Carry out an erasure request: everything, except items the law makes us keep (listed
    with the reason). Refused under a legal hold. All or nothing; leaves a tombstone.

    Example:

      familyhub rights erase 15
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.erasure import carry_out_erasure

    with unit_of_work() as session:
        outcome = carry_out_erasure(
            session, request_id=request_id, actor=_actor(actor), on=_day(on)
        )
    _finish(outcome)


def _restrict(request_id: int, kind: str, grounds: str, on: str | None, actor: str | None) -> None:
    from familyhub.db import unit_of_work
    from familyhub.rights.service import apply_restriction

    with unit_of_work() as session:
        outcome = apply_restriction(
            session,
            request_id=request_id,
            kind=kind,
            grounds=grounds,
            on=_day(on),
            actor=_actor(actor),
        )
    _finish(outcome)


@rights_app.command("restrict")
def restrict_cmd(
    request_id: int,
    grounds: str = typer.Option(..., help="e.g. accuracy contested"),
    on: str = typer.Option(None),
    actor: str | None = ActorOption,
) -> None:
    """Restrict processing: the data stays, but is left out of linkage, needs and insight.

    Example:

      familyhub rights restrict 16 --grounds "accuracy contested while we check"
    """
    _restrict(request_id, "restriction", grounds, on, actor)


@rights_app.command("object")
def object_cmd(
    request_id: int,
    grounds: str = typer.Option(..., help="What the person said."),
    on: str = typer.Option(None),
    actor: str | None = ActorOption,
) -> None:
    """Record an objection to profiling: the person is left out of needs flagging from now.

    Example:

      familyhub rights object 17 --grounds "does not want to be flagged"
    """
    _restrict(request_id, "objection", grounds, on, actor)


@rights_app.command("lift")
def lift_cmd(
    person: str,
    kind: str = typer.Option("restriction", help="restriction or objection"),
    reason: str = typer.Option(...),
    on: str = typer.Option(None),
    actor: str | None = ActorOption,
) -> None:
    """Lift a restriction (or withdraw an objection) for a person.

    Example:

      familyhub rights lift 3f9c... --reason "accuracy confirmed"
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.service import lift_restriction

    with unit_of_work() as session:
        done = lift_restriction(
            session, person_id=person, kind=kind, on=_day(on), reason=reason, actor=_actor(actor)
        )
    if not done:
        err_console.print(f"no {kind} in force for {person}")
        raise typer.Exit(1)
    console.print(f"{kind} lifted")


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
            on=_day(on),
            actor=_actor(actor),
        )
    _finish(result)


@rights_app.command("outbox")
def outbox_cmd(
    out: Path = typer.Option(..., help="Folder for one JSON file per partner."),
    partner: str = typer.Option(None, help="Only this organisation."),
    actor: str | None = ActorOption,
) -> None:
    """Export what partners must be told (rectifications, erasures, restrictions).

    Example:

      familyhub rights outbox --out /secure/outbox
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.outbox import export_outbox

    with unit_of_work() as session:
        files = export_outbox(session, out_dir=out, actor=_actor(actor), organisation=partner)
    for path in files:
        console.print(str(path))
    if not files:
        console.print("Nothing to send.")


def register(app: typer.Typer) -> None:
    app.add_typer(rights_app, name="rights")

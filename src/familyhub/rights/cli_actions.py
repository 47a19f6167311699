"""``familyhub rights export|review-list|review|rectify|erase|restrict|object|lift|outbox``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from familyhub.console import console, err_console
from familyhub.rights.cli_common import ActorOption, actor_name, day_or_today, finish, rights_app


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
                actor=actor_name(actor),
                controller_name=load_controller().controller.name,
            )
        except ValueError as exc:
            err_console.print(f"[yellow]{exc}[/yellow]")
            raise typer.Exit(1) from None
    console.print(f"Written to {out}")


@rights_app.command("review-list")
def review_list_cmd(request_id: int) -> None:
    """Free text in a subject access export that may name other people: read each before
    release, and withhold or disclose with `rights review`.

    Example:

      familyhub rights review-list 12
    """
    from familyhub.db import unit_of_work
    from familyhub.rights.access import compile_export, items_to_review
    from familyhub.rights.requests import get_request

    with unit_of_work() as session:
        try:
            export = compile_export(session, request=get_request(session, request_id))
        except ValueError as exc:
            err_console.print(f"[yellow]{exc}[/yellow]")
            raise typer.Exit(1) from None
        table = Table(title="Free text to read before release")
        table.add_column("item", no_wrap=True)
        table.add_column("field")
        table.add_column("text")
        for key, column, text in items_to_review(export):
            table.add_row(key, column, text)
        console.print(table)


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
            actor=actor_name(actor),
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
            actor=actor_name(actor),
        )
    finish(outcome)


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
            session, request_id=request_id, actor=actor_name(actor), on=day_or_today(on)
        )
    finish(outcome)


def _restrict(request_id: int, kind: str, grounds: str, on: str | None, actor: str | None) -> None:
    from familyhub.db import unit_of_work
    from familyhub.rights.service import apply_restriction

    with unit_of_work() as session:
        outcome = apply_restriction(
            session,
            request_id=request_id,
            kind=kind,
            grounds=grounds,
            on=day_or_today(on),
            actor=actor_name(actor),
        )
    finish(outcome)


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
            session,
            person_id=person,
            kind=kind,
            on=day_or_today(on),
            reason=reason,
            actor=actor_name(actor),
        )
    if not done:
        err_console.print(f"no {kind} in force for {person}")
        raise typer.Exit(1)
    console.print(f"{kind} lifted")


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
        files = export_outbox(session, out_dir=out, actor=actor_name(actor), organisation=partner)
    for path in files:
        console.print(str(path))
    if not files:
        console.print("Nothing to send.")

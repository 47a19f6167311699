"""``familyhub audit``: verify the log, who viewed a record, alerts and their review."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from familyhub.console import console, err_console

audit_app = typer.Typer(
    help="The audit log: prove it intact, see who viewed a record, review alerts.",
    no_args_is_help=True,
)


def _operator(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


@audit_app.command("verify")
def verify_command(
    batch: Annotated[int, typer.Option(help="Events read per database round trip.")] = 20_000,
) -> None:
    """Prove the audit log intact (exit 0) or name the first bad event (exit 1).

    Checks the SHA-256 chain over every event and the Ed25519-signed checkpoints (the public
    key is read from the keys directory, FAMILYHUB_KEYS_DIR or DATA_DIR/keys).

    Examples:

      familyhub audit verify

      FAMILYHUB_KEYS_DIR=/secure/keys familyhub audit verify
    """
    from familyhub.audit.verify import verify
    from familyhub.db import unit_of_work

    with console.status("Verifying the audit chain..."), unit_of_work() as session:
        result = verify(session, batch=batch)
    if result.ok:
        console.print(
            f"[green]Audit log intact[/green]: {result.events:,} events, "
            f"{result.checkpoints:,} signed checkpoints, {result.rate:,.0f} events/s."
        )
        return
    err_console.print(f"[red]Audit log NOT intact.[/red] First bad event: {result.first_bad_seq}")
    err_console.print(result.problem or "")
    raise typer.Exit(code=1)


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the current head of the log and copy the checkpoint outside the database.

    Run it regularly (e.g. hourly from cron): a log cut short after an exported checkpoint
    is then caught by `familyhub audit verify` even if the database's checkpoints were
    removed too.

    Example:

      familyhub audit checkpoint
    """
    from familyhub.audit.service import write_checkpoint
    from familyhub.audit.verify import export_checkpoint
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        checkpoint = write_checkpoint(session)
    if checkpoint is None:
        console.print("The audit log is empty; nothing to sign.")
        return
    path = export_checkpoint(checkpoint)
    console.print(
        f"Signed event {checkpoint.seq} ({checkpoint.head_hash[:16]}...), copied to {path}."
    )


@audit_app.command("who-viewed")
def who_viewed_command(
    person: Annotated[str, typer.Argument(help="The person id.")],
    refused: Annotated[bool, typer.Option(help="Include refused attempts.")] = False,
    by: Annotated[
        str | None, typer.Option(help="Your username (information governance), for the audit.")
    ] = None,
) -> None:
    """List who looked at a person's record, when and why (for IG and subject access).

    The lookup is itself audited.

    Examples:

      familyhub audit who-viewed P000123

      familyhub audit who-viewed P000123 --refused --by ig.officer
    """
    from familyhub.access.auth import find_user
    from familyhub.access.decision import Context as DecisionContext
    from familyhub.access.decision import Principal, Resource, decide
    from familyhub.audit.queries import who_viewed
    from familyhub.audit.service import record, record_refusal
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        actor = find_user(session, username=by) if by else None
        if by and (actor is None or actor.disabled):
            record_refusal(
                session,
                actor=by,
                action="audit.who_viewed",
                records=[f"person:{person}"],
                purpose="information_governance",
                request_id=None,
                reason="unknown or disabled user",
            )
            err_console.print(f"[red]Unknown or disabled user {by!r}.[/red]")
            raise typer.Exit(code=1)
        decision = None
        if actor is not None:
            # Someone named: the policies decide (information governance reviews the audit).
            decision = decide(
                Principal.of(actor),
                "review_audit",
                Resource.service(),
                DecisionContext(purpose="information_governance"),
            )
            if not decision.allowed:
                record(
                    session,
                    actor=actor,
                    action="audit.who_viewed",
                    records=[f"person:{person}"],
                    decision=decision,
                    purpose="information_governance",
                    request_id=None,
                )
                session.commit()
                err_console.print(
                    "[red]Only information governance may see who viewed a record.[/red]"
                )
                raise typer.Exit(code=1)
        rows = who_viewed(session, person_id=person, include_refused=refused)
        record(
            session,
            actor=actor or _operator(by),
            action="audit.who_viewed",
            records=[f"person:{person}"],
            decision="allow",
            policy_ids=decision.policy_ids if decision else ["operator.command_line"],
            purpose="information_governance",
            request_id=None,
            details={"rows": len(rows)},
        )
    if not rows:
        console.print(f"Nobody has looked at {person}'s record.")
        return
    table = Table(title=f"Who viewed {person}")
    for column in ("When (UTC)", "Who", "Organisation", "Role", "Why", "What", "Decision"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.occurred_at.strftime("%Y-%m-%d %H:%M"),
            f"{row.display_name or row.username} ({row.username})",
            row.organisation or "",
            ", ".join(row.roles),
            (row.purpose or "").replace("_", " "),
            row.what,
            row.decision,
        )
    console.print(table)


@audit_app.command("alerts")
def alerts_command(
    close: Annotated[int | None, typer.Option(help="Close this alert (needs --note).")] = None,
    note: Annotated[str | None, typer.Option(help="What the review found and did.")] = None,
    by: Annotated[str | None, typer.Option(help="Your username (the reviewer).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Show closed alerts too.")] = False,
) -> None:
    """List open alerts for information governance, or close one with a review note.

    Examples:

      familyhub audit alerts

      familyhub audit alerts --close 12 --note "Checked with manager: duty call" --by ig.officer
    """
    from familyhub.access.auth import find_user
    from familyhub.audit.alerts import AlertError, close_alert, list_alerts
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        if close is not None:
            reviewer = find_user(session, username=by) if by else None
            try:
                alert = close_alert(
                    session, alert_id=close, reviewer=reviewer or _operator(by), note=note or ""
                )
            except AlertError as exc:
                err_console.print(f"[red]{exc}[/red]")
                raise typer.Exit(code=1) from exc
            console.print(f"Alert {alert.id} closed.")
            return
        alerts = list_alerts(session, status=None if all_ else "open")
        table = Table(title="Alerts" if all_ else "Open alerts")
        for column in ("Id", "Raised (UTC)", "Kind", "Summary", "Event", "Status", "Review"):
            table.add_column(column)
        for alert in alerts:
            table.add_row(
                str(alert.id),
                alert.raised_at.strftime("%Y-%m-%d %H:%M"),
                alert.kind.replace("_", " "),
                alert.summary,
                str(alert.event_seq),
                alert.status,
                alert.review_note or "",
            )
    if not alerts:
        console.print("No open alerts." if not all_ else "No alerts.")
        return
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")

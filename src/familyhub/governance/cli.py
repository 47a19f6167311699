"""``familyhub notice``, ``familyhub agreements ...`` and ``familyhub retention ...``."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from familyhub.console import console, err_console

agreements_app = typer.Typer(
    help="The register of data sharing agreements (the ICO data sharing code's fields).",
    no_args_is_help=True,
)
retention_app = typer.Typer(
    help="The retention schedule (from the source contracts), legal holds and the purge.",
    no_args_is_help=True,
)


def _day(text: str | None) -> date:
    return date.fromisoformat(text) if text else date.today()


def notice(
    fmt: str = typer.Option("html", "--format", "-f", help="html or md"),
    out: Path | None = typer.Option(None, help="Write to this file (default: print)."),
    today: str | None = typer.Option(None, help="Date the notice, YYYY-MM-DD (default: today)."),
) -> None:
    """Write the privacy notice from what the service is configured to do.

    Controller and DPO contact, purposes, data categories, lawful bases and gateways, every
    source and recipient organisation, retention, the rights and how to use them, and how to
    complain to the ICO: all from controller.yaml, the source contracts and the agreements.
    Change a contract and the notice changes.

    Examples:

      familyhub notice --format html --out privacy-notice.html

      familyhub notice --format md

      FAMILYHUB_GOVERNANCE_DIR=/etc/familyhub/governance familyhub notice --out notice.html
    """
    from familyhub.governance.notice import current_notice

    if fmt not in ("html", "md"):
        err_console.print("--format is html or md")
        raise typer.Exit(2)
    text = current_notice(fmt=fmt, today=_day(today))
    if out is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Privacy notice written to {out}")


@agreements_app.command("list")
def agreements_list(
    today: str | None = typer.Option(None, help="Judge review dates on this day."),
) -> None:
    """Every sharing agreement, its parties and review date (past ones flagged).

    Example:

      familyhub agreements list
    """
    from familyhub.governance.agreements import load_agreements

    day = _day(today)
    table = Table(title="Data sharing agreements")
    table.add_column("name", no_wrap=True)
    for col in ("title", "parties", "lawful basis", "review date"):
        table.add_column(col)
    for agreement in load_agreements().values():
        review = str(agreement.review_date)
        if agreement.review_overdue(day):
            review = f"[red]{review} PAST REVIEW DATE[/red]"
        table.add_row(
            agreement.name,
            agreement.title,
            ", ".join(agreement.organisations),
            "; ".join(agreement.lawful_basis.article_6),
            review,
        )
    console.print(table)


@agreements_app.command("show")
def agreements_show(name: str) -> None:
    """Every field of one agreement (by name or title).

    Example:

      familyhub agreements show northshire-mash-isa-2025
    """
    from familyhub.governance.agreements import find_agreement, load_agreements

    agreement = find_agreement(load_agreements(), name)
    if agreement is None:
        err_console.print(f"no agreement {name!r}")
        raise typer.Exit(1)
    for key, value in agreement.model_dump().items():
        console.print(f"[bold]{key}[/bold]: {value}")


@agreements_app.command("check")
def agreements_check(
    today: str | None = typer.Option(None, help="Judge review dates on this day."),
) -> None:
    """Check every source contract names an agreement in the register, with its organisation
    a party, and that no agreement is past its review date. Exits 1 on any problem.

    Example:

      familyhub agreements check
    """
    from familyhub.governance.agreements import load_agreements
    from familyhub.governance.flows import source_flows
    from familyhub.governance.service import agreement_problems

    problems = agreement_problems(source_flows(), load_agreements(), today=_day(today))
    for problem in problems:
        err_console.print(f"[yellow]{problem.subject}[/yellow]: {problem.problem}")
    if problems:
        raise typer.Exit(1)
    console.print("Every source names an agreement in the register; none is past review.")


@retention_app.command("schedule")
def retention_schedule() -> None:
    """The retention rule of every source, and which are kept by law.

    Example:

      familyhub retention schedule
    """
    from familyhub.governance.flows import source_flows
    from familyhub.rights.erasure import legal_obligations

    obligations = legal_obligations()
    table = Table(title="Retention schedule")
    table.add_column("source", no_wrap=True)
    for col in ("organisation", "rule", "years", "counted from", "kept by law"):
        table.add_column(col)
    for flow in source_flows():
        table.add_row(
            flow.source,
            flow.organisation,
            flow.retention_rule,
            str(flow.retention_years),
            flow.retention_after,
            "yes" if flow.source in obligations else "",
        )
    console.print(table)


@retention_app.command("run")
def retention_run(
    dry_run: bool = typer.Option(False, "--dry-run", help="List what is due; destroy nothing."),
    today: str | None = typer.Option(None, help="Run as of this day (default: today)."),
    report_dir: Path | None = typer.Option(
        None, help="Where the report goes (default: DATA_DIR/retention)."
    ),
    actor: str | None = typer.Option(None, help="Who runs it (default: the login name)."),
) -> None:
    """Destroy what is past its retention rule: one transaction per person, and a report.

    Records past their source's rule go with their events, relationships, links and derived
    evidence; a person with nothing left (and no open involvement) is erased with a
    tombstone. Legal holds are respected.

    Examples:

      familyhub retention run --dry-run

      familyhub retention run
    """
    from familyhub.config import get_settings
    from familyhub.db import unit_of_work
    from familyhub.governance.flows import source_flows
    from familyhub.governance.retention import run_retention, write_report

    report = run_retention(
        flows=source_flows(),
        today=_day(today),
        dry_run=dry_run,
        actor=actor or getpass.getuser(),
        transaction=unit_of_work,
    )
    path = write_report(report, report_dir or get_settings().data_dir / "retention")
    table = Table(title=("Would destroy" if dry_run else "Destroyed") + f" ({len(report.due)})")
    for col in ("what", "source", "record", "person", "rule", "kept until", "held"):
        table.add_column(col)
    for item in report.due[:200]:
        table.add_row(
            item.kind,
            item.source,
            item.record_id,
            item.person_id or "",
            item.rule,
            item.keep_until,
            "HELD" if item.held else "",
        )
    console.print(table)
    if not dry_run:
        console.print(
            f"{report.persons_done} person(s) or record(s) done, {report.persons_erased} "
            f"person(s) erased entirely, {report.persons_held} held; rows: {report.rows_removed}"
        )
    for error in report.errors:
        err_console.print(f"[red]{error}[/red]")
    console.print(f"Report: {path}")
    if report.errors:
        raise typer.Exit(1)


@retention_app.command("hold")
def retention_hold(
    person: str,
    reason: str = typer.Option(..., help="Why, e.g. litigation or a serious case review."),
    on: str | None = typer.Option(None),
    actor: str | None = typer.Option(None),
) -> None:
    """Place a legal hold: keep the person's data past its rule and refuse its erasure.

    Example:

      familyhub retention hold 3f9c... --reason "serious case review SCR-2026-04"
    """
    from familyhub.db import unit_of_work
    from familyhub.governance.models import LegalHold

    with unit_of_work() as session:
        hold = LegalHold(
            person_id=person,
            reason=reason,
            placed_by=actor or getpass.getuser(),
            placed_on=_day(on),
        )
        session.add(hold)
        session.flush()
        console.print(f"Legal hold {hold.id} placed on {person}")


@retention_app.command("release")
def retention_release(
    hold_id: int, on: str | None = typer.Option(None), actor: str | None = typer.Option(None)
) -> None:
    """Release a legal hold.

    Example:

      familyhub retention release 3
    """
    from familyhub.db import unit_of_work
    from familyhub.governance.models import LegalHold

    with unit_of_work() as session:
        hold = session.get(LegalHold, hold_id)
        if hold is None or hold.released_on is not None:
            err_console.print(f"no hold {hold_id} in force")
            raise typer.Exit(1)
        hold.released_on = _day(on)
        hold.released_by = actor or getpass.getuser()
    console.print(f"Legal hold {hold_id} released")


def register(app: typer.Typer) -> None:
    app.command("notice")(notice)
    app.add_typer(agreements_app, name="agreements")
    app.add_typer(retention_app, name="retention")

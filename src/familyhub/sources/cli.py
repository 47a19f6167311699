"""``familyhub ingest`` and ``familyhub sources list|check``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from familyhub.console import console, err_console, progress

sources_app = typer.Typer(
    help="Partner sources: their contracts, extracts and quarantine.", no_args_is_help=True
)


def ingest(
    path: Path = typer.Argument(..., help="An extract file, or a drop folder of them."),
    source: str | None = typer.Option(
        None, "--source", "-s", help="Load every file under this contract (name or YAML path)."
    ),
    actor: str | None = typer.Option(None, help="Who is loading (default: the login name)."),
) -> None:
    """Load partner extracts: each file under the contract whose file pattern claims it.

    Every file loads whole or not at all. Loading the same file again changes nothing. Bad
    rows go to quarantine with the file, row, field and reason; `familyhub sources list`
    shows them.

    Examples:

      familyhub ingest /data/drop/

      familyhub ingest police_incidents_2026-09-30.csv

      familyhub ingest export.csv --source police_incidents

      FAMILYHUB_CONTRACTS_DIR=/etc/familyhub/contracts familyhub ingest /data/drop/
    """
    from familyhub.db import unit_of_work
    from familyhub.sources.contract import ContractError
    from familyhub.sources.service import default_actor, ingest_file, plan_ingest

    try:
        planned = plan_ingest(path, source=source)
    except (ContractError, FileNotFoundError) as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not planned:
        err_console.print(f"{path}: no files to load")
        raise typer.Exit(1)
    who = actor or default_actor()
    failures = 0
    for item in planned:
        if item.entry is None:
            failures += 1
            err_console.print(f"[yellow]{item.problem}[/yellow]")
            continue
        with progress() as bar:
            task = bar.add_task(f"{item.path.name} -> {item.entry.contract.name}", total=None)
            with unit_of_work() as session:
                outcome = ingest_file(
                    item.path,
                    item.entry.contract,
                    session=session,
                    actor=who,
                    on_progress=lambda n, task=task: bar.update(task, completed=n),  # type: ignore[misc]
                )
            bar.update(task, completed=outcome.rows_read, total=outcome.rows_read or 1)
        if outcome.status == "refused":
            failures += 1
            err_console.print(f"[red]{outcome.message}[/red]")
            for q in outcome.quarantine[:5]:
                where = f"row {q.row_number}" + (f", field {q.field}" if q.field else "")
                err_console.print(f"  {item.path.name}: {where}: {q.reason}")
        else:
            console.print(outcome.message)
            for q in [q for q in outcome.quarantine if q.action == "row_quarantined"][:5]:
                where = f"row {q.row_number}" + (f", field {q.field}" if q.field else "")
                console.print(f"  quarantined: {item.path.name}: {where}: {q.reason}")
    if failures:
        raise typer.Exit(1)


@sources_app.command("list")
def list_command() -> None:
    """Show each source: its contract, last extract, record counts and quarantine.

    Example:

      familyhub sources list
    """
    from familyhub.db import unit_of_work
    from familyhub.sources.service import describe_when, list_sources

    with unit_of_work() as session:
        summaries = list_sources(session=session)
    table = Table(title="Partner sources")
    for col in ("source", "kind", "active", "withdrawn", "last extract", "status", "when"):
        table.add_column(col)
    table.add_column("rows", justify="right")
    table.add_column("quarantined", justify="right")
    for s in summaries:
        last = s.last_extract
        table.add_row(
            s.name,
            s.kind,
            f"{s.records_active:,}",
            f"{s.records_withdrawn:,}",
            last.file_name if last else "-",
            last.status if last else "never loaded",
            describe_when(last.started_at) if last else "-",
            f"{last.rows_read:,}" if last else "-",
            f"{last.rows_quarantined:,}" if last else "-",
        )
    console.print(table)


@sources_app.command("check")
def check_command(
    contract: str = typer.Argument(..., help="A contract name, or the path of a contract YAML."),
    sample: Path | None = typer.Argument(None, help="A sample extract to try the contract on."),
    rows: int = typer.Option(5, help="How many rows of the sample to show."),
) -> None:
    """Validate a contract, and show what each column of a sample file becomes.

    Examples:

      familyhub sources check police_incidents

      familyhub sources check ./contracts/new_partner.yaml sample.csv --rows 3
    """
    from familyhub.sources.contract import ContractError
    from familyhub.sources.registry import find_contract
    from familyhub.sources.service import check_contract

    try:
        entry = find_contract(contract)
    except ContractError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{entry.path}: the contract {entry.contract.name!r} is valid.[/green]")
    if sample is None:
        return
    report = check_contract(entry, sample, rows=rows)
    table = Table(title=f"{sample.name} under {entry.contract.name}")
    table.add_column("column")
    table.add_column("becomes")
    table.add_column("in file")
    for col, meaning, present in report.columns:
        table.add_row(col, meaning, "yes" if present else "[red]MISSING[/red]")
    console.print(table)
    if report.extra_columns:
        console.print(f"Columns not used: {', '.join(report.extra_columns)}")
    for record in report.rows:
        console.print(record)
    for problem in report.problems:
        err_console.print(f"[yellow]{problem}[/yellow]")
    if any("missing columns" in p or "refused" in p for p in report.problems) or (
        report.problems and not report.rows
    ):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(sources_app, name="sources")

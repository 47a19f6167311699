"""Commands: ``link`` (``report``, ``explain``), ``review``, ``match``, ``export links``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from familyhub.console import console, err_console, progress

link_app = typer.Typer(
    help="Link source records into persons (run with no sub-command for a full run).",
    invoke_without_command=True,
)
review_app = typer.Typer(
    help="The review queue: pairs the model was unsure about, and your decisions.",
    invoke_without_command=True,
)


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@link_app.callback()
def link_command(
    ctx: typer.Context,
    incremental: bool = typer.Option(
        False, "--incremental", help="Link only records new or changed since the last run."
    ),
    retrain: bool = typer.Option(
        False, "--retrain", help="Train a new model instead of reusing the saved one."
    ),
    backend: str = typer.Option("duckdb", help="duckdb (default) or spark (pyspark, local)."),
    actor: str | None = typer.Option(None, help="Who is running it (default: login name)."),
) -> None:
    """Link every source record into persons: score, cluster, keep ids, golden records.

    A full run trains a model the first time (or with --retrain) and reuses the saved one
    afterwards. Person ids stay stable; merges and splits are recorded. Manual decisions
    (familyhub review) are always applied.

    Examples:

      familyhub link

      familyhub link --incremental

      familyhub link --retrain

      familyhub link --backend spark

      familyhub link report --out var/linkage-report.html --truth var/synth/truth
    """
    if ctx.invoked_subcommand is not None:
        return
    from familyhub.db import unit_of_work
    from familyhub.linkage import service

    who = _actor(actor)
    with progress() as bar:
        task = bar.add_task("linking" + (" (incremental)" if incremental else ""), total=None)
        try:
            with unit_of_work() as session:
                if backend == "spark":
                    from familyhub.linkage.spark import link_on_spark

                    summary = link_on_spark(session=session, actor=who, retrain=retrain)
                elif backend != "duckdb":
                    raise ValueError(f"unknown backend {backend!r}: use duckdb or spark")
                elif incremental:
                    from familyhub.linkage.incremental import link_incremental

                    summary = link_incremental(session=session, actor=who)
                else:
                    summary = service.link(session=session, actor=who, retrain=retrain)
        except (ValueError, FileNotFoundError, LookupError) as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        bar.update(task, total=1, completed=1)
    _print_summary(summary)


def _print_summary(summary: dict[str, object]) -> None:
    console.print(
        f"Run {summary.get('run_id')}: {summary.get('records_linked', 0):,} records linked to "
        f"{summary.get('persons', 0):,} persons (model {summary.get('model_version')})."
    )
    console.print(f"Person id changes: {summary.get('id_events') or 'none'}.")
    console.print(f"Review queue: {summary.get('review_queue_open', 0):,} open pairs.")
    timings = summary.get("timings_seconds") or {}
    if isinstance(timings, dict):
        console.print("Time: " + ", ".join(f"{k} {v} s" for k, v in timings.items()))
    cpu = summary.get("cpu_seconds") or {}
    if isinstance(cpu, dict) and cpu:
        console.print("CPU: " + ", ".join(f"{k} {v} s" for k, v in cpu.items()))
    for warning in summary.get("warnings") or []:  # type: ignore[attr-defined]
        err_console.print(f"[yellow]warning:[/yellow] {warning}")


@link_app.command("report")
def report_command(
    out: Path = typer.Option(Path("var/linkage-report.html"), help="Where to write the HTML."),
    truth: Path | None = typer.Option(
        None, help="A `familyhub synth` truth folder: adds precision, recall and F1."
    ),
) -> None:
    """Write the linkage quality report (HTML): parameters, weights, clusters, review queue.

    With --truth (synthetic data only) it adds pairwise and B-cubed precision, recall and
    F1, overall and per name-origin group, and the twin and namesake pairs merged.

    Examples:

      familyhub link report --out var/linkage-report.html

      familyhub link report --out report.html --truth var/synth/truth
    """
    from familyhub.db import unit_of_work
    from familyhub.linkage.report import write_report

    with progress() as bar:
        task = bar.add_task("writing the linkage report", total=None)
        try:
            with unit_of_work() as session:
                figures = write_report(session=session, out=out, truth=truth)
        except (FileNotFoundError, LookupError, ValueError) as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        bar.update(task, total=1, completed=1)
    console.print(f"Report written to {out}.")
    overall = figures.get("quality", {}).get("overall") if figures.get("quality") else None
    if overall:
        console.print(
            f"pairwise precision {overall['pairwise_precision']:.4f}, recall "
            f"{overall['pairwise_recall']:.4f}, F1 {overall['pairwise_f1']:.4f}; "
            f"B-cubed F1 {overall['bcubed_f1']:.4f}"
        )


@link_app.command("explain")
def explain_command(
    record_a: int = typer.Argument(..., help="A source record id."),
    record_b: int = typer.Argument(..., help="Another source record id."),
    chart: Path | None = typer.Option(None, help="Also write the Vega-Lite chart (JSON)."),
) -> None:
    """Show the match-weight waterfall for two source records: what agreed and how much.

    Examples:

      familyhub link explain 1041 2230

      familyhub link explain 1041 2230 --chart waterfall.vl.json
    """
    from familyhub.db import unit_of_work
    from familyhub.linkage import service
    from familyhub.linkage.explain import explain_pair

    with unit_of_work() as session:
        model = service.active_model(session=session)
        if model is None:
            err_console.print("[red]no trained model yet: run familyhub link[/red]")
            raise typer.Exit(2)
        settings = model.settings
    try:
        explanation = explain_pair(service.cache_path(), settings, record_a, record_b)
    except (LookupError, FileNotFoundError) as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(explanation.as_text(), markup=False, highlight=False)
    if chart is not None:
        chart.write_text(json.dumps(explanation.chart, default=str))
        console.print(f"Chart written to {chart}.")


@review_app.callback()
def review_command(
    ctx: typer.Context,
    limit: int = typer.Option(20, help="How many open pairs to list."),
) -> None:
    """List the open review pairs (most likely matches first); decide with `review decide`.

    Examples:

      familyhub review

      familyhub review decide 17 --link --by "A. Patel" --reason "same NHS number, typo in DOB"

      familyhub review decide 18 --do-not-link --by "A. Patel" --reason "twins"
    """
    if ctx.invoked_subcommand is not None:
        return
    from familyhub.db import unit_of_work
    from familyhub.linkage.review import count_open, open_items

    with unit_of_work() as session:
        items = open_items(session=session, limit=limit)
        total = count_open(session=session)
    table = Table(title=f"Review queue: {total:,} open")
    for column in ("id", "probability", "record A", "record B", "why"):
        table.add_column(column)
    for item in items:
        table.add_row(
            str(item.pair.id),
            f"{item.pair.match_probability:.3f}",
            _describe(item.record_a),
            _describe(item.record_b),
            item.pair.reason,
        )
    console.print(table)


def _describe(record: dict[str, object]) -> str:
    parts = [
        f"{record.get('source', '?')}:{record.get('record_id', record.get('id'))}",
        f"{record.get('given_name') or ''} {record.get('family_name') or ''}".strip(),
        str(record.get("date_of_birth") or "no DOB"),
        str(record.get("postcode") or ""),
        f"NHS {record['nhs_number']}" if record.get("nhs_number") else "",
    ]
    return "\n".join(p for p in parts if p)


@review_app.command("decide")
def decide_command(
    review_id: int | None = typer.Argument(None, help="The review item's id."),
    link: bool = typer.Option(False, "--link", help="They are the same person."),
    do_not_link: bool = typer.Option(False, "--do-not-link", help="They are not."),
    by: str | None = typer.Option(None, help="Who decides (default: login name)."),
    reason: str = typer.Option(..., help="Why: kept with the decision for good."),
    records: tuple[int, int] | None = typer.Option(
        None, help="Decide about two source record ids instead of a review item."
    ),
) -> None:
    """Decide a review item (or any two records): link or do-not-link, with who and why.

    The decision is never overwritten by a later run or a retrained model; do-not-link also
    splits a cluster that would hold both. It takes effect at the next run.

    Examples:

      familyhub review decide 17 --link --by "A. Patel" --reason "same person, new surname"

      familyhub review decide --records 1041 2230 --do-not-link --reason "father and son"
    """
    from familyhub.db import unit_of_work
    from familyhub.linkage.review import decide

    if link == do_not_link:
        err_console.print("[red]say --link or --do-not-link[/red]")
        raise typer.Exit(2)
    try:
        with unit_of_work() as session:
            made = decide(
                session=session,
                decision="link" if link else "do_not_link",
                decided_by=_actor(by),
                reason=reason,
                review_id=review_id,
                record_a=records[0] if records else None,
                record_b=records[1] if records else None,
            )
            summary = f"{made.decision} records {made.record_a} and {made.record_b}"
    except (ValueError, LookupError) as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Decided: {summary}. Run `familyhub link --incremental` to apply it.")


def match_command(
    given_name: str | None = typer.Option(None, "--given", help="Given name."),
    family_name: str | None = typer.Option(None, "--family", help="Family name."),
    date_of_birth: str | None = typer.Option(None, "--dob", help="Date of birth, YYYY-MM-DD."),
    sex: str | None = typer.Option(None, help="M or F."),
    nhs_number: str | None = typer.Option(None, "--nhs", help="NHS number."),
    postcode: str | None = typer.Option(None, help="Postcode."),
    limit: int = typer.Option(10, help="How many candidates."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find candidate persons for a set of identity fields, with scores. Creates nothing.

    Examples:

      familyhub match --given Jon --family Smith --dob 2015-03-02 --postcode "NS3 7QD"

      familyhub match --nhs "485 777 3456" --json
    """
    from familyhub.db import unit_of_work
    from familyhub.linkage import service
    from familyhub.linkage.match import matcher_for

    fields = {
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "nhs_number": nhs_number,
        "postcode": postcode,
    }
    with unit_of_work() as session:
        try:
            found = matcher_for(session, service.cache_path())
            if found is None:
                err_console.print("[red]no trained model yet: run familyhub link[/red]")
                raise typer.Exit(2)
            candidates = found.match(fields, session=session, limit=limit)
        except (FileNotFoundError, ValueError) as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    if as_json:
        console.print_json(json.dumps([c.as_dict() for c in candidates]))
        return
    table = Table(title=f"{len(candidates)} candidate(s)")
    for column in ("person", "probability", "weight", "best record", "note"):
        table.add_column(column)
    for c in candidates:
        note = f"cannot be the same: {c.cannot_link_rule}" if c.cannot_link_rule else ""
        table.add_row(
            c.person_id,
            f"{c.match_probability:.4f}",
            f"{c.match_weight:.1f}",
            str(c.best_record_id),
            note,
        )
    console.print(table)


def export_links_command(
    out: Path = typer.Option(..., help="Output file: .csv or .parquet."),
) -> None:
    """Write every link as `source, source_record_id, person_id` (CSV or Parquet).

    Examples:

      familyhub export links --out var/links.csv

      familyhub export links --out var/links.parquet
    """
    from familyhub.db import unit_of_work
    from familyhub.linkage.service import export_links

    try:
        with unit_of_work() as session:
            n = export_links(session=session, out=out)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{n:,} links written to {out}.")


def _export_group(app: typer.Typer) -> typer.Typer:
    """The shared ``familyhub export`` group (other stages add their exports to it)."""
    for group in app.registered_groups:
        if group.name == "export" and group.typer_instance is not None:
            return group.typer_instance
    export_app = typer.Typer(help="Export data for other tools to check.", no_args_is_help=True)
    app.add_typer(export_app, name="export")
    return export_app


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")
    app.add_typer(review_app, name="review")
    app.command("match")(match_command)
    _export_group(app).command("links")(export_links_command)

"""``familyhub insight``: disclosure-controlled counts, pseudonymised extracts, keys.

Thin: parse, call :mod:`familyhub.insight.service`, say what happened. Every refusal is a
message saying why and what to do, with exit code 2, and nothing written.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer

from familyhub.console import console, err_console, progress

insight_app = typer.Typer(
    help="Counts for planners that never identify anyone, pseudonymised extracts, and the "
    "national evaluation return.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="Pseudonymisation keys: the master key file and each purpose's key versions.",
    no_args_is_help=True,
)
insight_app.add_typer(keys_app, name="keys")


def register(app: typer.Typer) -> None:
    app.add_typer(insight_app, name="insight")


@contextmanager
def _refusals() -> Iterator[None]:
    from familyhub.insight.areas import AreaLookupError
    from familyhub.insight.disclosure import DisclosureError
    from familyhub.insight.keys import InsightKeyError
    from familyhub.insight.purposes import UnknownPurposeError
    from familyhub.insight.service import InsightRefusedError

    try:
        yield
    except (
        AreaLookupError,
        DisclosureError,
        FileExistsError,
        InsightKeyError,
        InsightRefusedError,
        UnknownPurposeError,
        ValueError,
    ) as exc:
        err_console.print(f"[red]Refused:[/red] {exc}")
        raise typer.Exit(2) from exc


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _with_progress(description: str, work: Callable[[], Any]) -> Any:
    with progress() as bar:
        task = bar.add_task(description, total=None)
        result = work()
        bar.update(task, total=1, completed=1)
    return result


def _load(as_of: date | None) -> Any:
    from familyhub.db import unit_of_work
    from familyhub.insight.dataset import load_from_database

    with unit_of_work() as session:
        data = _with_progress(
            "Reading people, families and needs",
            lambda: load_from_database(session=session, as_of=as_of or date.today()),
        )
    for gap in data.gaps:
        err_console.print(f"[yellow]Note:[/yellow] {gap}")
    return data


def _lookup(path: Path | None) -> Any:
    if path is None:
        return None
    from familyhub.insight.areas import AreaLookup

    return AreaLookup.from_csv(path)


AsOf = typer.Option(None, "--as-of", help="Date the data is read as at (default today).")
ActorOpt = typer.Option(None, "--actor", help="Who is producing this (default: OS user).")
LookupOpt = typer.Option(
    None, "--area-lookup", help="CSV mapping postcode to ward and LSOA (e.g. from ONS)."
)


@insight_app.command("counts")
def counts(
    by: str = typer.Option(
        ..., "--by", help="Comma-separated: need, area, and one of month, quarter, year."
    ),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    unit: str = typer.Option("families", "--unit", help="Count families or people."),
    purpose: str = typer.Option("service_planning", "--purpose", help="Purpose (sets rules)."),
    threshold: int | None = typer.Option(
        None, "--threshold", help="Suppress counts 1..N (at least the purpose's; e.g. 10)."
    ),
    min_needs: int = typer.Option(1, "--min-needs", help="Only units with this many needs."),
    status: str | None = typer.Option(
        None, "--status", help="Need statuses that count (default: the rules file's, for 3+)."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only those first evidenced in or after this month (YYYY-MM)."
    ),
    area_level: str = typer.Option("district", "--area-level", help="district, ward or lsoa."),
    area_lookup: Path | None = LookupOpt,
    as_of: str | None = AsOf,
    actor: str | None = ActorOpt,
) -> None:
    """Write disclosure-controlled counts of families or people (suppressed cells are `c`).

    Counts of 1 to 7 (or --threshold) are suppressed, the rest rounded to the nearest 5,
    and more cells suppressed so that no hidden count can be worked out from the totals.

    Examples:

      familyhub insight counts --by need,area,month --out needs.csv

      familyhub insight counts --by area --min-needs 3 --out three-plus.csv

      familyhub insight counts --by need,month --unit people --threshold 10 --out n.csv

      familyhub insight counts --by area,quarter --since 2025-01 --out quarters.csv
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.aggregates import CountsSpec
    from familyhub.insight.service import aggregate_purpose, produce_counts

    with _refusals():
        aggregate_purpose(purpose)
        spec = CountsSpec(
            by=tuple(p.strip() for p in by.split(",") if p.strip()),
            unit=unit,  # type: ignore[arg-type]  # checked by CountsSpec
            min_needs=min_needs,
            area_level=area_level,
            since=since,
        )
        if status:
            spec.statuses = tuple(s.strip() for s in status.split(",") if s.strip())
        lookup = _lookup(area_lookup)
        data = _load(date.fromisoformat(as_of) if as_of else None)
        with unit_of_work() as session:
            outcome = produce_counts(
                session=session,
                data=data,
                spec=spec,
                purpose=purpose,
                out=out,
                actor=_actor(actor),
                threshold=threshold,
                lookup=lookup,
            )
    for line in outcome.raw.coverage.describe():
        err_console.print(f"[yellow]Note:[/yellow] {line}")
    table = outcome.table
    console.print(
        f"Wrote {len(table.cells)} cells to [bold]{out}[/bold]: {table.primary_suppressed} "
        f"suppressed as small (1-{table.rules.threshold}), {table.secondary_suppressed} more "
        "to protect them; the rest rounded to the nearest 5."
    )


@insight_app.command("extract")
def extract(
    purpose: str = typer.Option(..., "--purpose", help="Purpose of the extract."),
    out: Path = typer.Option(..., "--out", help="File to write (.csv or .parquet)."),
    k: int | None = typer.Option(None, "--k", help="k for k-anonymity (>= the purpose's)."),
    area_lookup: Path | None = LookupOpt,
    as_of: str | None = AsOf,
    actor: str | None = ActorOpt,
) -> None:
    """Write a pseudonymised, k-anonymous extract for a purpose (no direct identifiers).

    Pseudonyms are keyed per purpose: two purposes' extracts cannot be joined. Rows whose
    age band, sex, area and household type are shared by fewer than k rows are generalised
    or held back, and the summary says how many.

    Examples:

      familyhub insight extract --purpose service_planning --out planning.csv

      familyhub insight extract --purpose research --k 10 --out research.parquet
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.keys import current_purpose_key
    from familyhub.insight.service import aggregate_purpose, produce_extract

    with _refusals():
        aggregate_purpose(purpose)
        with unit_of_work() as session:  # a missing key stops us before any data is read
            current_purpose_key(session=session, purpose=purpose)
        lookup = _lookup(area_lookup)
        data = _load(date.fromisoformat(as_of) if as_of else None)
        with unit_of_work() as session:
            outcome = _with_progress(
                "Pseudonymising and checking k-anonymity",
                lambda: produce_extract(
                    session=session,
                    data=data,
                    purpose=purpose,
                    out=out,
                    actor=_actor(actor),
                    lookup=lookup,
                    k=k,
                ),
            )
    for line in outcome.result.coverage.describe():
        err_console.print(f"[yellow]Note:[/yellow] {line}")
    console.print(
        f"Wrote {outcome.output.row_count} {outcome.result.level} rows to [bold]{out}[/bold] "
        f"(key version {outcome.output.key_version}). {outcome.result.report.describe()}."
    )


@insight_app.command("evaluation-return")
def evaluation_return(
    user: str = typer.Option(..., "--user", help="Username producing it (needs a named role)."),
    recipient: str = typer.Option(..., "--recipient", help="Organisation it is sent to."),
    agreement: str = typer.Option(..., "--agreement", help="Data sharing agreement (name)."),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    as_of: str | None = AsOf,
) -> None:
    """Write the national evaluation return: identifiers of eligible families only.

    Allowed only for the roles the access policies name, for a recipient who is a party to
    the named agreement; every attempt, allowed or refused, is written to the audit log.

    Example:

      familyhub insight evaluation-return --user sf.lead --recipient "Department for Work
      and Pensions" --agreement dwp-supporting-families-dsa-2025 --out return.csv
    """
    from sqlalchemy import select

    from familyhub.access import Principal
    from familyhub.access.models import User
    from familyhub.db import unit_of_work
    from familyhub.insight.evaluation import EvaluationRefusedError, produce_evaluation_return

    with _refusals():
        data = _load(date.fromisoformat(as_of) if as_of else None)
        refusal: EvaluationRefusedError | None = None
        with unit_of_work() as session:
            account = session.scalars(select(User).where(User.username == user)).first()
            if account is None or account.disabled:
                raise ValueError(f"No active user {user!r}.")
            try:
                outcome = produce_evaluation_return(
                    session=session,
                    principal=Principal.of(account),
                    data=data,
                    recipient=recipient,
                    agreement=agreement,
                    out=out,
                )
            except EvaluationRefusedError as exc:
                refusal = exc  # commit the audit event of the refusal, then report it
        if refusal is not None:
            raise refusal
    for warning in outcome.warnings:
        err_console.print(f"[yellow]Note:[/yellow] {warning}")
    console.print(
        f"Wrote {outcome.people} people in {outcome.families} eligible families to "
        f"[bold]{out}[/bold] for {recipient} under {agreement}; recorded in the audit log."
    )


@insight_app.command("charts")
def charts(
    out: Path = typer.Option(..., "--out", help="Folder for the SVGs and their CSVs."),
    boundaries: Path | None = typer.Option(
        None, "--boundaries", help="GeoJSON of the council's areas (default: synthetic NS1-NS8)."
    ),
    code_property: str | None = typer.Option(
        None, "--code-property", help="Feature property holding the area code."
    ),
    area_lookup: Path | None = LookupOpt,
    purpose: str = typer.Option("service_planning", "--purpose", help="Purpose (sets rules)."),
    as_of: str | None = AsOf,
    actor: str | None = ActorOpt,
) -> None:
    """Write the planner dashboard's charts as SVG, each with the CSV of exactly what it shows.

    Needs by area, needs newly identified by month, and a map of families with 3+ needs;
    every figure has passed disclosure control.

    Examples:

      familyhub insight charts --out var/charts

      familyhub insight charts --boundaries wards.geojson --code-property WD25CD \\
          --area-lookup postcode_lookup.csv --out var/charts
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.geo import BoundaryError, load_boundaries
    from familyhub.insight.service import planner_dashboard, write_charts

    with _refusals():
        try:
            shapes = load_boundaries(boundaries, code_property=code_property)
        except BoundaryError as exc:
            raise ValueError(str(exc)) from exc
        lookup = _lookup(area_lookup)
        with unit_of_work() as session:
            drawn = _with_progress(
                "Counting and drawing",
                lambda: planner_dashboard(
                    session=session,
                    as_of=date.fromisoformat(as_of) if as_of else None,
                    lookup=lookup,
                    boundaries=shapes,
                    purpose=purpose,
                ),
            )
            written = write_charts(
                session=session, charts=drawn, folder=out, purpose=purpose, actor=_actor(actor)
            )
    for chart in drawn:
        for note in chart.notes:
            err_console.print(f"[yellow]{chart.title}:[/yellow] {note}")
    console.print(f"Wrote {len(written)} files to [bold]{out}[/bold].")


@keys_app.command("init")
def keys_init() -> None:
    """Create the master key file (once per installation; back it up apart from the database).

    Example:

      FAMILYHUB_KEYS_DIR=/secure/keys familyhub insight keys init
    """
    from familyhub.insight.keys import init_master_key

    with _refusals():
        path = init_master_key()
    console.print(f"Master key written to [bold]{path}[/bold] (readable by its owner only).")


@keys_app.command("create")
def keys_create(
    purpose: str = typer.Option(..., "--purpose", help="Purpose to create a key for."),
    actor: str | None = ActorOpt,
) -> None:
    """Create version 1 of a purpose's pseudonymisation key.

    Example:

      familyhub insight keys create --purpose service_planning
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.keys import create_purpose_key

    with _refusals(), unit_of_work() as session:
        row = create_purpose_key(session=session, purpose=purpose, actor=_actor(actor))
        console.print(f"Purpose [bold]{row.purpose}[/bold] has key version {row.version}.")


@keys_app.command("rotate")
def keys_rotate(
    purpose: str = typer.Option(..., "--purpose", help="Purpose whose key to rotate."),
    actor: str | None = ActorOpt,
) -> None:
    """Start a new key version for a purpose: every pseudonym it issues changes.

    Example:

      familyhub insight keys rotate --purpose research
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.keys import rotate_purpose_key

    with _refusals(), unit_of_work() as session:
        row = rotate_purpose_key(session=session, purpose=purpose, actor=_actor(actor))
        console.print(
            f"Purpose [bold]{row.purpose}[/bold] now uses key version {row.version}; "
            "pseudonyms issued before will not match new ones."
        )


@keys_app.command("list")
def keys_list() -> None:
    """List purposes' key versions (never the keys).

    Example:

      familyhub insight keys list
    """
    from familyhub.db import unit_of_work
    from familyhub.insight.keys import list_purpose_keys

    with unit_of_work() as session:
        rows = list_purpose_keys(session=session)
        if not rows:
            console.print("No purpose keys yet: familyhub insight keys create --purpose NAME")
        for row in rows:
            state = f"retired {row.retired_at:%Y-%m-%d}" if row.retired_at else "current"
            console.print(
                f"{row.purpose}  v{row.version}  {state}  created {row.created_at:%Y-%m-%d} "
                f"by {row.created_by}"
            )

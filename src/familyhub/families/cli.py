"""``familyhub families``: rebuild households and families after linkage."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer

from familyhub.console import console, err_console, progress


def families(
    as_of: str | None = typer.Option(
        None, "--as-of", help="Build families as they are on this day (YYYY-MM-DD; default today)."
    ),
    links: Path | None = typer.Option(
        None,
        "--links",
        help="A CSV of source, record_id, person_id to use instead of linkage's links.",
        exists=True,
        dir_okay=False,
    ),
    actor: str | None = typer.Option(None, help="Who is running it (default: the login name)."),
) -> None:
    """Rebuild households, stated relationships and families from the linked records.

    A family is a household with a dependent child (under 16, or 16 to 18 and in education) or
    an expectant parent, plus any parent a source relates to a child who lives elsewhere.
    Family ids stay the same from one rebuild to the next; people joining and leaving are
    kept as history.

    Examples:

      familyhub families

      familyhub families --as-of 2026-09-30

      familyhub families --links links.csv
    """
    from familyhub.db import unit_of_work
    from familyhub.families.inputs import NoLinksError
    from familyhub.families.service import rebuild_families

    day = date.fromisoformat(as_of) if as_of else None
    try:
        with progress() as bar:
            task = bar.add_task("building households and families", total=None)
            with unit_of_work() as session:
                summary = rebuild_families(
                    session, actor=actor or getpass.getuser(), as_of=day, links_file=links
                )
            bar.update(task, total=1, completed=1)
    except NoLinksError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(
        f"{summary.families} families ({summary.members} members) in {summary.households} "
        f"households as of {summary.as_of}: {summary.formed} formed, {summary.ended} ended, "
        f"{summary.joined} joined, {summary.left} left."
    )


def register(app: typer.Typer) -> None:
    app.command("families")(families)

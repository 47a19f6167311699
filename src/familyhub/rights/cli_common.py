"""What the ``familyhub rights`` commands share: the sub-app and small helpers."""

from __future__ import annotations

import getpass
from datetime import date
from typing import Any

import typer

from familyhub.console import console, err_console

rights_app = typer.Typer(
    help="Data subjects' rights: access, rectification, erasure, restriction, portability, "
    "objection; their deadlines; the partner outbox.",
    no_args_is_help=True,
)

ActorOption = typer.Option(None, "--actor", help="Who is acting (default: the login name).")


def actor_name(actor: str | None) -> str:
    return actor or getpass.getuser()


def day_or_today(text: str | None) -> date:
    return date.fromisoformat(text) if text else date.today()


def finish(outcome: Any) -> None:
    """Print a step's outcome; a refused step exits 1 (it is recorded all the same)."""
    if outcome.done:
        console.print(f"[green]{outcome.message}[/green]")
    else:
        err_console.print(f"[yellow]{outcome.message}[/yellow] (recorded)")
        raise typer.Exit(1)

"""Run the day's stages exactly as a data team would from the command line.

The demo goes through the same commands (``synth``, ``ingest``, ``link``, ``families``,
``assess``) rather than calling their internals, so what the demo shows is what the CLI does.
Each stage is safe to repeat: a re-load of the same extract is a no-op, linkage keeps person
ids, and families keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import typer

from familyhub.console import console


class StageFailedError(RuntimeError):
    """A stage of the demo pipeline stopped with an error (its message was already shown)."""


def run_stage(app: typer.Typer, args: Sequence[str]) -> None:
    """Invoke ``familyhub ARGS`` in process; raise StageFailedError if it does not succeed."""
    console.rule(f"familyhub {' '.join(args)}")
    command = typer.main.get_command(app)
    try:
        command.main(args=list(args), prog_name="familyhub", standalone_mode=False)
    except click.exceptions.Exit as exc:
        if exc.exit_code not in (0, None):
            raise StageFailedError(f"familyhub {' '.join(args)} exited {exc.exit_code}") from exc
    except click.ClickException as exc:
        exc.show()
        raise StageFailedError(f"familyhub {' '.join(args)}: {exc.format_message()}") from exc


def synth_is_current(out: Path, people: int, seed: int) -> bool:
    """Whether ``out`` already holds the synthetic data for these parameters."""
    import json

    manifest = out / "truth" / "manifest.json"
    if not manifest.exists():
        return False
    try:
        meta = json.loads(manifest.read_text())
    except ValueError:
        return False
    return bool(meta.get("people") == people and meta.get("seed") == seed)


def prepare_data(app: typer.Typer, *, synth_dir: Path, people: int, seed: int) -> None:
    """Database, synthetic extracts, load, link, families and needs, in that order."""
    run_stage(app, ["db", "upgrade"])
    if synth_is_current(synth_dir, people, seed):
        console.print(f"Synthetic data for {people:,} people (seed {seed}) already in {synth_dir}.")
    else:
        run_stage(
            app, ["synth", "--people", str(people), "--seed", str(seed), "--out", str(synth_dir)]
        )
    run_stage(app, ["ingest", str(synth_dir / "extracts")])
    run_stage(app, ["link"])
    run_stage(app, ["families"])
    run_stage(app, ["assess"])

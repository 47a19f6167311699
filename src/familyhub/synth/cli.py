"""``familyhub synth``: write a synthetic population's partner extracts and ground truth."""

from __future__ import annotations

from pathlib import Path

import typer

from familyhub.console import console, progress


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)


def synth(
    people: int = typer.Option(10_000, "--people", "-n", min=1, help="How many people to create."),
    seed: int = typer.Option(1, "--seed", "-s", min=0, help="Random seed: same seed, same bytes."),
    out: Path = typer.Option(Path("var/synth"), "--out", "-o", help="Output directory."),
) -> None:
    """Create a synthetic population and the extracts twelve partners would send about it.

    Writes OUT/extracts/ (one file per partner, in that partner's layout: CSV variants,
    XLSX, JSON lines) and OUT/truth/ (people, records, households, families, needs). The
    layouts and the error model are in docs/synthetic-data.md.

    Examples:

      familyhub synth --people 2000 --seed 1 --out /tmp/synth

      familyhub synth -n 1000000 -s 7 -o var/synth-1m
    """
    from familyhub.synth.generate import generate, steps_for_progress

    with progress() as bar:
        task = bar.add_task("building the population", total=steps_for_progress())

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"written: {name}")

        result = generate(people=people, seed=seed, out=out, on_step=step)
    console.print(f"Wrote {len(result.files)} files for {result.people:,} people to {out}:")
    for name, rows in result.files.items():
        console.print(f"  {name}: {rows:,} rows")

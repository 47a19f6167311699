"""``familyhub demo``: synthetic data loaded, linked and assessed, sign-ins printed, served."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from familyhub.console import console, err_console


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        people: int = typer.Option(5000, "--people", "-n", min=100, help="Synthetic people."),
        seed: int = typer.Option(1, "--seed", help="Random seed for the synthetic data."),
        serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve when ready."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on."),
        port: int = typer.Option(8000, "--port", help="Port to serve on."),
    ) -> None:
        """Prepare a demonstration on synthetic data and serve it.

        Generates synthetic partner extracts for PEOPLE people into DATA_DIR/demo/synth,
        loads, links and assesses them, creates one sign-in per role with involvements that
        tell a story, prints the sign-ins, and serves on http://HOST:PORT. Safe to run
        again: nothing is loaded twice and sign-ins are kept.

        Examples:

          familyhub demo

          familyhub demo --no-serve

          FAMILYHUB_DATA_DIR=/tmp/fh familyhub demo --people 2000 --port 8080
        """
        from familyhub.config import get_settings
        from familyhub.db import unit_of_work
        from familyhub.demo.pipeline import StageFailedError, prepare_data
        from familyhub.demo.story import (
            ensure_organisations,
            ensure_users,
            load_or_make_passwords,
            tell_story,
        )

        settings = get_settings()
        synth_dir = settings.data_dir / "demo" / "synth"
        try:
            prepare_data(app, synth_dir=synth_dir, people=people, seed=seed)
        except StageFailedError as exc:
            err_console.print(f"[red]The demo stopped: {exc}[/red]")
            raise typer.Exit(code=1) from exc
        passwords = load_or_make_passwords(settings.data_dir / "demo-signins.json")
        with unit_of_work() as session:
            users = ensure_users(session, ensure_organisations(session), passwords)
            story = tell_story(session, users, date.today())
            rows = [
                (u.username, passwords[u.username], role, u.display_name)
                for role, u in users.items()
            ]
        _print_signins(rows, story.family_id, story.social_care_family_id)
        if serve:
            from familyhub.web.app import serve as serve_web

            console.print(
                f"Serving familyhub on [bold]http://{host}:{port}[/bold] (Ctrl+C to stop)."
            )
            serve_web(host=host, port=port)


def _print_signins(
    rows: list[tuple[str, str, str, str]], family_id: str | None, cp_family: str | None
) -> None:
    table = Table(title="Demo sign-ins (synthetic data only)")
    for column in ("Username", "Password", "Role", "Name"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if family_id:
        console.print(
            f"The story: early help leads family [bold]{family_id}[/bold] with consent; the "
            "health visitor and the school's safeguarding lead are in the team around it."
        )
    if cp_family:
        console.print(f"The social worker is allocated to family [bold]{cp_family}[/bold].")
    console.print("Passwords are kept in DATA_DIR/demo-signins.json for the next run.")

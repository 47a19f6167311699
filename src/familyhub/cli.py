"""The one ``familyhub`` command line: a sub-command per stage of the pipeline.

Each domain package that has commands provides ``familyhub.<domain>.cli.register(app)``;
this module only assembles them, so a stage's command lives beside the code it drives.
"""

from __future__ import annotations

import importlib

import typer

from familyhub import __version__
from familyhub.console import console

app = typer.Typer(
    name="familyhub",
    help=(
        "familyhub: link partner data about children and families, show each practitioner "
        "only what they need, record every look, and keep every data-protection promise.\n\n"
        "Stages, in the order a day's run takes them: synth (demo data) -> ingest -> link -> "
        "families -> assess; then serve the web service. Run any command with --help for "
        "examples."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)

db_app = typer.Typer(help="Create or upgrade the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Argument("head", help="Alembic revision to upgrade to."),
) -> None:
    """Apply the schema migrations to the configured database.

    Examples:

      familyhub db upgrade

      FAMILYHUB_DATABASE_URL=postgresql+psycopg://familyhub@db/familyhub familyhub db upgrade
    """
    from familyhub.config import get_settings
    from familyhub.migrate import current_revision, upgrade

    upgrade(revision=revision)
    url = get_settings().resolved_database_url
    console.print(f"Database is at revision [bold]{current_revision(url)}[/bold].")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the configured database is at.

    Example:

      familyhub db current
    """
    from familyhub.migrate import current_revision

    console.print(current_revision() or "empty (run: familyhub db upgrade)")


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and stop."),
) -> None:
    if version:
        console.print(f"familyhub {__version__}")
        raise typer.Exit()


# Domain packages that contribute commands, in the order they appear in --help.
STAGE_CLI_MODULES = [
    "familyhub.synth.cli",
    "familyhub.sources.cli",
    "familyhub.linkage.cli",
    "familyhub.families.cli",
    "familyhub.outcomes.cli",
    "familyhub.access.cli",
    "familyhub.audit.cli",
    "familyhub.casework.cli",
    "familyhub.rights.cli",
    "familyhub.governance.cli",
    "familyhub.insight.cli",
    "familyhub.web.cli",
    "familyhub.demo",
]


def _register_stages() -> None:
    for name in STAGE_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A stage not built yet is simply absent; an import error inside one is a bug.
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(app)


_register_stages()


def main() -> None:
    app()

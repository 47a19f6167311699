"""``familyhub serve`` and ``familyhub api-token``."""

from __future__ import annotations

import typer

from familyhub.console import console

token_app = typer.Typer(help="Issue and revoke tokens for the JSON API.", no_args_is_help=True)


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        min=1,
        help="Server processes (default FAMILYHUB_WEB_WORKERS, else one per CPU core on "
        "PostgreSQL and one on SQLite).",
    ),
) -> None:
    """Serve the web service and the /api/v1 JSON API for what the data directory holds.

    Plain HTTP is accepted only on loopback (127.0.0.1); anywhere else put the service
    behind a TLS proxy that sets X-Forwarded-Proto (trusted per FAMILYHUB_FORWARDED_ALLOW_IPS).

    Examples:

      familyhub serve

      familyhub serve --host 127.0.0.1 --port 8080

      FAMILYHUB_DATABASE_URL=postgresql+psycopg://familyhub@db/familyhub familyhub serve --workers 4

      FAMILYHUB_DATA_DIR=/srv/familyhub FAMILYHUB_COUNCIL_NAME="Lancashire County Council" \\
        familyhub serve
    """
    from familyhub.migrate import current_revision
    from familyhub.web.app import default_workers, serve

    if current_revision() is None:
        console.print(
            "[red]The database is empty.[/red] Run [bold]familyhub db upgrade[/bold] "
            "(or [bold]familyhub demo[/bold] for synthetic data) first."
        )
        raise typer.Exit(1)
    count = workers or default_workers()
    console.print(
        f"Serving familyhub on [bold]http://{host}:{port}[/bold] with {count} server "
        f"process{'es' if count > 1 else ''} (Ctrl+C to stop)."
    )
    serve(host=host, port=port, workers=count)


@token_app.command("create")
def token_create(
    username: str = typer.Argument(..., help="Whose token it is."),
    purpose: str = typer.Option(..., help="The purpose every call with it is made for."),
    label: str = typer.Option("api", help="What the token is for, to recognise it later."),
    days: int = typer.Option(30, help="How many days it lasts (at most 90)."),
) -> None:
    """Create an API token and print it once (only its digest is stored).

    Examples:

      familyhub api-token create hv.jones --purpose direct_care --label "case system sync"

      curl -H "Authorization: Bearer fh_..." http://127.0.0.1:8000/api/v1/me
    """
    from familyhub.access.auth import find_user
    from familyhub.audit.service import record_admin_action
    from familyhub.db import unit_of_work
    from familyhub.web.tokens import issue_api_token

    with unit_of_work() as session:
        user = find_user(session, username=username)
        if user is None:
            console.print(f"[red]No user called {username!r}.[/red]")
            raise typer.Exit(1)
        try:
            issued = issue_api_token(session, user=user, purpose=purpose, label=label, days=days)
        except ValueError as problem:
            console.print(f"[red]{problem}[/red]")
            raise typer.Exit(1) from None
        record_admin_action(
            session,
            actor="cli",
            action="api_token.create",
            target=f"user:{user.id}",
            details={"token_id": issued.record.id, "purpose": purpose},
        )
        console.print(
            f"Token {issued.record.id} for {user.username} ({purpose}), "
            f"expires {issued.record.expires_at:%Y-%m-%d}:"
        )
        print(issued.token)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="The token's number.")) -> None:
    """Revoke an API token at once.

    Example:

      familyhub api-token revoke 3
    """
    from familyhub.audit.service import record_admin_action
    from familyhub.db import unit_of_work
    from familyhub.web.tokens import revoke_api_token

    with unit_of_work() as session:
        try:
            record = revoke_api_token(session, token_id=token_id)
        except LookupError as missing:
            console.print(f"[red]{missing}[/red]")
            raise typer.Exit(1) from None
        record_admin_action(
            session,
            actor="cli",
            action="api_token.revoke",
            target=f"user:{record.user_id}",
            details={"token_id": token_id},
        )
    console.print(f"Token {token_id} revoked.")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.add_typer(token_app, name="api-token")

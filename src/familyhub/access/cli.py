"""``familyhub users`` and ``familyhub organisations``: accounts; ``familyhub access``: policies."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from familyhub.console import console, err_console

users_app = typer.Typer(help="Add, list and disable users; set their roles.", no_args_is_help=True)
orgs_app = typer.Typer(help="Add and list partner organisations.", no_args_is_help=True)
access_app = typer.Typer(
    help="Access policies: check them, list purposes and roles.", no_args_is_help=True
)


def _operator(by: str | None) -> str:
    return by or f"cli:{getpass.getuser()}"


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]{message}[/red]")
    return typer.Exit(code=1)


def _check_roles(roles: list[str]) -> None:
    from familyhub.access.vocabulary import roles as known_roles

    unknown = sorted(set(roles) - known_roles().keys())
    if unknown:
        raise _fail(
            f"Unknown roles: {', '.join(unknown)}. Known: {', '.join(sorted(known_roles()))}."
        )


@orgs_app.command("add")
def organisations_add(
    code: Annotated[str, typer.Argument(help="Short code, as source contracts name it.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    kind: Annotated[str, typer.Option(help="council_service, school, nhs_trust, gp_practice...")],
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    receives: Annotated[
        list[str] | None,
        typer.Option(help="A referral kind it receives by default (repeat for several)."),
    ] = None,
) -> None:
    """Add a partner organisation.

    Examples:

      familyhub organisations add lancs-police --name "Lancashire Constabulary" --kind police_force

      familyhub organisations add ns-mash --name "Northshire MASH" --kind council_service
        --receives mash_referral
    """
    from familyhub.access.models import Organisation
    from familyhub.access.vocabulary import organisation_kinds
    from familyhub.casework.models import REFERRAL_KINDS
    from familyhub.db import unit_of_work

    if kind not in organisation_kinds():
        raise _fail(f"Unknown kind {kind!r}. Known: {', '.join(sorted(organisation_kinds()))}.")
    unknown = sorted(set(receives or ()) - set(REFERRAL_KINDS))
    if unknown:
        raise _fail(f"Unknown referral kinds {unknown}. Known: {', '.join(REFERRAL_KINDS)}.")
    with unit_of_work() as session:
        if session.scalar(select(Organisation).where(Organisation.code == code)):
            raise _fail(f"An organisation with code {code!r} already exists.")
        session.add(
            Organisation(
                code=code,
                name=name,
                kind=kind,
                phone=phone,
                email=email,
                receives_referrals=sorted(set(receives or ())),
            )
        )
    console.print(f"Added organisation {code} ({name}).")


@orgs_app.command("list")
def organisations_list() -> None:
    """List partner organisations.

    Example:

      familyhub organisations list
    """
    from familyhub.access.models import Organisation
    from familyhub.db import unit_of_work

    table = Table(title="Organisations")
    for column in ("Code", "Name", "Kind", "Phone", "Email", "Receives"):
        table.add_column(column)
    with unit_of_work() as session:
        for org in session.scalars(select(Organisation).order_by(Organisation.code)):
            receives = ", ".join(org.receives_referrals or ())
            table.add_row(org.code, org.name, org.kind, org.phone or "", org.email or "", receives)
    console.print(table)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    organisation: Annotated[str, typer.Option(help="Organisation code.")],
    role: Annotated[list[str], typer.Option(help="A role (repeat for several).")],
    job_title: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option(help="Needed for OpenID Connect sign-in.")] = None,
    password: Annotated[
        bool, typer.Option(help="Ask for a password (off: sign-in through OpenID Connect only).")
    ] = True,
    by: Annotated[str | None, typer.Option(help="Your username, for the audit.")] = None,
) -> None:
    """Add a user (practitioner) to an organisation with one or more roles.

    Examples:

      familyhub users add hv.jones --name "Alex Jones" --organisation nhs --role health_visitor

      familyhub users add sw.khan --name "Sam Khan" --organisation lancs-cs --role social_worker \\
        --email sam.khan@example.org --no-password
    """
    from familyhub.access.auth import PasswordPolicyError, hash_password
    from familyhub.access.models import Organisation, User
    from familyhub.audit.service import record_admin_action
    from familyhub.db import unit_of_work

    _check_roles(role)
    secret = None
    if password:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        org = session.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            raise _fail(f"No organisation {organisation!r} (add it: familyhub organisations add).")
        if session.scalar(select(User).where(User.username == username)):
            raise _fail(f"A user {username!r} already exists.")
        try:
            hashed = hash_password(secret) if secret is not None else None
        except PasswordPolicyError as exc:
            raise _fail(str(exc)) from exc
        user = User(
            username=username,
            display_name=name,
            organisation_id=org.id,
            roles=sorted(set(role)),
            job_title=job_title,
            phone=phone,
            email=email,
            password_hash=hashed,
        )
        session.add(user)
        session.flush()
        record_admin_action(
            session,
            actor=_operator(by),
            action="user.add",
            target=f"user:{user.id}",
            details={"roles": user.roles},
        )
    console.print(f"Added {username} ({', '.join(sorted(set(role)))}) at {organisation}.")


@users_app.command("list")
def users_list(
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
) -> None:
    """List users with their organisation, roles and whether they are disabled.

    Example:

      familyhub users list --organisation lancs-nhs
    """
    from familyhub.access.models import Organisation, User
    from familyhub.db import unit_of_work

    table = Table(title="Users")
    for column in ("Id", "Username", "Name", "Organisation", "Roles", "Sign-in", "Status"):
        table.add_column(column)
    with unit_of_work() as session:
        query = select(User, Organisation.code).join(Organisation).order_by(User.username)
        if organisation:
            query = query.where(Organisation.code == organisation)
        for user, code in session.execute(query):
            signin = "password" if user.password_hash else ""
            if user.oidc_subject or (user.email and not user.password_hash):
                signin = (signin + " + OIDC").strip(" +")
            table.add_row(
                str(user.id),
                user.username,
                user.display_name,
                code,
                ", ".join(user.roles),
                signin,
                "[red]disabled[/red]" if user.disabled else "active",
            )
    console.print(table)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument()],
    by: Annotated[str | None, typer.Option(help="Your username, for the audit.")] = None,
) -> None:
    """Disable a user: they cannot sign in and their open sessions end at once.

    Example:

      familyhub users disable hv.jones --by admin
    """
    from familyhub.access.auth import disable_user, find_user
    from familyhub.db import unit_of_work

    with unit_of_work() as session:
        user = find_user(session, username=username)
        if user is None:
            raise _fail(f"No user {username!r}.")
        actor = find_user(session, username=by) if by else None
        disable_user(session, user_id=user.id, by=actor or _operator(by))
    console.print(f"Disabled {username}; their sessions have ended.")


@users_app.command("roles")
def users_roles(
    username: Annotated[str, typer.Argument()],
    role: Annotated[list[str], typer.Option(help="The complete new set of roles (repeat).")],
    by: Annotated[str | None, typer.Option(help="Your username, for the audit.")] = None,
) -> None:
    """Set a user's roles (replacing the old ones); takes effect on their next request.

    Example:

      familyhub users roles sw.khan --role social_worker --role mash_social_worker
    """
    from familyhub.access.auth import find_user
    from familyhub.audit.service import record_admin_action
    from familyhub.db import unit_of_work

    _check_roles(role)
    with unit_of_work() as session:
        user = find_user(session, username=username)
        if user is None:
            raise _fail(f"No user {username!r}.")
        before = list(user.roles)
        user.roles = sorted(set(role))
        session.flush()
        record_admin_action(
            session,
            actor=_operator(by),
            action="user.roles",
            target=f"user:{user.id}",
            details={"before": before, "after": user.roles},
        )
    console.print(f"{username} now holds: {', '.join(sorted(set(role)))}.")


@users_app.command("password")
def users_password(username: Annotated[str, typer.Argument()]) -> None:
    """Set a user's password (their existing sessions end).

    Example:

      familyhub users password hv.jones
    """
    from familyhub.access.auth import PasswordPolicyError, find_user, set_password
    from familyhub.db import unit_of_work

    secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as session:
        user = find_user(session, username=username)
        if user is None:
            raise _fail(f"No user {username!r}.")
        try:
            set_password(session, user=user, password=secret)
        except PasswordPolicyError as exc:
            raise _fail(str(exc)) from exc
    console.print(f"Password set for {username}.")


@access_app.command("check-policies")
def check_policies_command(
    directory: Annotated[
        Path | None,
        typer.Option(help="Check this folder instead of the policies in force."),
    ] = None,
) -> None:
    """Parse and validate every policy file against the schema (as start-up does).

    A refusal names the file and line and is written to the audit log.

    Examples:

      familyhub access check-policies

      familyhub access check-policies --directory ./our-policies
    """
    from familyhub.access.policy_files import PolicyFileError
    from familyhub.access.startup import check_policies_or_refuse

    try:
        count = check_policies_or_refuse(directory, actor=f"cli:{getpass.getuser()}")
    except PolicyFileError as exc:
        raise _fail(f"Policy refused: {exc}") from exc
    console.print(f"{count} policies parse and validate against the schema.")


@access_app.command("purposes")
def purposes_command() -> None:
    """List the purposes a practitioner may give, and the roles users may hold.

    Example:

      familyhub access purposes
    """
    from familyhub.access.vocabulary import purposes, roles

    table = Table(title="Purposes")
    table.add_column("Purpose")
    table.add_column("Covers")
    for name, text in purposes().items():
        table.add_row(name, text)
    console.print(table)
    table = Table(title="Roles")
    table.add_column("Role")
    table.add_column("Who")
    for name, text in roles().items():
        table.add_row(name, text)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(orgs_app, name="organisations")
    app.add_typer(access_app, name="access")

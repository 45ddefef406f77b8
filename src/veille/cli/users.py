"""``veille users``: dashboard accounts and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.errors import ValidationError

users_app = typer.Typer(help="Dashboard accounts and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Create a dashboard account (or reset its role and password)."""
    from veille.auth import ROLES, add_user

    if role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}", param_hint="--role")
    if not password_stdin:
        raise typer.BadParameter(
            "pass the password on stdin with --password-stdin", param_hint="--password-stdin"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValidationError("no password on stdin")
    ws = workspace(ctx)
    with ws.store.session() as session:
        user = add_user(session, name, role, password)
    console.print(f"user {user.name}: role {user.role}", highlight=False)


@users_app.command("token")
def token(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer TOKEN`)."""
    from veille.auth import new_token

    ws = workspace(ctx)
    with ws.store.session() as session:
        value = new_token(session, name)
    sys.stdout.write(value + "\n")
    sys.stdout.flush()


@users_app.command("list")
def list_(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False
) -> None:
    """Every account with its role and when it was last seen."""
    from veille.auth import list_users

    ws = workspace(ctx)
    with ws.store.session() as session:
        users = list_users(session)
    rows = [
        {
            "name": u.name,
            "role": u.role,
            "last_seen_at": u.last_seen_at.isoformat() if u.last_seen_at else None,
        }
        for u in users
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no account yet: veille users add NAME --role admin --password-stdin")
        return
    from rich.table import Table

    table = Table("name", "role", "last seen")
    for row in rows:
        table.add_row(row["name"], row["role"], row["last_seen_at"] or "-")
    console.print(table)

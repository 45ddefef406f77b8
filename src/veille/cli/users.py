"""``veille users``: dashboard accounts and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from veille.cli._common import console, err_console, print_json, workspace
from veille.cli.main import app
from veille.errors import ValidationError

users_app = typer.Typer(help="Dashboard accounts and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


Name = Annotated[str, typer.Argument(help="Account name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]
KeepTokens = Annotated[
    bool, typer.Option("--keep-tokens", help="Keep the account's API tokens valid (sessions still end).")
]


def _check_role(role: str, hint: str | None = "--role") -> None:
    from veille.auth import ROLES

    if role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}", param_hint=hint or "ROLE")


def _read_password(password_stdin: bool) -> str:
    if not password_stdin:
        raise typer.BadParameter(
            "pass the password on stdin with --password-stdin", param_hint="--password-stdin"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValidationError("no password on stdin")
    return password


@users_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor or viewer.")] = "viewer",
    password_stdin: PasswordStdin = False,
    keep_tokens: KeepTokens = False,
) -> None:
    """Create a dashboard account (or reset its role and password, which ends its sessions)."""
    from veille.auth import add_user, user_exists

    _check_role(role)
    password = _read_password(password_stdin)
    ws = workspace(ctx)
    with ws.store.session() as session:
        existed = user_exists(session, name)
        user = add_user(session, name, role, password, keep_tokens=keep_tokens)
    if existed:
        ended = "its sessions ended" + ("" if keep_tokens else ", its API tokens revoked")
        console.print(
            f"user {user.name}: reset (role {user.role}, new password; {ended})",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(f"user {user.name}: created (role {user.role})", highlight=False)


@users_app.command("passwd")
def passwd(
    ctx: typer.Context,
    name: Name,
    password_stdin: PasswordStdin = False,
    keep_tokens: KeepTokens = False,
) -> None:
    """Change NAME's password: its sessions end at once, and its API tokens unless --keep-tokens."""
    from veille.auth import set_password

    password = _read_password(password_stdin)
    ws = workspace(ctx)
    with ws.store.session() as session:
        set_password(session, name, password, keep_tokens=keep_tokens)
    kept = "kept" if keep_tokens else "revoked"
    console.print(f"user {name}: password changed, sessions ended, API tokens {kept}", highlight=False)


@users_app.command("role")
def role_(
    ctx: typer.Context,
    name: Name,
    role: Annotated[str, typer.Argument(help="admin, editor or viewer.")],
) -> None:
    """Give NAME another role; it applies from its next request (the last admin stays one)."""
    from veille.auth import set_role

    _check_role(role, None)
    ws = workspace(ctx)
    with ws.store.session() as session:
        user = set_role(session, name, role)
    console.print(f"user {user.name}: role {user.role}", highlight=False)


@users_app.command("remove")
def remove(ctx: typer.Context, name: Name) -> None:
    """Delete NAME with its API tokens; its sessions end at once (the last admin cannot go)."""
    from veille.auth import remove_user

    ws = workspace(ctx)
    with ws.store.session() as session:
        remove_user(session, name)
    console.print(f"user {name}: removed", highlight=False)


@users_app.command("end-sessions")
def end_sessions_(ctx: typer.Context, name: Name) -> None:
    """Sign NAME out everywhere (its API tokens stay valid)."""
    from veille.auth import end_sessions

    ws = workspace(ctx)
    with ws.store.session() as session:
        end_sessions(session, name)
    console.print(f"user {name}: sessions ended", highlight=False)


@users_app.command("tokens")
def tokens(
    ctx: typer.Context,
    name: Name,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """NAME's API tokens: id, created, last used (never their value)."""
    from veille.auth import list_tokens

    ws = workspace(ctx)
    with ws.store.session() as session:
        rows = [
            {
                "id": t.id,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            }
            for t in list_tokens(session, name)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['id']}  created {row['created_at']}  last used {row['last_used_at'] or '-'}")
    if not rows:
        console.print(f"{name} has no API token")


@users_app.command("revoke-token")
def revoke_token(
    ctx: typer.Context,
    name: Name,
    token_id: Annotated[
        int | None, typer.Argument(help="The token's id (`veille users tokens NAME`).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Revoke every token of NAME.")] = False,
) -> None:
    """Revoke one API token of NAME, or all of them with --all; refused from the next request on."""
    from veille.auth import revoke_tokens

    if (token_id is None) == (not all_):
        raise typer.BadParameter("give a TOKEN_ID or --all (not both)", param_hint="TOKEN_ID")
    ws = workspace(ctx)
    with ws.store.session() as session:
        count = revoke_tokens(session, name, token_id)
    console.print(f"user {name}: {count} token(s) revoked", highlight=False)


@users_app.command("token")
def token(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer TOKEN`)."""
    from veille.auth import issue_token

    ws = workspace(ctx)
    with ws.store.session() as session:
        token_id, value = issue_token(session, name)
    sys.stdout.write(value + "\n")
    sys.stdout.flush()
    err_console.print(
        f"token {token_id} of {name} (revoke: veille users revoke-token {name} {token_id})", highlight=False
    )


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

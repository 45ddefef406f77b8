"""Accounts: argon2 hashes, roles, API tokens stored as sha256, and the `veille users` commands."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from veille.auth import Principal, add_user, authenticate, new_token, user_for_token
from veille.errors import NotFoundError, ValidationError
from veille.store.models import ApiToken, User
from veille.workspace import Workspace


def test_password_is_hashed_with_argon2_and_checked(workspace: Workspace) -> None:
    with workspace.store.session() as session:
        add_user(session, "alice", "editor", "s3cret-passphrase")
    with workspace.store.session() as session:
        row = session.scalars(select(User)).one()
        assert row.password_hash.startswith("$argon2id$")
        assert "s3cret-passphrase" not in row.password_hash
        assert authenticate(session, "alice", "s3cret-passphrase") == Principal(
            row.id, "alice", "editor", None
        )
        assert authenticate(session, "alice", "wrong") is None
        assert authenticate(session, "nobody", "s3cret-passphrase") is None


def test_bad_names_roles_and_short_passwords_are_refused(workspace: Workspace) -> None:
    with workspace.store.session() as session:
        for name, role, password in (
            ("a b", "viewer", "long enough"),
            ("bob", "root", "long enough"),
            ("bob", "viewer", "short"),
        ):
            with pytest.raises(ValidationError):
                add_user(session, name, role, password)


def test_roles_are_ordered() -> None:
    admin, editor, viewer = (Principal(1, n, n) for n in ("admin", "editor", "viewer"))
    assert admin.can("editor") and admin.can("viewer") and editor.can("editor")
    assert not viewer.can("editor") and not editor.can("admin")


def test_tokens_are_stored_as_sha256_only(workspace: Workspace) -> None:
    with workspace.store.session() as session:
        add_user(session, "bot", "viewer", "a long password")
        token = new_token(session, "bot")
    with workspace.store.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in stored.token_hash
        user = user_for_token(session, token)
        assert user is not None and user.name == "bot"
        assert user_for_token(session, token + "x") is None
        assert user_for_token(session, "") is None
        with pytest.raises(NotFoundError):
            new_token(session, "ghost")


def test_cli_users_add_and_token(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    home = str(workspace.home)
    add = ("--home", home, "users", "add", "carol", "--role", "admin", "--password-stdin")
    code, out, err = cli(*add, stdin="pa55word-long\n")
    assert code == 0, err
    assert out.strip() == "user carol: created (role admin)"
    code, out, err = cli("--home", home, "users", "token", "carol")
    assert code == 0, err
    token = out.strip()
    assert token.startswith("vl_") and len(token) > 30
    with workspace.store.session() as session:
        principal = user_for_token(session, token)
        assert principal is not None and principal.role == "admin"
        assert authenticate(session, "carol", "pa55word-long") is not None
    code, out, err = cli(*add, stdin="an0ther-long\n")
    assert code == 0, err
    assert (
        out.strip()
        == "user carol: reset (role admin, new password; its sessions ended, its API tokens revoked)"
    )


def test_cli_users_errors(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    home = str(workspace.home)
    code, _, err = cli("--home", home, "users", "token", "nobody")
    assert code == 1 and "nobody" in err
    code, _, _ = cli(
        "--home", home, "users", "add", "dave", "--role", "root", "--password-stdin", stdin="whatever-long\n"
    )
    assert code == 2
    code, _, err = cli(
        "--home", home, "users", "add", "dave", "--role", "viewer", "--password-stdin", stdin="\n"
    )
    assert code == 1 and "password" in err

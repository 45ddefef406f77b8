"""Accounts (admins): roles, new passwords, ending sessions, revoking API tokens, removing accounts."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import Response

from veille.auth import (
    add_user,
    end_sessions,
    list_tokens,
    list_users,
    remove_user,
    revoke_tokens,
    set_password,
    set_role,
)
from veille.web.deps import PageAdmin, db
from veille.web.pages._util import back
from veille.web.templating import render

router = APIRouter()
log = logging.getLogger("veille.web")

UserName = Annotated[str, Path(max_length=120)]
Password = Annotated[str, Form(max_length=1000)]


@router.get("/users")
def users_page(request: Request, user: PageAdmin) -> Response:
    """Every account with its role, last visit and API tokens (ids and dates, never values)."""
    with db(request) as session:
        accounts = [(u, list_tokens(session, u.name)) for u in list_users(session)]
    return render(request, "users.html", {"accounts": accounts})


@router.post("/users")
def create(
    request: Request,
    user: PageAdmin,
    name: Annotated[str, Form(max_length=120)],
    role: Annotated[str, Form(max_length=10)],
    password: Password,
) -> Response:
    with db(request) as session:
        exists = any(u.name == name for u in list_users(session))
        if exists:
            from veille.errors import ValidationError

            raise ValidationError(f"an account {name!r} exists; change its password or role instead")
        add_user(session, name, role, password)
    log.info("account %s (%s) added by %s", name, role, user.name)
    return back(request, "/users", "saved")


@router.post("/users/{name}/role")
def change_role(
    request: Request, name: UserName, user: PageAdmin, role: Annotated[str, Form(max_length=10)]
) -> Response:
    with db(request) as session:
        set_role(session, name, role)
    log.info("role of %s set to %s by %s", name, role, user.name)
    return back(request, "/users", "saved")


@router.post("/users/{name}/password")
def change_password(
    request: Request,
    name: UserName,
    user: PageAdmin,
    password: Password,
    keep_tokens: Annotated[bool, Form()] = False,
) -> Response:
    """A new password: the account's sessions end at once, and its tokens unless kept."""
    with db(request) as session:
        set_password(session, name, password, keep_tokens=keep_tokens)
    log.info(
        "password of %s changed by %s (tokens %s)", name, user.name, "kept" if keep_tokens else "revoked"
    )
    return back(request, "/users", "saved")


@router.post("/users/{name}/sessions/end")
def end_all_sessions(request: Request, name: UserName, user: PageAdmin) -> Response:
    with db(request) as session:
        end_sessions(session, name)
    log.info("sessions of %s ended by %s", name, user.name)
    return back(request, "/users", "saved")


@router.post("/users/{name}/tokens/revoke")
def revoke_all_tokens(request: Request, name: UserName, user: PageAdmin) -> Response:
    with db(request) as session:
        count = revoke_tokens(session, name)
    log.info("%d token(s) of %s revoked by %s", count, name, user.name)
    return back(request, "/users", "saved")


@router.post("/users/{name}/tokens/{token_id}/revoke")
def revoke_one_token(
    request: Request, name: UserName, token_id: Annotated[int, Path(ge=1)], user: PageAdmin
) -> Response:
    with db(request) as session:
        revoke_tokens(session, name, token_id)
    log.info("token %d of %s revoked by %s", token_id, name, user.name)
    return back(request, "/users", "saved")


@router.post("/users/{name}/remove")
def remove(request: Request, name: UserName, user: PageAdmin) -> Response:
    with db(request) as session:
        remove_user(session, name)
    log.info("account %s removed by %s", name, user.name)
    return back(request, "/users", "deleted")

"""Dashboard accounts: users with argon2 password hashes, roles, and API tokens.

Only the sha256 of an API token is stored; the token itself is printed once when created.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError, ValidationError
from veille.store.models import ApiToken, User

ROLES = ("viewer", "editor", "admin")
"""Roles, weakest first: a viewer reads, an editor also edits, an admin also manages sources and users."""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,119}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "vl_"

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so timing does not reveal which names exist."""
    return _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user's id, name and role (detached from any session)."""

    id: int
    name: str
    role: str
    last_seen_at: datetime | None = None
    epoch: int = 0  # the user's session epoch: a session cookie of another epoch is ended

    def can(self, role: str) -> bool:
        """True if this principal has ``role`` or a stronger one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _principal(user: User) -> Principal:
    return Principal(user.id, user.name, user.role, user.last_seen_at, user.session_epoch or 0)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"invalid role {role!r}: one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user {name!r}; see `veille users list`")
    return user


def user_exists(session: Session, name: str) -> bool:
    return session.scalar(select(User.id).where(User.name == name)) is not None


def add_user(
    session: Session, name: str, role: str, password: str, *, keep_tokens: bool = False
) -> Principal:
    """Create the account ``name``, or reset its role and password if it exists (which ends its
    sessions and, unless ``keep_tokens``, revokes its API tokens)."""
    if not NAME_RE.match(name):
        raise ValidationError(f"invalid user name {name!r}: letters, digits, . _ @ - (at most 120)")
    _check_role(role)
    _check_password(password)
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, role=role, password_hash=hash_password(password), created_at=_now())
        session.add(user)
        session.flush()
        return _principal(user)
    set_role(session, name, role)
    return set_password(session, name, password, keep_tokens=keep_tokens)


def set_password(session: Session, name: str, password: str, *, keep_tokens: bool = False) -> Principal:
    """Change ``name``'s password: its sessions end at once, and its API tokens unless ``keep_tokens``."""
    user = _user(session, name)
    _check_password(password)
    user.password_hash = hash_password(password)
    end_sessions(session, name)
    if not keep_tokens:
        revoke_tokens(session, name)
    session.flush()
    return _principal(user)


def end_sessions(session: Session, name: str) -> None:
    """End every session of ``name`` (each cookie carries the epoch it was signed in at)."""
    user = _user(session, name)
    user.session_epoch = (user.session_epoch or 0) + 1


def _admins_left_without(session: Session, user: User) -> int:
    return len([u for u in session.scalars(select(User).where(User.role == "admin")) if u.id != user.id])


def set_role(session: Session, name: str, role: str) -> Principal:
    """Give ``name`` the role ``role`` (the last admin stays one); it applies from the next request."""
    _check_role(role)
    user = _user(session, name)
    if user.role == "admin" and role != "admin" and not _admins_left_without(session, user):
        raise ValidationError(f"{name!r} is the last admin; make another admin first")
    user.role = role
    session.flush()
    return _principal(user)


def remove_user(session: Session, name: str) -> None:
    """Delete ``name``, its API tokens and so its sessions (the last admin cannot be removed)."""
    user = _user(session, name)
    if user.role == "admin" and not _admins_left_without(session, user):
        raise ValidationError(f"{name!r} is the last admin; make another admin first")
    revoke_tokens(session, name)
    session.delete(user)
    session.flush()


def authenticate(session: Session, name: str, password: str) -> Principal | None:
    """The user if ``password`` is theirs, else None. Rehashes outdated hashes."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return _principal(user)


def get_user(session: Session, user_id: int) -> Principal | None:
    user = session.get(User, user_id)
    return _principal(user) if user is not None else None


def list_users(session: Session) -> list[Principal]:
    return [_principal(u) for u in session.scalars(select(User).order_by(User.name))]


def touch(session: Session, user_id: int, when: datetime | None = None) -> None:
    """Record that the user was seen now (the overview's "since my last visit")."""
    user = session.get(User, user_id)
    if user is not None:
        user.last_seen_at = when or _now()


VISIT_GAP = timedelta(minutes=30)
"""Sign-ins less than this after the user was last seen continue the same visit (a second browser, a
new tab after signing out): they keep that visit's "since", instead of "since a minute ago"."""


def begin_visit(session: Session, user_id: int, now: datetime | None = None) -> datetime | None:
    """Record a sign-in; returns where its "since your last visit" starts: None on the first visit
    ever, the time the user was last seen if that was more than ``VISIT_GAP`` ago, and otherwise the
    start of the visit that is going on."""
    user = session.get(User, user_id)
    if user is None:
        return None
    now = now or _now()
    last = user.last_seen_at
    if last is None:
        since = None
    elif now - last > VISIT_GAP:
        since = last
    else:
        since = user.visit_since
    user.visit_since = since
    user.last_seen_at = now
    return since


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(session: Session, name: str) -> str:
    """A new API token for user ``name``; only its sha256 is stored."""
    return issue_token(session, name)[1]


def issue_token(session: Session, name: str) -> tuple[int, str]:
    """A new API token for user ``name``: its id (to revoke it) and its value (shown once)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user {name!r}; create it with `veille users add`")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=token_hash(token), created_at=_now())
    session.add(row)
    session.flush()
    return row.id, token


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed: its id, never its value."""

    id: int
    created_at: datetime
    last_used_at: datetime | None


def list_tokens(session: Session, name: str) -> list[TokenInfo]:
    user = _user(session, name)
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [TokenInfo(r.id, r.created_at, r.last_used_at) for r in rows]


def revoke_tokens(session: Session, name: str, token_id: int | None = None) -> int:
    """Revoke token ``token_id`` of ``name`` (all of them if None); how many were revoked."""
    user = _user(session, name)
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    if token_id is not None:
        query = query.where(ApiToken.id == token_id)
    rows = list(session.scalars(query))
    if token_id is not None and not rows:
        raise NotFoundError(f"{name!r} has no token {token_id}; see `veille users tokens {name}`")
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def user_for_token(session: Session, token: str) -> Principal | None:
    """The owner of API token ``token``, or None; records when it was last used."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    now = _now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
    return _principal(user)

"""Keyset pagination: opaque cursors over (time, id) or id, newest first."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Path

from veille.errors import ValidationError

T = TypeVar("T")
MAX_LIMIT = 500
MAX_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A row id.")]


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode(*key: Any) -> str:
    values = [k.isoformat() if isinstance(k, datetime) else k for k in key]
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode(cursor: str | None, arity: int) -> list[Any] | None:
    """The key a cursor stands for; ValidationError if it was not made here."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationError("invalid cursor") from None
    if not isinstance(values, list) or len(values) != arity:
        raise ValidationError("invalid cursor")
    if arity == 2:
        try:
            when = datetime.fromisoformat(values[0])
            values[0] = when if when.tzinfo else when.replace(tzinfo=UTC)
        except (TypeError, ValueError):
            raise ValidationError("invalid cursor") from None
    if not isinstance(values[-1], int) or isinstance(values[-1], bool) or not 0 <= values[-1] <= MAX_ID:
        raise ValidationError("invalid cursor")
    return values


def columns(model: Any, *skip: str) -> list[Any]:
    """The column attributes of ``model`` but ``skip``: selecting them yields light rows, not entities."""
    return [getattr(model, c.key) for c in model.__table__.columns if c.key not in skip]


def clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))

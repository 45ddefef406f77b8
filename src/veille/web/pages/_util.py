"""Small helpers of the page handlers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import Request
from starlette.responses import RedirectResponse

from veille.errors import ValidationError


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def back(request: Request, path: str, done: str = "saved") -> RedirectResponse:
    """After a form: 303 back to ``path`` with a confirmation flag."""
    sep = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{sep}done={quote(done)}", status_code=303)


def decimal_or_none(value: str | None, field: str) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"{field}: not a number") from None


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"

"""Dates typed by a person (``--since``, ``--at``): one reading for the CLI, the API and the assistant."""

from __future__ import annotations

from datetime import UTC, datetime

from veille.errors import ValidationError


def parse_when(text: str) -> datetime:
    """A date (``2026-11-26``) or an ISO time; naive values are UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"not a date or ISO time: {text!r} (e.g. 2026-11-26)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)

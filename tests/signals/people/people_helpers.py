"""Helpers of the mentions / reviews / hiring / funding tests (a uniquely named module, imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.sources import ParseContext, get_parser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FETCHED = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def make_ctx(
    competitor: str | None = "scaleway", url: str = "https://example.invalid/", source_id: str = "test"
) -> ParseContext:
    return ParseContext(source_id=source_id, competitor=competitor, url=url, fetched_at=FETCHED)


def run_parser(
    parser_id: str, body: bytes, competitor: str | None = "scaleway", url: str = "https://example.invalid/"
) -> list[Any]:
    return get_parser(parser_id).func(body, make_ctx(competitor, url))


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()

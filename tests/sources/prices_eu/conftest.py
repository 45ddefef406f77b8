"""Helpers of the EU price-source tests: run a registered parser on a file or bytes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.observations import Observation
from veille.sources import ParseContext, parse_body

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

Parse = Callable[..., list[Observation]]


@pytest.fixture
def parse() -> Parse:
    """``parse(parser_id, path_or_bytes, url=..., source_id=..., competitor=...)`` -> observations."""

    def run(
        parser_id: str,
        body: Path | bytes,
        *,
        url: str = "",
        source_id: str = "test",
        competitor: str | None = None,
    ) -> list[Observation]:
        data = body.read_bytes() if isinstance(body, Path) else body
        ctx = ParseContext(source_id, competitor, url, datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
        return parse_body(parser_id, data, ctx)

    return run


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES

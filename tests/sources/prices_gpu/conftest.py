"""Helpers for the hyperscaler and GPU-cloud price parser tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.sources._registry import ParseContext

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def ctx() -> Callable[..., ParseContext]:
    """``ctx(source_id, competitor)``: a parse context at a fixed time."""

    def make(
        source_id: str = "test", competitor: str | None = None, url: str = "https://example.test/"
    ) -> ParseContext:
        return ParseContext(source_id, competitor, url, T0)

    return make


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """``fixture_bytes("azure/retail_westeurope_page1.json")``: one of the project's own fixtures."""
    return lambda name: (FIXTURES / name).read_bytes()

"""Fixtures of the mentions / reviews / hiring / funding tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from people_helpers import fixture


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    return fixture

"""The process-wide settings of a veille process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from veille.runtime import YOUNG_THRESHOLD, collect_less


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_collect_less_raises_only_the_young_threshold(thresholds: tuple[int, int, int]) -> None:
    collect_less()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, thresholds[1], thresholds[2])
    assert gc.isenabled()

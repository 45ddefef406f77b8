"""The process-wide settings of a veille process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from veille.runtime import YOUNG_THRESHOLD, collect_less, fewer_collections


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_collect_less_raises_only_the_young_threshold(thresholds: tuple[int, int, int]) -> None:
    gc.set_threshold(700, 10, 10)
    collect_less()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.isenabled()


def test_fewer_collections_is_undone_after_the_pass(thresholds: tuple[int, int, int]) -> None:
    gc.set_threshold(700, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        assert gc.get_freeze_count() > 0  # what was alive at the start is left out of the collections
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0

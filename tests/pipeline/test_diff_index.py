"""The diff's compact index (``CurrentIndex``): same history and events as the dict, on both databases."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from tests.pipeline import test_history

from veille.detect import prices
from veille.detect.current import CURRENT, NEW, SEEN, CurrentIndex


def test_index_probes_grows_and_lists_the_unseen() -> None:
    index = CurrentIndex(3)
    rows = [(random.getrandbits(63) - (1 << 62), vid, f"{vid * 7919:016x}") for vid in range(1, 5001)]
    index.load(rows)  # grows past its first size on the way
    assert len(index) == 5000
    for kh, vid, digest in rows[:4000]:
        slot = index.slot(kh)
        assert (
            index.state[slot] == CURRENT and index.ids[slot] == vid and index.digests[slot] == int(digest, 16)
        )
        index.state[slot] = SEEN
    absent = 12345678901234567
    slot = index.slot(absent)
    assert index.state[slot] == 0
    index.add_new(slot, absent)
    assert index.state[index.slot(absent)] == NEW and len(index) == 5001
    assert sorted(index.unseen_ids()) == list(range(4001, 5001))


@pytest.mark.parametrize(
    "scenario",
    [
        "test_history_and_detection",
        "test_a_big_jump_is_held_until_the_next_run_confirms_it",
        "test_a_shrunk_snapshot_is_held_and_can_be_rejected",
    ],
)
def test_history_through_the_compact_index(scenario: str, ws: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(prices, "COMPACT_ABOVE", -1)  # every source gets a CurrentIndex
    getattr(test_history, scenario)(ws)


ws = test_history.ws


@pytest.mark.parametrize("compact", [False, True])
def test_a_key_twice_in_one_snapshot_counts_once(compact: bool, ws: Any, monkeypatch: Any) -> None:
    from tests.pipeline.conftest import catalogue, item

    if compact:
        monkeypatch.setattr(prices, "COMPACT_ABOVE", -1)
    test_history.snap(ws, catalogue(item("cx22", "0.006"), item("cx32", "0.012")), 0)
    twice = catalogue(
        item("cx22", "0.006"), item("cx22", "0.009"), item("cx32", "0.013"), item("cx32", "0.012")
    )
    assert test_history.snap(ws, twice, 1).status == "ok"
    assert [v.price_hourly for v in test_history.versions(ws, "cx22")] == [Decimal("0.006")]
    cx32 = test_history.versions(ws, "cx32")
    assert [(v.price_hourly, v.valid_to is None) for v in cx32] == [
        (Decimal("0.012"), False),
        (Decimal("0.013"), True),
    ]


@pytest.mark.parametrize(
    "scenario", ["test_history_and_detection", "test_a_shrunk_snapshot_is_held_and_can_be_rejected"]
)
def test_a_dict_that_outgrows_its_size_moves_to_the_index_midway(
    scenario: str, ws: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(prices, "GROWN_COMPACT_ABOVE", 1)  # a run's second new key switches to a CurrentIndex
    getattr(test_history, scenario)(ws)


def test_from_dict_keeps_every_state() -> None:
    current = {11: (5 << 64) | 99, 22: ~((6 << 64) | 98), 33: -1}
    index = CurrentIndex.from_dict(current)
    got = {kh: (index.state[s], index.ids[s], index.digests[s]) for kh in current for s in [index.slot(kh)]}
    assert got[11] == (CURRENT, 5, 99) and got[22] == (SEEN, 6, 98) and got[33][0] == NEW
    assert len(index) == 3 and index.unseen_ids() == [5]

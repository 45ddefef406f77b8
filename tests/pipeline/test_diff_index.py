"""The diff's compact index (``CurrentIndex``): same history and events as the dict, on both databases."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from tests.pipeline import test_history

from veille.detect import prices
from veille.detect.current import CURRENT, NEW, SEEN, CurrentIndex, KeySet


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


@pytest.mark.parametrize(("compact", "pending"), [(False, 1000), (False, 1), (True, 1000)])
def test_a_key_twice_in_one_snapshot_counts_once(
    compact: bool, pending: int, ws: Any, monkeypatch: Any
) -> None:
    from tests.pipeline.conftest import catalogue, item

    monkeypatch.setattr(prices, "PENDING", pending)
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
    "scenario",
    [
        "test_history_and_detection",
        "test_a_big_jump_is_held_until_the_next_run_confirms_it",
        "test_a_shrunk_snapshot_is_held_and_can_be_rejected",
    ],
)
@pytest.mark.parametrize(("pending", "look_up_at_most"), [(1, 0), (1, 10**6), (10**6, 0)])
def test_history_whichever_way_the_keys_of_new_content_are_looked_up(
    scenario: str, pending: int, look_up_at_most: int, ws: Any, monkeypatch: Any
) -> None:
    # offers sorted out one by one or all at the end; their keys looked up by query, or all read at once
    monkeypatch.setattr(prices, "PENDING", pending)
    monkeypatch.setattr(prices, "LOOK_UP_AT_MOST", look_up_at_most)
    asked: list[Any] = []  # the keys of each look-up (None: every current version)
    keyed_versions = prices._keyed_versions
    monkeypatch.setattr(
        prices,
        "_keyed_versions",
        lambda s, source, keys: asked.append(keys) or keyed_versions(s, source, keys),
    )
    getattr(test_history, scenario)(ws)
    assert all((keys is None) == (look_up_at_most == 0) for keys in asked)  # the mode asked for was taken


@pytest.mark.parametrize(
    "scenario", ["test_history_and_detection", "test_a_shrunk_snapshot_is_held_and_can_be_rejected"]
)
def test_keys_met_move_from_a_set_to_flat_arrays_midway(scenario: str, ws: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(prices, "MET_IN_A_SET", 1)  # a run's second new or changed key moves them
    moved: list[int] = []

    class Recorded(KeySet):
        def __init__(self, keys: Any) -> None:
            moved.append(len(keys))
            super().__init__(keys)

    monkeypatch.setattr(prices, "KeySet", Recorded)
    getattr(test_history, scenario)(ws)
    assert moved and set(moved) == {2}  # the keys did move, each time just past the limit


def test_key_set_in_flat_arrays() -> None:
    keys = KeySet({11, -22})
    keys.add(33)
    keys.add(11)
    assert len(keys) == 3 and 11 in keys and -22 in keys and 33 in keys and 44 not in keys

"""The diff's index of a source's current offer versions, in flat arrays (about 50 bytes an offer).

A dict costs about 130 bytes an offer in Python objects: a source of two million offers would need
260 MB for its index alone, so past a million (``prices.COMPACT_ABOVE``) the diff uses this instead. ``CurrentIndex`` is an
open-addressing hash table (linear probing, at most 70% full) over four flat arrays: the key hash,
the version id and the content digest as machine integers, and one state byte per slot.

States: ``EMPTY``; ``CURRENT`` (a stored version not yet seen in the snapshot); ``SEEN`` (a stored
version the snapshot contained); ``NEW`` (a key the snapshot added). ``OfferSnapshot.add_all`` probes
the arrays inline (a method call per offer would cost more than the probe).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable

EMPTY, CURRENT, SEEN, NEW = 0, 1, 2, 3
MAX_LOAD = 0.7


class CurrentIndex:
    """``key hash -> (version id, content digest, state)`` for one snapshot's diff."""

    def __init__(self, expected: int = 0) -> None:
        size = 1024
        while size * MAX_LOAD < max(expected, 1) * 1.15:
            size *= 2
        self._allocate(size)
        self.count = 0  # occupied slots

    def _allocate(self, size: int) -> None:
        self.mask = size - 1
        self.limit = int(size * MAX_LOAD)
        self.keys = array("q", bytes(8 * size))
        self.ids = array("q", bytes(8 * size))
        self.digests = array("Q", bytes(8 * size))
        self.state = bytearray(size)

    def load(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Add stored versions ``(key hash, id, hex digest)`` as ``CURRENT`` (a key seen twice keeps the last)."""
        keys, ids, digests, state, mask = self.keys, self.ids, self.digests, self.state, self.mask
        for kh, vid, digest in rows:
            slot = kh & mask  # slot(), inlined: this runs once per stored offer
            while state[slot] and keys[slot] != kh:
                slot = (slot + 1) & mask
            if not state[slot]:
                self.count += 1
                if self.count > self.limit:
                    self.grow()
                    keys, ids, digests, state, mask = self.keys, self.ids, self.digests, self.state, self.mask
                    slot = self.slot(kh)
            keys[slot], ids[slot], digests[slot], state[slot] = kh, vid, int(digest, 16), CURRENT

    def slot(self, kh: int) -> int:
        """The slot holding ``kh``, or the empty slot where it would go."""
        keys, state, mask = self.keys, self.state, self.mask
        slot = kh & mask
        while state[slot] and keys[slot] != kh:
            slot = (slot + 1) & mask
        return slot

    def add_new(self, slot: int, kh: int) -> None:
        """Mark ``kh`` (absent, ``slot`` from ``slot()``) as a key the snapshot added."""
        self.keys[slot], self.state[slot] = kh, NEW
        self.count += 1
        if self.count > self.limit:
            self.grow()

    def grow(self) -> None:
        """Double the table (rehash every occupied slot)."""
        keys, ids, digests, state = self.keys, self.ids, self.digests, self.state
        self._allocate(2 * len(state))
        new_keys, new_ids, new_digests, new_state, mask = (
            self.keys,
            self.ids,
            self.digests,
            self.state,
            self.mask,
        )
        for old in range(len(state)):
            mark = state[old]
            if not mark:
                continue
            kh = keys[old]
            slot = kh & mask
            while new_state[slot]:
                slot = (slot + 1) & mask
            new_keys[slot], new_ids[slot], new_digests[slot], new_state[slot] = (
                kh,
                ids[old],
                digests[old],
                mark,
            )

    def unseen_ids(self) -> list[int]:
        """Ids of the stored versions the snapshot did not contain."""
        out: list[int] = []
        state, ids = self.state, self.ids
        at = state.find(CURRENT)
        while at >= 0:
            out.append(ids[at])
            at = state.find(CURRENT, at + 1)
        return out

    def __len__(self) -> int:
        return self.count


class KeySet:
    """Key hashes in the flat arrays of a ``CurrentIndex`` (about 36 bytes a key; a set takes ~100).

    What a snapshot's diff moves its set of met keys into once that set holds over
    ``prices.MET_IN_A_SET`` keys (a first run of a big catalogue), so that memory stays bounded.
    """

    def __init__(self, keys: Collection[int]) -> None:
        self._index = CurrentIndex(2 * len(keys))
        for kh in keys:
            self.add(kh)

    def __contains__(self, kh: object) -> bool:
        return isinstance(kh, int) and bool(self._index.state[self._index.slot(kh)])

    def add(self, kh: int) -> None:
        index = self._index
        slot = index.slot(kh)
        if not index.state[slot]:
            index.add_new(slot, kh)

    def __len__(self) -> int:
        return len(self._index)

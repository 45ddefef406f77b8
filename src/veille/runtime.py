"""Process-wide settings of a veille process: how often the cyclic garbage collector runs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Objects allocated (net) between two young collections; CPython's default is 700. Reference counting
# frees almost everything veille allocates, but with the default the collector still ran ~3,000 times
# per million catalogue rows (promoting the batches of versions waiting to be written, which set off
# full collections of the whole heap: 5-15% of an ingest's CPU, bench_ingest) and hundreds of times
# per watch cycle (about a fifth of a 300-source cycle's CPU, bench_watch).
YOUNG_THRESHOLD = 50_000


def collect_less() -> None:
    """Raise the young threshold for the whole process (the command line and the web workers)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """While the watch runs a pass: the young threshold raised, and the objects alive at its start
    (modules, the ORM's mappings) frozen out of the collections; both undone at the end."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(previous[0], YOUNG_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()

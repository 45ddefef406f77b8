"""Process-wide settings of a veille process (the command line and the web server's workers)."""

from __future__ import annotations

import gc

# Objects allocated (net) between two young collections; CPython's default is 700. A catalogue of a
# million offers allocates a few objects per offer, most of them freed within the page, so with the
# default the collector ran ~3,000 times a million rows, promoted the batches of versions waiting to be
# written, and paid for full collections of the whole heap: 5-15% of an ingest's CPU (bench_ingest).
YOUNG_THRESHOLD = 50_000


def collect_less() -> None:
    """Run the cyclic garbage collector less often (reference counting frees almost everything here)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

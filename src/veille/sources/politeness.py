"""Politeness shared by several processes: the interface the fetcher asks before each request.

A single process keeps its per-host limits in memory (``Fetcher``'s slots). Workers on several machines
share one more gate, kept where they all meet (``veille.store.hostgate`` keeps it in PostgreSQL): at most
``per_host`` requests in flight to a host across every worker, at least ``spacing`` seconds between two
starts, and a ``Retry-After`` one worker was told holds back every worker's requests to that host.
"""

from __future__ import annotations

from typing import Protocol


class HostGate(Protocol):
    """A gate every request to a host passes through, whichever process sends it."""

    async def acquire(self, host: str, deadline: float) -> object:
        """Wait for a slot of ``host`` (at most ``deadline`` seconds); returns what ``release`` takes back."""

    async def release(self, host: str, slot: object) -> None:
        """Give the slot back."""

    async def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` starts, from any process, for ``seconds`` (a server's Retry-After)."""

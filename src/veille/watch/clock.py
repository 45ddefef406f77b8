"""Clocks for the scheduler: the system's, an accelerated one (demos), a manual one (tests)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        """Let ``seconds`` of this clock's time pass, or return early when ``wake`` is set."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), max(0.0, seconds))


class AcceleratedClock:
    """Time that starts at ``start`` and runs ``factor`` times faster than the wall clock."""

    def __init__(self, start: datetime, factor: float) -> None:
        self.start, self.factor, self._t0 = start, factor, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.factor)

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), max(0.0, seconds) / self.factor)


class ManualClock:
    """Time that moves only when told (``advance``), or when the scheduler waits with nothing happening.

    A wait gives real work (runs in flight) a moment to finish; if none wakes the scheduler, time
    jumps straight to the end of the wait.
    """

    def __init__(self, start: datetime, grace: float = 0.02) -> None:
        self.current, self.grace = start, grace

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta

    async def wait(self, seconds: float, wake: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), self.grace)
            return
        self.current += timedelta(seconds=max(0.0, seconds))

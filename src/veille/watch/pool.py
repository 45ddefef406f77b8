"""The bounds of a watch in one event loop: global and per-host slots, the write lock, the fetcher."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from veille.collect import lifecycle
from veille.sources import SourceSpec
from veille.sources.fetcher import parsed_url
from veille.watch.clock import Clock
from veille.workspace import Workspace


class Watch(Protocol):
    """What a pool reads of the watch it serves (``Scheduler``)."""

    workspace: Workspace
    clock: Clock
    concurrency: int
    per_host: int
    stopping: asyncio.Event
    progress: Callable[[str, SourceSpec, Any], None] | None
    runner: Callable[..., Awaitable[Any]] | None


def host_of(spec: SourceSpec) -> str:
    """The host politeness is counted on (the real one, as the fetcher counts it)."""
    return parsed_url(spec.url).host or spec.url


class Pool:
    """The bounds of one event loop: global slots, per-host slots, the write lock, the fetcher."""

    def __init__(self, watch: Watch, fetcher: Any) -> None:
        self.watch, self.fetcher = watch, fetcher
        self.slots = asyncio.Semaphore(watch.concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.write_lock = asyncio.Lock()
        self.batcher = lifecycle.Batcher(watch.workspace, self.write_lock)

    def slots_for(self, spec: SourceSpec) -> Slots:
        """The slots a fetch needs: its host's first (a busy host never holds a global slot), then a global one."""
        return Slots(self.hosts.setdefault(host_of(spec), asyncio.Semaphore(self.watch.per_host)), self.slots)

    def start(self, spec: SourceSpec) -> bool:
        """Called once a run has its slots: False when the watch is stopping (the run does not start)."""
        if self.watch.stopping.is_set():
            return False
        if self.watch.progress:
            self.watch.progress("start", spec, None)
        return True

    async def run(self, spec: SourceSpec, claimed: lifecycle.Claim | None = None) -> Any:
        from veille.collect import RunResult, run_source

        watch = self.watch
        stopped = RunResult(spec.id, "stopped", error="not started: the watch is stopping")
        try:
            if claimed is not None:  # slots held for the fetch only; storing waits for the write lock alone
                result = await lifecycle.run_claimed(
                    watch.workspace, claimed, fetcher=self.fetcher, clock=watch.clock.now,
                    write_lock=self.write_lock, batcher=self.batcher, gate=self.slots_for(spec),
                    start=lambda: self.start(spec),
                )  # fmt: skip
                result = result or stopped
            else:
                async with self.slots_for(spec):
                    if not self.start(spec):
                        return stopped
                    result = await (watch.runner or run_source)(
                        watch.workspace,
                        spec,
                        client=self.fetcher,
                        now=watch.clock.now(),
                        write_lock=self.write_lock,
                    )
        except asyncio.CancelledError:
            result = RunResult(spec.id, "abandoned", error="abandoned: the watch was stopped")
        except Exception as exc:  # the runner records failures itself; this is a last resort
            result = RunResult(spec.id, "failed", error=f"{type(exc).__name__}: {exc}")
        if watch.progress and result is not stopped:
            watch.progress("done", spec, result)
        return result


class Slots:
    """The two semaphores one fetch holds: its host's, then a global one (released in reverse)."""

    def __init__(self, host: asyncio.Semaphore, slots: asyncio.Semaphore) -> None:
        self.host, self.slots = host, slots

    async def __aenter__(self) -> None:
        await self.host.acquire()
        try:
            await self.slots.acquire()
        except BaseException:
            self.host.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()
        self.host.release()

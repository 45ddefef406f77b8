"""The bounds of a watch in one event loop: global and per-host slots, the write lock, the fetcher."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from veille.collect import lifecycle
from veille.sources._http import parsed_url
from veille.sources._registry import SourceSpec

if TYPE_CHECKING:
    from veille.watch.scheduler import Scheduler


def host_of(spec: SourceSpec) -> str:
    """The host politeness is counted on (the real one, as the fetcher counts it)."""
    return parsed_url(spec.url).host or spec.url


class Pool:
    """The bounds of one event loop: global slots, per-host slots, the write lock, the fetcher."""

    def __init__(self, scheduler: Scheduler, fetcher: Any) -> None:
        self.s, self.fetcher = scheduler, fetcher
        self.slots = asyncio.Semaphore(scheduler.concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.write_lock = asyncio.Lock()
        self.batcher = lifecycle.Batcher(scheduler.workspace, self.write_lock)

    def gate(self, spec: SourceSpec) -> Gate:
        """The slots a fetch needs: its host's first (a busy host never holds a global slot), then a global one."""
        return Gate(self.hosts.setdefault(host_of(spec), asyncio.Semaphore(self.s.per_host)), self.slots)

    def start(self, spec: SourceSpec) -> bool:
        """Called once a run has its slots: False when the watch is stopping (the run does not start)."""
        if self.s.stopping.is_set():
            return False
        if self.s.progress:
            self.s.progress("start", spec, None)
        return True

    async def run(self, spec: SourceSpec, claimed: lifecycle.Claim | None = None) -> Any:
        from veille.collect import RunResult, run_source

        s = self.s
        stopped = RunResult(spec.id, "stopped", error="not started: the watch is stopping")
        try:
            if claimed is not None:  # slots held for the fetch only; storing waits for the write lock alone
                result = await lifecycle.run_claimed(
                    s.workspace, claimed, fetcher=self.fetcher, clock=s.clock.now, write_lock=self.write_lock,
                    batcher=self.batcher, gate=self.gate(spec), start=lambda: self.start(spec),
                )  # fmt: skip
                result = result or stopped
            else:
                async with self.gate(spec):
                    if not self.start(spec):
                        return stopped
                    result = await (s.runner or run_source)(
                        s.workspace, spec, client=self.fetcher, now=s.clock.now(), write_lock=self.write_lock
                    )
        except asyncio.CancelledError:
            result = RunResult(spec.id, "abandoned", error="abandoned: the watch was stopped")
        except Exception as exc:  # the runner records failures itself; this is a last resort
            result = RunResult(spec.id, "failed", error=f"{type(exc).__name__}: {exc}")
        if s.progress and result is not stopped:
            s.progress("done", spec, result)
        return result


class Gate:
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

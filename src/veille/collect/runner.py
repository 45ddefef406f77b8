"""Running sources now: ``run_sources`` (many, concurrently) and ``run_source`` (one).

Each run goes through the one run lifecycle (``veille.collect.lifecycle``): claim, fetch, capture,
parse, ingest, detect, route, finish. Fetches overlap; database writes are serialised within the
process. A source's run is all or nothing: any error rolls its transaction back, and the failure is
recorded on its own (``source_runs``, ``source_state``, a ``source_failure`` event); the other sources
go on. A lease on ``source_state`` keeps a source from running twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from veille.collect import lease, lifecycle
from veille.collect.result import BUSY, RunResult, Summary
from veille.logs import bind
from veille.sources import SourceSpec
from veille.sources.fetcher import Fetcher, credential_problem
from veille.workspace import Workspace

log = logging.getLogger(__name__)
Progress = Callable[[str, str, "RunResult | None"], None]  # (source_id, "start" | "done", result)


def run_sources(
    workspace: Workspace,
    specs: Sequence[SourceSpec],
    *,
    concurrency: int | None = None,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    handle_signals: bool = False,
) -> Summary:
    """Run ``specs`` now (blocking); see ``arun_sources``."""
    return asyncio.run(
        arun_sources(
            workspace, specs, concurrency=concurrency, client=client, now=now, progress=progress,
            handle_signals=handle_signals,
        )
    )  # fmt: skip


async def arun_sources(
    workspace: Workspace,
    specs: Sequence[SourceSpec],
    *,
    concurrency: int | None = None,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    handle_signals: bool = False,
) -> Summary:
    """Run ``specs`` with at most ``concurrency`` at a time, sharing one fetcher; never raises for a source.

    With ``handle_signals``, SIGTERM or SIGINT stops them: the runs not yet storing are abandoned
    (leases given back, run rows closed), those storing finish, and ``Summary.stopped_by`` says which
    signal it was; a second signal ends the process at once (the next run takes its leases over).
    """
    limit = asyncio.Semaphore(max(1, concurrency or workspace.settings.http_concurrency))
    fetcher, own = fetcher_for(workspace, client)
    write_lock = asyncio.Lock()

    async def one(spec: SourceSpec) -> RunResult:
        async with limit:
            if progress:
                progress(spec.id, "start", None)
            result = await run_source(workspace, spec, client=fetcher, now=now, write_lock=write_lock)
            if progress:
                progress(spec.id, "done", result)
            return result

    tasks = [asyncio.ensure_future(one(spec)) for spec in specs]
    summary = Summary()
    stop = functools.partial(_stop, summary, tasks)
    try:
        with (
            lease.keep_alive(workspace.store, workspace.settings.lease_heartbeat_timeout),
            _on_signals(stop) if handle_signals else contextlib.nullcontext(),
        ):
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if own:
            await fetcher.aclose()
    for spec, outcome in zip(specs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, BaseException):  # cancelled before it began
            outcome = RunResult(spec.id, "abandoned", error="abandoned: the run was stopped")
        summary.results.append(outcome)
    return summary


def _stop(summary: Summary, tasks: Sequence[asyncio.Future[Any]], signum: int) -> None:
    """The first signal abandons the runs not yet storing; a second one ends the process at once."""
    if summary.stopped_by is not None:
        sys.stderr.write(f"stopped by {signal.Signals(signum).name} again: leaving at once\n")
        os._exit(128 + signum)
    summary.stopped_by = signum
    for task in tasks:
        task.cancel()


@contextlib.contextmanager
def _on_signals(handler: Callable[[int], None]) -> Iterator[None]:
    """Route SIGTERM and SIGINT to ``handler`` in the running loop; the previous handlers come back after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    installed = []
    for sig in previous:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, handler, sig)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            if previous[sig] is not None:
                signal.signal(sig, previous[sig])


async def run_source(
    workspace: Workspace,
    spec: SourceSpec,
    *,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    write_lock: asyncio.Lock | None = None,
) -> RunResult:
    """Fetch, capture, parse and store one source in one transaction; failures are recorded, not raised."""
    with bind(source_id=spec.id):
        result = await _run_source(workspace, spec, client=client, now=now, write_lock=write_lock)
        with bind(run_id=result.run_id):
            _log_result(result)
    return result


def _log_result(result: RunResult) -> None:
    if result.status == "failed":
        log.warning("failed: %s", result.error)
    elif result.status == "busy":
        log.warning("skipped: %s", result.error)
    else:
        log.info("%s: %d observation(s), %d event(s)", result.status, result.observations, result.events)


async def _run_source(
    workspace: Workspace,
    spec: SourceSpec,
    *,
    client: Fetcher | httpx.AsyncClient | None,
    now: datetime | None,
    write_lock: asyncio.Lock | None,
) -> RunResult:
    problem = credential_problem(spec, workspace.settings)
    if problem:
        return RunResult(spec.id, "disabled", error=problem)
    run_now = now or datetime.now(UTC)
    claimed, _ = lifecycle.claim(workspace, [(spec, None)], run_now)
    if not claimed:
        return RunResult(spec.id, "busy", error=BUSY)
    fetcher, own = fetcher_for(workspace, client)
    try:
        result = await lifecycle.run_claimed(
            workspace, claimed[0], fetcher=fetcher, clock=lambda: run_now, write_lock=write_lock or asyncio.Lock(),
            stamp=now is not None,
        )  # fmt: skip
    finally:
        if own:
            await fetcher.aclose()
    assert result is not None  # no ``start`` check: a claimed run always begins
    return result


def fetcher_for(workspace: Workspace, client: Fetcher | httpx.AsyncClient | None) -> tuple[Fetcher, bool]:
    """The fetcher to run with, and whether the caller made it (and must close it)."""
    if isinstance(client, Fetcher):
        return client, False
    spool = workspace.home / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    return Fetcher(workspace.settings, client=client, spool_dir=spool), True

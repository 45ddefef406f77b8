"""The scheduler: which sources are due, starting them within the pool's bounds, the loop, stopping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from veille import plan
from veille.collect import lease, lifecycle
from veille.collect.record import retry_delay
from veille.runtime import fewer_collections
from veille.sources import SourceSpec, sources
from veille.sources.fetcher import HostPools, http_client
from veille.store.models import SourceState
from veille.watch.clock import Clock, SystemClock
from veille.watch.pool import Pool
from veille.watch.report import CycleReport, Totals
from veille.workspace import Workspace

NOT_RUN_PAUSE = timedelta(minutes=1)  # a source found busy (or not started) is not retried sooner
FINISHED = ("ok", "unchanged", "suspect", "failed")
KEEP_REPORTS = 100
log = logging.getLogger(__name__)


@contextlib.contextmanager
def responsive_loop(interval: float = 0.001) -> Iterator[None]:
    """Let the event loop thread get the GIL back sooner while database threads are busy.

    Runs are stored in worker threads; with Python's default 5 ms switch interval the fetching loop
    waits that long for the GIL after every network event (measured: a 300-source cycle 1.8 s at
    5 ms, 1.0 s at 1 ms).
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def due_at(state: SourceState | None, every: timedelta) -> datetime | None:
    """When a source is next due (None: it never ran, due now)."""
    if state is None or state.last_run_at is None:
        return None
    if state.consecutive_failures:
        return state.last_run_at + retry_delay(state.consecutive_failures)
    return state.last_run_at + every


_DUE_COLUMNS = select(
    SourceState.source_id, SourceState.enabled, SourceState.last_run_at, SourceState.consecutive_failures
)
Runner = Callable[..., Awaitable[Any]]  # (workspace, spec, *, client, now, write_lock) -> RunResult
Progress = Callable[[str, SourceSpec, Any], None]  # ("start" | "done", spec, result or None)


class Scheduler:
    """Runs sources when they are due. ``run_cycle`` is one pass over every due source; ``run`` loops."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        clock: Clock | None = None,
        specs: Sequence[SourceSpec] | None = None,
        named: bool | None = None,
        runner: Runner | None = None,
        client: Any = None,
        concurrency: int | None = None,
        per_host: int | None = None,
        max_idle: float = 60.0,
        dispatch: bool = True,
        progress: Progress | None = None,
        on_cycle: Callable[[CycleReport], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        settings = workspace.settings
        self.workspace, self.store = workspace, workspace.store
        self.clock: Clock = clock or SystemClock()
        self.named = (specs is not None) if named is None else named  # named sources skip the on/off switch
        self._specs = list(specs) if specs is not None else None
        self.runner = runner  # the run of one source (tests and the demo inject theirs)
        self.client = client
        self.concurrency = max(1, concurrency or settings.http_concurrency)
        self.per_host = max(1, per_host or settings.http_per_host)
        self.max_idle, self.dispatch_alerts = max_idle, dispatch
        self.progress, self.on_cycle = progress, on_cycle
        self.cycles: list[CycleReport] = []  # the latest passes (KEEP_REPORTS)
        self.passes = 0
        self.totals = Totals()
        self.on_error = on_error
        self.stopping = asyncio.Event()
        self.force = False
        self._wake: asyncio.Event | None = None
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._not_before: dict[str, datetime] = {}
        self._immediate: list[Any] = []  # results known without running (busy elsewhere)
        self.stopped_by: int | None = None  # the signal that stopped ``run``, if one did

    # --- what is due ---

    def specs(self) -> list[SourceSpec]:
        return list(self._specs) if self._specs is not None else list(sources())

    def schedule(self) -> list[tuple[SourceSpec, datetime | None, plan.Cadence]]:
        """Every runnable source with when it is due (None: now) and its cadence."""
        from veille.collect.select import why_disabled
        from veille.source_records import install
        from veille.sources.fetcher import credential_problem

        settings = self.workspace.settings
        with self.store.session() as session:
            # plain rows of the columns ``why_disabled`` and ``due_at`` read: every pass reads them all
            states: dict[str, Any] = {s.source_id: s for s in session.connection().execute(_DUE_COLUMNS)}
            overrides = plan.load_overrides(session)
            if self._specs is None:  # sources added or edited since the last pass (CLI, dashboard)
                install(session)
        out = []
        for spec in self.specs():
            state = states.get(spec.id)
            blocked = (
                credential_problem(spec, settings) if self.named else why_disabled(spec, settings, state)
            )
            if blocked:
                continue
            every = plan.cadence(spec, overrides)
            at = due_at(state, every.every)
            pause = self._not_before.get(spec.id)
            if pause is not None and (at is None or at < pause):
                at = pause
            out.append((spec, at, every))
        return out

    def due(self, now: datetime | None = None) -> list[SourceSpec]:
        """The sources due at ``now`` and not running here, the most overdue first."""
        now = now or self.clock.now()
        oldest = datetime.min.replace(tzinfo=UTC)
        ready = [
            (at or oldest, spec)
            for spec, at, _ in self.schedule()
            if (at is None or at <= now) and spec.id not in self._inflight
        ]
        return [spec for _, spec in sorted(ready, key=lambda pair: (pair[0], pair[1].id))]

    def next_wake(self, now: datetime) -> float:
        """Seconds of clock time until a source or an alert is due, at most ``max_idle``."""
        from veille.act.outbox import next_due

        times = [at for spec, at, _ in self.schedule() if spec.id not in self._inflight]
        if any(at is None for at in times):
            return 0.0
        known = [at for at in times if at is not None]
        alert = next_due(self.store) if self.dispatch_alerts else None
        if alert is not None:
            known.append(alert)
        if not known:
            return self.max_idle
        return min(self.max_idle, max(0.0, (min(known) - now).total_seconds()))

    # --- running ---

    async def _open(self) -> tuple[Pool, bool]:
        from veille.collect.runner import fetcher_for

        if self.runner is not None:
            return Pool(self, self.client), False
        if self.client is not None:
            return Pool(self, fetcher_for(self.workspace, self.client)[0]), False
        pools = HostPools(self.per_host, guard=self.workspace.settings.address_guard)
        fetcher, _ = fetcher_for(self.workspace, self.http_client(pools))
        if not urllib.request.getproxies():  # no proxy to go through: single GETs skip the client's layers
            fetcher.direct = pools
        return Pool(self, fetcher), True

    def http_client(self, pools: HostPools | None = None) -> httpx.AsyncClient:
        """The HTTP client of a watch: a kept-alive connection pool per host (``HostPools``)."""
        settings = self.workspace.settings
        return http_client(settings, pools or HostPools(self.per_host, guard=settings.address_guard))

    async def run_cycle(self) -> CycleReport:
        """Run every due source once (bounded, polite per host) and wait for all, then send due alerts."""
        with responsive_loop(), fewer_collections(), self._keep_alive():
            return await self._run_cycle()

    def _keep_alive(self) -> contextlib.AbstractContextManager[None]:
        """The heartbeat of this process's leases while it runs sources (``veille.collect.lease``)."""
        return lease.keep_alive(self.store, self.workspace.settings.lease_heartbeat_timeout)

    async def _run_cycle(self) -> CycleReport:
        started = time.monotonic()
        report = CycleReport(self.passes + 1, self.clock.now())
        due = self.due(report.started_at)
        report.due = len(due)
        if due:
            pool, own = await self._open()
            try:
                tasks = await self._launch(pool, due)
                outcomes = await asyncio.gather(*tasks, return_exceptions=True)
                report.results = [self._outcome(t, o) for t, o in zip(tasks, outcomes, strict=True)]
                report.results += self._immediate
                self._immediate = []
            finally:
                self._inflight.clear()
                if own:
                    await pool.fetcher.client.aclose()
            self._reschedule(report.results)
            await asyncio.to_thread(self.check_claims, [getattr(r, "status", "") for r in report.results])
        await self._finish_pass(report, started)
        return report

    async def _launch(self, pool: Pool, due: Sequence[SourceSpec]) -> list[asyncio.Task[Any]]:
        from veille.collect import RunResult
        from veille.collect.result import BUSY

        if self.runner is not None:
            return self._start(pool, due, {})
        # the default: claim the leases and open the runs in one transaction per part; the sources that
        # can start at once are claimed first, so their requests go out while the rest is claimed
        with self.store.session() as session:
            overrides = plan.load_overrides(session)
        tasks: list[asyncio.Task[Any]] = []
        for part in self._first_wave(due):
            if not part:
                continue
            pairs = [(spec, plan.cadence(spec, overrides).every) for spec in part]
            async with pool.write_lock:
                claimed, busy = await asyncio.to_thread(
                    lifecycle.claim, self.workspace, pairs, self.clock.now()
                )
            claims = {c.spec.id: c for c in claimed}
            for source_id in busy:
                self._immediate.append(RunResult(source_id, "busy", error=BUSY))
            tasks += self._start(pool, [spec for spec in part if spec.id in claims], claims)
        return tasks

    def _first_wave(self, due: Sequence[SourceSpec]) -> tuple[list[SourceSpec], list[SourceSpec]]:
        """``due`` split in two, each in order: what can start at once (``per_host`` per host, at most
        ``concurrency`` in all), and the rest."""
        from veille.watch.pool import host_of

        first: list[SourceSpec] = []
        rest: list[SourceSpec] = []
        per_host: dict[str, int] = {}
        for spec in due:
            host = host_of(spec)
            if len(first) < self.concurrency and per_host.get(host, 0) < self.per_host:
                per_host[host] = per_host.get(host, 0) + 1
                first.append(spec)
            else:
                rest.append(spec)
        return first, rest

    def _start(
        self, pool: Pool, specs: Sequence[SourceSpec], claims: dict[str, lifecycle.Claim]
    ) -> list[asyncio.Task[Any]]:
        tasks = []
        for spec in specs:
            task = asyncio.create_task(pool.run(spec, claims.get(spec.id)), name=spec.id)
            task.add_done_callback(self._on_done)
            self._inflight[spec.id] = task
            tasks.append(task)
        return tasks

    def _on_done(self, _task: asyncio.Task[Any]) -> None:
        if self._wake is not None:
            self._wake.set()

    def _outcome(self, task: asyncio.Task[Any], outcome: Any) -> Any:
        from veille.collect import RunResult

        if isinstance(outcome, BaseException):
            return RunResult(task.get_name(), "abandoned", error="abandoned: the watch was stopped")
        return outcome

    async def _finish_pass(self, report: CycleReport, started: float) -> None:
        if self.dispatch_alerts and not self.force:
            summary = await asyncio.to_thread(self.dispatch_now)
            report.alerts_sent, report.alerts_retried = summary.sent, summary.retried
        report.seconds = time.monotonic() - started
        if report.results or report.alerts_sent or report.due:
            self.passes += 1
            self.totals.add(report)
            self.cycles.append(report)
            del self.cycles[:-KEEP_REPORTS]  # a watch runs for months: keep the recent passes only
            if self.on_cycle:
                self.on_cycle(report)

    def check_claims(self, statuses: Sequence[str]) -> None:
        """Re-check the analysis's claims after a pass that stored new data (their events go out with
        this pass's alerts). A failure is logged and reported, never fatal to the watch."""
        from veille.analysis.claims.check import after_collection

        try:
            after_collection(self.store, self.clock.now(), statuses)
        except Exception as exc:
            log.exception("checking the analysis's claims failed")
            if self.on_error:
                self.on_error(f"claims: {type(exc).__name__}: {exc}")

    def dispatch_now(self, *, include_digests: bool = False) -> Any:
        """Send the outbox's due alerts now (in the scheduler's clock time)."""
        from veille.act.outbox import dispatch

        return dispatch(
            self.store,
            self.workspace.home,
            self.clock.now(),
            include_digests=include_digests,
            settings=self.workspace.settings,
        )

    def _reschedule(self, results: Sequence[Any]) -> None:
        """Write each run's next time from the plan (and the back-off of a failing source)."""
        now = self.clock.now()
        for r in results:
            if r.status not in FINISHED:
                self._not_before[r.source_id] = now + NOT_RUN_PAUSE
            else:
                self._not_before.pop(r.source_id, None)
        if self.runner is None:
            # the claimed runs wrote their next time already: the plan's cadence after a success
            # (``lifecycle.write_unchanged``, ``commit_run``), the back-off after a failure (``record_failure``)
            return
        ids = [r.source_id for r in results if r.status in FINISHED]
        if not ids:
            return
        with self.store.session() as session:
            overrides = plan.load_overrides(session)
            specs = {s.id: s for s in self.specs()}
            for state in session.scalars(select(SourceState).where(SourceState.source_id.in_(ids))):
                spec = specs.get(state.source_id)
                if spec is not None:
                    state.next_run_at = due_at(state, plan.cadence(spec, overrides).every)

    # --- the loop ---

    def request_stop(self, signum: int | None = None) -> None:
        """First call: start no new run, let the running ones finish. Second call: abandon them."""
        if signum is not None and self.stopped_by is None:
            self.stopped_by = signum
        if self.stopping.is_set():
            self.force = True
            for task in list(self._inflight.values()):
                task.cancel()
        self.stopping.set()
        if self._wake is not None:
            self._wake.set()

    async def run(self, *, max_cycles: int | None = None, handle_signals: bool = True) -> list[CycleReport]:
        """Start sources as they fall due until stopped (SIGTERM/SIGINT, ``request_stop``, ``max_cycles`` passes)."""
        from veille.act.rules import ensure_defaults

        with self.store.session() as session:
            ensure_defaults(session)
        self.recover()
        self._wake = asyncio.Event()
        if self.stopping.is_set():
            self._wake.set()
        loop = asyncio.get_running_loop()
        installed = []
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, self.request_stop, sig)
                    installed.append(sig)
        pool, own = await self._open()
        try:
            with responsive_loop(), fewer_collections(), self._keep_alive():
                await self._loop(pool, max_cycles)
                await self._drain()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            for task in self._inflight.values():
                task.cancel()
            if self._inflight:  # their runs give their leases back as they end
                await asyncio.gather(*self._inflight.values(), return_exceptions=True)
            self._inflight.clear()
            if own:
                await pool.fetcher.client.aclose()
        return self.cycles

    async def _loop(self, pool: Pool, max_cycles: int | None) -> None:
        assert self._wake is not None
        passes, pause = 0, 0.0
        while True:
            try:
                await self._pass(pool)
                pause = 0.0
                wait = self.next_wake(self.clock.now())
            except Exception as exc:  # the database went away, a disk filled up...: wait and go on
                pause = min(max(2 * pause, 1.0), 300.0)
                wait = pause
                log.exception("watch pass failed; retrying in %.0f s", pause)
                if self.on_error:
                    self.on_error(f"{type(exc).__name__}: {exc}; retrying in {pause:.0f} s")
            passes += 1
            if max_cycles is not None and passes >= max_cycles:
                self.stopping.set()
            if self.stopping.is_set():
                return
            await self.clock.wait(wait, self._wake)

    async def _pass(self, pool: Pool) -> None:
        """Record the runs that finished, start the sources that are due, send the due alerts."""
        assert self._wake is not None
        started = time.monotonic()
        self._wake.clear()
        report = CycleReport(self.passes + 1, self.clock.now())
        report.results = await self._collect()
        if report.results:
            self._reschedule(report.results)
        if not self.stopping.is_set():
            due = self.due(report.started_at)
            report.due = len(due)
            if due:
                await self._launch(pool, due)
        await self._finish_pass(report, started)

    async def _collect(self) -> list[Any]:
        done = [(sid, t) for sid, t in self._inflight.items() if t.done()]
        results, self._immediate = self._immediate, []
        for source_id, task in done:
            del self._inflight[source_id]
            outcome: Any = task.exception() if not task.cancelled() else asyncio.CancelledError()
            results.append(self._outcome(task, outcome if outcome is not None else task.result()))
        return results

    async def _drain(self) -> None:
        """On stop: wait for the running sources (a second signal cancels them), then record them."""
        if self._inflight:
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        started = time.monotonic()
        report = CycleReport(self.passes + 1, self.clock.now())
        report.results = await self._collect()
        if report.results:
            self._reschedule(report.results)
            await self._finish_pass(report, started)

    def recover(self) -> list[str]:
        """Free the leases of processes of this machine that are gone, closing their runs (``veille.collect.lease``).

        A lease of a process on another machine is taken over once its heartbeat is stale.
        """
        return lease.free_dead(self.store, self.clock.now())

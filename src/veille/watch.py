"""The scheduler behind ``veille watch``: every source at its cadence, for as long as it runs.

A cycle picks the sources that are due (``veille.plan`` gives each its cadence; a failing source backs
off exponentially, 5 minutes doubling up to 6 hours), runs them concurrently, then sends the outbox.

- **Bounded and polite**: at most ``http_concurrency`` runs at once, and never more runs of one host
  than ``http_per_host`` (the fetcher's own per-host limit), so a busy host never holds the slots
  other hosts could use.
- **Never twice at once**: each run takes the source's lease in ``source_state`` (``veille.collect``);
  a second scheduler on the same database finds it busy. A process killed mid-run leaves leases
  behind: the next scheduler on the same machine sees the dead process in ``settings_kv`` and frees
  them (other machines wait for the lease to expire).
- **Nothing lost**: every run is one transaction (events and their alerts included); alerts are sent
  from the outbox afterwards. On SIGTERM/SIGINT no new run starts and the running ones finish; a
  second signal abandons them (their transactions roll back and the next start runs them again).
- **State in the database**: last and next run, consecutive failures, back-off.
- **Clock injected**: tests and the demo run in accelerated or manual time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import delete, select, update

from veille import plan
from veille.sources._registry import SourceSpec, sources
from veille.store.models import Setting, SourceRun, SourceState
from veille.workspace import Workspace

FIRST_RETRY = timedelta(minutes=5)
MAX_RETRY = timedelta(hours=6)
INFLIGHT_PREFIX = "watch.inflight."
FINISHED = ("ok", "unchanged", "suspect", "failed")
_LIVE_KEYS: set[str] = set()  # the schedulers of this process (a recycled pid is not a live one)


# --- clocks ------------------------------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        """Let ``seconds`` of this clock's time pass, or return early when ``stop`` is set."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, seconds))


class AcceleratedClock:
    """Time that starts at ``start`` and runs ``factor`` times faster than the wall clock."""

    def __init__(self, start: datetime, factor: float) -> None:
        self.start, self.factor, self._t0 = start, factor, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.factor)

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, seconds) / self.factor)


class ManualClock:
    """Time that moves only when told (``advance``) or when the scheduler waits: waiting jumps ahead."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        if not stop.is_set():
            self.current += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)


# --- scheduling rules --------------------------------------------------------------------------------------


def retry_delay(failures: int) -> timedelta:
    """Back-off after ``failures`` consecutive failures: 5 min, 10, 20... at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(failures - 1, 0)), MAX_RETRY)


def due_at(state: SourceState | None, every: timedelta) -> datetime | None:
    """When a source is next due (None: never ran, due now)."""
    if state is None or state.last_run_at is None:
        return None
    if state.consecutive_failures:
        return state.last_run_at + retry_delay(state.consecutive_failures)
    return state.last_run_at + every


def host_of(spec: SourceSpec) -> str:
    """The host politeness is counted on (the real one, as the fetcher counts it)."""
    return httpx.URL(spec.url).host or spec.url


# --- results -----------------------------------------------------------------------------------------------


@dataclass
class CycleReport:
    number: int
    started_at: datetime
    due: int = 0
    results: list[Any] = field(default_factory=list)  # veille.collect.RunResult
    alerts_sent: int = 0
    alerts_retried: int = 0
    seconds: float = 0.0

    @property
    def statuses(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "nothing due"
        return (
            f"cycle {self.number}: {len(self.results)} run(s) ({counts}), {self.events} event(s), "
            f"{self.alerts_sent} alert(s) sent in {self.seconds:.2f}s"
        )


Runner = Callable[..., Awaitable[Any]]  # (workspace, spec, *, client, now, write_lock) -> RunResult
Progress = Callable[[str, SourceSpec, Any], None]  # ("start" | "done", spec, result or None)


class Scheduler:
    """Runs due sources in cycles until stopped. ``run_cycle`` is one pass; ``run`` loops."""

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
    ) -> None:
        settings = workspace.settings
        self.workspace, self.store = workspace, workspace.store
        self.clock: Clock = clock or SystemClock()
        self.named = (specs is not None) if named is None else named  # named sources skip the on/off switch
        self._specs = list(specs) if specs is not None else None
        self._runner = runner
        self.client = client
        self.concurrency = max(1, concurrency or settings.http_concurrency)
        self.per_host = max(1, per_host or settings.http_per_host)
        self.max_idle, self.dispatch_alerts = max_idle, dispatch
        self.progress, self.on_cycle = progress, on_cycle
        self.cycles: list[CycleReport] = []
        self.stopping = asyncio.Event()
        self.force = False
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._key = f"{INFLIGHT_PREFIX}{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:12]}"
        _LIVE_KEYS.add(self._key)

    # --- what is due ---

    def specs(self) -> list[SourceSpec]:
        return list(self._specs) if self._specs is not None else list(sources())

    def schedule(self) -> list[tuple[SourceSpec, datetime | None, plan.Cadence]]:
        """Every runnable source with when it is due (None: now) and its cadence."""
        from veille.collect.select import why_disabled
        from veille.sources._http import credential_problem

        settings = self.workspace.settings
        with self.store.session() as session:
            states = {s.source_id: s for s in session.scalars(select(SourceState))}
            overrides = plan.load_overrides(session)
        out = []
        for spec in self.specs():
            state = states.get(spec.id)
            blocked = (
                credential_problem(spec, settings) if self.named else why_disabled(spec, settings, state)
            )
            if blocked:
                continue
            every = plan.cadence(spec, overrides)
            out.append((spec, due_at(state, every.every), every))
        return out

    def due(self, now: datetime | None = None) -> list[SourceSpec]:
        """The sources due at ``now``, the most overdue first."""
        now = now or self.clock.now()
        ready = [
            (at or datetime.min.replace(tzinfo=UTC), spec)
            for spec, at, _ in self.schedule()
            if at is None or at <= now
        ]
        return [spec for _, spec in sorted(ready, key=lambda pair: (pair[0], pair[1].id))]

    def next_wake(self, now: datetime) -> float:
        """Seconds until something is due (a source or an alert), at most ``max_idle``."""
        from veille.act.outbox import next_due

        scheduled = [at for _, at, _ in self.schedule()]
        if any(at is None for at in scheduled):
            return 0.0
        times = [at for at in scheduled if at is not None]
        alert = next_due(self.store) if self.dispatch_alerts else None
        if alert is not None:
            times.append(alert)
        if not times:
            return self.max_idle
        return min(self.max_idle, max(0.0, (min(times) - now).total_seconds()))

    # --- one cycle ---

    async def run_cycle(self) -> CycleReport:
        """Run every due source once (bounded, polite per host), then send the due alerts."""
        started = time.monotonic()
        report = CycleReport(len(self.cycles) + 1, self.clock.now())
        due = self.due(report.started_at)
        report.due = len(due)
        if due:
            self._register(due)
            try:
                report.results = await self._run_all(due)
            finally:
                self._unregister()
            self._reschedule(report.results)
        if self.dispatch_alerts and not self.force:
            summary = await asyncio.to_thread(self.dispatch_now)
            report.alerts_sent, report.alerts_retried = summary.sent, summary.retried
        report.seconds = time.monotonic() - started
        self.cycles.append(report)
        if self.on_cycle:
            self.on_cycle(report)
        return report

    def dispatch_now(self, *, include_digests: bool = False) -> Any:
        from veille.act.outbox import dispatch

        return dispatch(self.store, self.workspace.home, self.clock.now(), include_digests=include_digests)

    async def _run_all(self, due: Sequence[SourceSpec]) -> list[Any]:
        from veille.collect import RunResult, run_source
        from veille.collect.runner import _fetcher

        runner = self._runner or run_source
        fetcher, own = _fetcher(self.workspace, self.client) if self._runner is None else (self.client, False)
        slots = asyncio.Semaphore(self.concurrency)
        hosts: dict[str, asyncio.Semaphore] = {}
        write_lock = asyncio.Lock()

        async def one(spec: SourceSpec) -> Any:
            host = hosts.setdefault(host_of(spec), asyncio.Semaphore(self.per_host))
            async with host, slots:  # the host's slot first: a busy host never holds a global slot
                if self.stopping.is_set():
                    return RunResult(spec.id, "stopped", error="not started: the watch is stopping")
                if self.progress:
                    self.progress("start", spec, None)
                try:
                    result = await runner(
                        self.workspace, spec, client=fetcher, now=self.clock.now(), write_lock=write_lock
                    )
                except asyncio.CancelledError:
                    result = RunResult(spec.id, "abandoned", error="abandoned: the watch was stopped")
                except Exception as exc:  # the runner records failures itself; this is a last resort
                    result = RunResult(spec.id, "failed", error=f"{type(exc).__name__}: {exc}")
                if self.progress:
                    self.progress("done", spec, result)
                return result

        tasks = [asyncio.create_task(one(spec), name=spec.id) for spec in due]
        self._inflight = {t.get_name(): t for t in tasks}
        try:
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self._inflight = {}
            if own and fetcher is not None:
                await fetcher.aclose()
        return [
            o
            if not isinstance(o, BaseException)
            else RunResult(spec.id, "abandoned", error="abandoned: the watch was stopped")
            for spec, o in zip(due, outcomes, strict=True)
        ]

    def _reschedule(self, results: Sequence[Any]) -> None:
        """Write each run's next time from the plan (and the back-off of a failing source)."""
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

    # --- crash recovery: leases left by a process that died ---

    def _register(self, due: Sequence[SourceSpec]) -> None:
        value = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now(UTC).isoformat(),
            "clock_since": self.clock.now().isoformat(),
            "sources": [s.id for s in due],
        }
        with self.store.session() as session:
            row = session.get(Setting, self._key)
            if row is None:
                session.add(Setting(key=self._key, value=value))
            else:
                row.value = value

    def _unregister(self) -> None:
        with self.store.session() as session:
            session.execute(delete(Setting).where(Setting.key == self._key))

    def recover(self) -> list[str]:
        """Free the leases and close the runs of watch processes on this machine that died mid-cycle."""
        host = socket.gethostname()
        freed: list[str] = []
        with self.store.session() as session:
            for row in session.scalars(select(Setting).where(Setting.key.startswith(INFLIGHT_PREFIX))):
                value = row.value or {}
                pid = int(value.get("pid", 0))
                if value.get("host") != host or row.key in _LIVE_KEYS:
                    continue
                if pid != os.getpid() and _alive(pid):
                    continue
                since = datetime.fromisoformat(value["since"])
                clock_since = datetime.fromisoformat(value.get("clock_since", value["since"]))
                ids = list(value.get("sources", []))
                session.execute(
                    update(SourceState)
                    .where(
                        SourceState.source_id.in_(ids),
                        SourceState.running_since >= since - timedelta(seconds=1),
                    )
                    .values(running_since=None, running_token=None)
                    .execution_options(synchronize_session=False)
                )
                session.execute(
                    update(SourceRun)
                    .where(
                        SourceRun.source_id.in_(ids),
                        SourceRun.status == "running",
                        SourceRun.started_at >= clock_since,
                    )
                    .values(
                        status="failed",
                        error=f"abandoned: watch process {value.get('pid')} died",
                        finished_at=clock_since,
                    )
                    .execution_options(synchronize_session=False)
                )
                session.delete(row)
                freed.extend(ids)
        return freed

    # --- the loop ---

    def request_stop(self) -> None:
        """First call: start no new run, let the running ones finish. Second call: abandon them."""
        if self.stopping.is_set():
            self.force = True
            for task in list(self._inflight.values()):
                task.cancel()
        self.stopping.set()

    async def run(self, *, max_cycles: int | None = None, handle_signals: bool = True) -> list[CycleReport]:
        """Loop until stopped (SIGTERM/SIGINT or ``request_stop``) or after ``max_cycles`` cycles."""
        from veille.act.rules import ensure_defaults

        with self.store.session() as session:
            ensure_defaults(session)
        self.recover()
        loop = asyncio.get_running_loop()
        installed = []
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, self.request_stop)
                    installed.append(sig)
        own_client = self.client is None and self._runner is None
        if own_client:
            from veille.collect.runner import _fetcher

            self.client, _ = _fetcher(self.workspace, None)
        try:
            while not self.stopping.is_set():
                await self.run_cycle()
                if max_cycles is not None and len(self.cycles) >= max_cycles:
                    break
                if not self.stopping.is_set():
                    await self.clock.wait(self.next_wake(self.clock.now()), self.stopping)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            if own_client and self.client is not None:
                await self.client.aclose()
                self.client = None
        return self.cycles


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the terminal ------------------------------------------------------------------------------------------


def watch_forever(
    workspace: Workspace,
    *,
    ids: Sequence[str] = (),
    kind: str | None = None,
    clock: Clock | None = None,
    max_cycles: int | None = None,
) -> list[CycleReport]:
    """``veille watch``: run the scheduler with a progress bar per cycle and a summary when it stops."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from veille.cli._common import console, err_console, warn
    from veille.collect import choose

    specs: list[SourceSpec] | None = None
    if ids or kind:
        with workspace.store.session() as session:
            specs, skipped = choose(session, workspace.settings, ids=ids, kind=kind)
        for source_id, reason in skipped.items():
            warn(f"{source_id} skipped: {reason}")
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task_id = bar.add_task("waiting", total=None, visible=False)

    def progress(stage: str, spec: SourceSpec, result: Any) -> None:
        if stage == "start":
            bar.update(task_id, description=f"running {spec.id}", visible=True)
        else:
            bar.advance(task_id)

    scheduler = Scheduler(workspace, clock=clock, specs=specs, named=bool(ids), progress=progress)

    def on_cycle(report: CycleReport) -> None:
        bar.update(task_id, visible=False, completed=0)
        if report.results or report.alerts_sent:
            console.print(f"{report.started_at:%Y-%m-%d %H:%M:%S} {report.line()}", highlight=False)

    scheduler.on_cycle = on_cycle
    original_run_all = scheduler._run_all

    async def run_all(due: Sequence[SourceSpec]) -> list[Any]:
        bar.update(task_id, total=len(due), completed=0, visible=True, description="collecting")
        return await original_run_all(due)

    scheduler._run_all = run_all  # type: ignore[method-assign]
    console.print(
        f"watching {len(scheduler.schedule())} source(s); Ctrl-C or SIGTERM stops (a second one abandons running sources)",
        highlight=False,
    )
    with bar:
        cycles = asyncio.run(scheduler.run(max_cycles=max_cycles))
    print_summary(cycles)
    return cycles


def print_summary(cycles: Sequence[CycleReport]) -> None:
    from rich.table import Table

    from veille.cli._common import console

    per_source: dict[str, Counter[str]] = {}
    events: Counter[str] = Counter()
    for cycle in cycles:
        for r in cycle.results:
            per_source.setdefault(r.source_id, Counter())[r.status] += 1
            events[r.source_id] += r.events
    table = Table("source", "runs", "ok", "unchanged", "failed", "other", "events", title="veille watch")
    for source_id in sorted(per_source):
        c = per_source[source_id]
        other = sum(n for s, n in c.items() if s not in ("ok", "unchanged", "failed"))
        table.add_row(
            source_id,
            str(sum(c.values())),
            str(c["ok"]),
            str(c["unchanged"]),
            str(c["failed"]),
            str(other),
            str(events[source_id]),
        )
    if per_source:
        console.print(table)
    sent = sum(c.alerts_sent for c in cycles)
    console.print(
        f"stopped after {len(cycles)} cycle(s): {sum(events.values())} event(s), {sent} alert(s) sent",
        highlight=False,
    )

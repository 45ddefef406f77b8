"""``veille watch``: run the sources now (``--once``) and, later, on their cadence.

``--once`` runs every matching enabled source immediately, shows progress on stderr and a summary
table, and exits 1 (with one line) when every source that ran failed or when some were busy (held
by another live process). SIGTERM or SIGINT stops it: the runs not yet storing are abandoned, their
leases given back, and it exits 128 + the signal's number (143, 130) with one line.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from veille.cli._common import console, err_console, warn, workspace
from veille.cli.main import app
from veille.errors import VeilleError

if TYPE_CHECKING:  # the collector (httpx, the source registry) loads when a watch runs
    from veille.collect import RunResult, Summary


class AllSourcesFailed(VeilleError):
    """Every source of a ``watch --once`` failed, or some were busy."""


class Stopped(Exception):
    """A signal stopped the command."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM and SIGINT raise ``Stopped`` (outside the runs, which handle them themselves)."""

    def handler(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_once(ctx: typer.Context, source: list[str] | None, kind: str | None) -> Summary:
    """Run the chosen sources now with progress on stderr; print the summary table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from veille.collect import Summary, choose, run_sources

    ws = workspace(ctx)
    with ws.store.session() as session:
        specs, skipped = choose(session, ws.settings, ids=source or (), kind=kind)
    for source_id, reason in skipped.items():
        warn(f"{source_id} skipped: {reason}")
    if not specs:
        err_console.print("no source to run")
        return Summary()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("collecting", total=len(specs))

        def progress(source_id: str, stage: str, result: RunResult | None) -> None:
            if stage == "start":
                bar.update(task, description=f"collecting {source_id}")
            else:
                bar.advance(task)

        summary = run_sources(ws, specs, progress=progress, handle_signals=True)
    _print_summary(summary)
    return summary


def _print_summary(summary: Summary) -> None:
    table = Table("source", "status", "observations", "events", "pages", "seconds", "error")
    for r in sorted(summary.results, key=lambda r: r.source_id):
        colour = {"ok": "green", "unchanged": "cyan", "suspect": "yellow", "failed": "red"}.get(
            r.status, "white"
        )
        table.add_row(
            r.source_id,
            f"[{colour}]{r.status}[/{colour}]",
            str(r.observations),
            str(r.events),
            str(r.pages),
            f"{r.seconds:.1f}",
            r.error or "",
        )
    console.print(table)
    counts = ", ".join(
        f"{n} {s}"
        for s in ("ok", "unchanged", "suspect", "failed", "busy", "disabled", "late", "abandoned")
        if (n := summary.count(s))
    )
    console.print(f"{len(summary.results)} source(s): {counts}; {summary.events} new event(s)")


def _send_alerts(ctx: typer.Context) -> None:
    """Send the alerts the run queued (the outbox of ``veille.act``); failures are retried later."""
    from datetime import UTC, datetime

    from veille.act.outbox import dispatch

    ws = workspace(ctx)
    sent = dispatch(ws.store, ws.home, datetime.now(UTC), settings=ws.settings)
    if sent.claimed:
        console.print(f"alerts: {sent.sent} sent, {sent.retried} to retry, {sent.failed} failed")


def _triage_with_model(ctx: typer.Context) -> None:
    """With AI on, the model reads the items, mentions and news not yet read (the word lists already have)."""
    from veille.ai.grounding import workspace_model
    from veille.detect.triage import triage_events

    ws = workspace(ctx)
    model = workspace_model(ws.settings, ws.store)
    if model is not None:
        triage_events(ws.store, model)


@app.command("watch")
def watch(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run every matching source now, then exit.")] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source id (repeatable).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only sources of this kind (prices, incidents...).")
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            "--speed",
            min=1.0,
            help="Accelerated time: FACTOR seconds of watch time per second (demos, tests).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=0, max=64, help="PostgreSQL: also start N `veille worker` processes here."
        ),
    ] = 0,
    in_process: Annotated[
        bool,
        typer.Option("--in-process", help="PostgreSQL: run the sources in this process, without workers."),
    ] = False,
) -> None:
    """Run the sources that are due (all of them with --once), detect changes, act."""
    if not once and not in_process and _is_postgresql(ctx):
        _watch_with_workers(ctx, source, kind, workers)
        return
    if not once:
        from veille.cli.watch_terminal import watch_forever

        status = watch_forever(workspace(ctx), ids=source or (), kind=kind, speed=speed)
        if status:
            raise typer.Exit(status)
        return
    summary: Summary | None = None
    try:
        with _stoppable():
            summary = run_once(ctx, source, kind)
            if summary.stopped_by is not None:
                raise Stopped(summary.stopped_by)
            _triage_with_model(ctx)
            _send_alerts(ctx)
    except Stopped as stop:
        abandoned = sum(1 for r in summary.results if r.status == "abandoned") if summary else 0
        err_console.print(
            f"stopped by {stop}: {abandoned} run(s) abandoned, every lease given back; "
            "the alerts queued are sent by the next pass",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(128 + stop.signum) from None
    problems = []
    if summary.all_failed:
        problems.append(
            f"all {len(summary.failed)} source(s) failed; see the table above and `veille sources list`"
        )
    busy = sorted(r.source_id for r in summary.results if r.status == "busy")
    if busy:
        problems.append(
            f"{len(busy)} source(s) busy (another live process holds their lease): {', '.join(busy)}"
        )
    if problems:
        raise AllSourcesFailed("; ".join(problems))


def _is_postgresql(ctx: typer.Context) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(workspace(ctx).settings.db_url).get_backend_name() == "postgresql"


def _watch_with_workers(ctx: typer.Context, source: list[str] | None, kind: str | None, workers: int) -> None:
    """The scheduler of a PostgreSQL workspace: queue due sources for workers, start ``workers`` here."""
    import asyncio
    import signal
    import subprocess
    import sys

    from veille.collect import choose
    from veille.watch.tasks import ensure_queue_schema, make_app, run_scheduler

    ws = workspace(ctx)
    specs = None
    if source or kind:
        with ws.store.session() as session:
            specs, skipped = choose(session, ws.settings, ids=source or (), kind=kind)
        for source_id, reason in skipped.items():
            warn(f"{source_id} skipped: {reason}")
    engine = make_app(ws)
    ensure_queue_schema(ws)
    command = [sys.executable, "-m", "veille", "--home", str(ws.home), "worker"]
    children = [subprocess.Popen(command) for _ in range(workers)]
    err_console.print(
        f"scheduler: queuing due sources for {workers} worker(s) started here"
        + ("" if workers else " (start `veille worker` processes, here or on other machines)"),
        highlight=False,
    )

    def report(queued: object) -> None:
        names = getattr(queued, "queued", [])
        if names:
            err_console.print(f"queued {len(names)} source(s)", highlight=False)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_scheduler(ws, engine, specs=specs, stop=stop, on_pass=report)

    try:
        asyncio.run(main())
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=70)
            except subprocess.TimeoutExpired:
                child.kill()
    err_console.print("scheduler: stopped", highlight=False)

"""``veille watch`` on the terminal: a progress bar while sources run, a line per pass, a summary at the end."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from veille.cli._common import console, err_console, warn
from veille.workspace import Workspace

if TYPE_CHECKING:  # the watch's modules load when it starts, not with every command
    from veille.sources import SourceSpec
    from veille.watch.clock import Clock
    from veille.watch.report import CycleReport, Totals
    from veille.watch.scheduler import Scheduler


def resume_time(workspace: Workspace) -> datetime:
    """The later of now and the latest run recorded (accelerated watches run ahead of the wall clock)."""
    from sqlalchemy import func, select

    from veille.store.models import SourceState

    with workspace.store.session() as session:
        latest = session.scalar(select(func.max(SourceState.last_run_at)))
    now = datetime.now(UTC)
    return max(now, latest) if latest else now


def watch_forever(
    workspace: Workspace,
    *,
    ids: Sequence[str] = (),
    kind: str | None = None,
    clock: Clock | None = None,
    speed: float | None = None,
    max_cycles: int | None = None,
) -> int:
    """Run the scheduler until SIGTERM/SIGINT, with progress on stderr and a summary on stdout.

    Returns the exit status: 0 when it stopped with every running source finished, 128 + the
    signal's number (143, 130) when a second signal abandoned running sources. ``speed`` runs it in accelerated time, starting from the latest run the workspace recorded (so a
    restarted accelerated watch carries on where the last one stopped).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from veille.collect import choose
    from veille.watch.clock import AcceleratedClock
    from veille.watch.scheduler import Scheduler

    if clock is None and speed:
        clock = AcceleratedClock(resume_time(workspace), speed)
    specs: list[SourceSpec] | None = None
    if ids or kind:
        with workspace.store.session() as session:
            specs, skipped = choose(session, workspace.settings, ids=ids, kind=kind)
        for source_id, reason in skipped.items():
            warn(f"{source_id} skipped: {reason}")
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} done, {task.fields[running]} running"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task_id = bar.add_task("watching", total=None, running=0)
    running: set[str] = set()

    def progress(stage: str, spec: SourceSpec, result: Any) -> None:
        if stage == "start":
            running.add(spec.id)
        else:
            running.discard(spec.id)
            bar.advance(task_id)
        bar.update(task_id, running=len(running), description=f"running {spec.id}" if running else "waiting")

    def on_cycle(report: CycleReport) -> None:
        if report.results or report.alerts_sent:
            stamp = f"{report.started_at:%Y-%m-%d %H:%M:%S}"
            console.print(f"{stamp} {report.line()}", highlight=False, soft_wrap=True)
            for r in report.results:
                if r.status == "failed":
                    console.print(f"  [red]{r.source_id}[/red]: {r.error}", highlight=False, soft_wrap=True)

    scheduler = Scheduler(
        workspace, clock=clock, specs=specs, named=bool(ids), progress=progress, on_cycle=on_cycle
    )
    console.print(
        f"watching {len(scheduler.schedule())} source(s); Ctrl-C or SIGTERM stops "
        "(a second one abandons the running sources)",
        highlight=False,
        soft_wrap=True,
    )
    with bar:
        asyncio.run(scheduler.run(max_cycles=max_cycles))
    print_summary(scheduler.totals)
    return stop_status(scheduler)


def stop_status(scheduler: Scheduler) -> int:
    """One line on stderr saying how a signal stopped the watch; its exit status."""
    import signal

    if scheduler.stopped_by is None:
        return 0
    name = signal.Signals(scheduler.stopped_by).name
    abandoned = sum(runs["abandoned"] for runs in scheduler.totals.runs.values())
    if abandoned:
        line = f"stopped by {name}: {abandoned} running source(s) abandoned, every lease given back"
    else:
        line = f"stopped by {name}: every running source finished, every lease given back"
    err_console.print(line, highlight=False, soft_wrap=True)
    return 128 + scheduler.stopped_by if abandoned else 0


def print_summary(totals: Totals) -> None:
    """A table per source (runs by status, events) and the totals."""
    from rich.table import Table

    table = Table("source", "runs", "ok", "unchanged", "failed", "other", "events", title="veille watch")
    for source_id in sorted(totals.runs):
        c = totals.runs[source_id]
        other = sum(n for s, n in c.items() if s not in ("ok", "unchanged", "failed"))
        table.add_row(
            source_id, str(sum(c.values())), str(c["ok"]), str(c["unchanged"]), str(c["failed"]), str(other),
            str(totals.events[source_id]),
        )  # fmt: skip
    if totals.runs:
        console.print(table)
    runs = sum(sum(c.values()) for c in totals.runs.values())
    console.print(
        f"stopped: {runs} run(s), {sum(totals.events.values())} event(s), {totals.alerts_sent} alert(s) sent",
        highlight=False,
        soft_wrap=True,
    )

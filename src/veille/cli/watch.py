"""``veille watch``: run the sources now (``--once``) and, later, on their cadence.

``--once`` runs every matching enabled source immediately, shows progress on stderr and a summary
table, and exits 1 (with one line) when every source that ran failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from veille.cli._common import console, err_console, warn, workspace
from veille.cli.main import app
from veille.errors import VeilleError

if TYPE_CHECKING:  # the collector (httpx, the source registry) loads when a watch runs
    from veille.collect import RunResult, Summary


class AllSourcesFailed(VeilleError):
    """Every source of a ``watch --once`` failed."""


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

        summary = run_sources(ws, specs, progress=progress)
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
        for s in ("ok", "unchanged", "suspect", "failed", "busy", "disabled")
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
) -> None:
    """Run the sources that are due (all of them with --once), detect changes, act."""
    if not once:
        from veille.watch import watch_forever

        watch_forever(workspace(ctx), ids=source or (), kind=kind, speed=speed)
        return
    summary = run_once(ctx, source, kind)
    _send_alerts(ctx)
    if summary.all_failed:
        raise AllSourcesFailed(
            f"all {len(summary.failed)} source(s) failed; see the table above and `veille sources list`"
        )

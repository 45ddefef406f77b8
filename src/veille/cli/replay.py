"""``veille replay DIR``: ingest a recorded capture set as if fetched at its recorded times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from veille.cli._common import check_claims, console, err_console, workspace
from veille.cli.main import app

if TYPE_CHECKING:
    from veille.collect.result import RunResult


@app.command("replay")
def replay(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Capture set: DIR/<time>/<source>/ bodies.")
    ],
) -> None:
    """Ingest a capture set (recorded responses with their fetch times) as if fetched then."""
    from veille.collect.replay import replay as replay_captures

    latest: list[datetime] = []

    def progress(source_id: str, when: datetime, result: RunResult) -> None:
        latest[:] = [max([when, *latest])]
        err_console.print(f"{when.isoformat()} {source_id}: {result.status}", highlight=False)

    summary = replay_captures(workspace(ctx), directory, progress=progress)
    if latest:
        check_claims(workspace(ctx), latest[0], [r.status for r in summary.results])
    table = Table("source", "status", "observations", "events", "error")
    for r in summary.results:
        table.add_row(r.source_id, r.status, str(r.observations), str(r.events), r.error or "")
    console.print(table)
    console.print(
        f"{len(summary.results)} run(s) replayed; {summary.count('failed')} failed; {summary.events} new event(s)"
        + (
            f"; {late} late (fetched before what their source already stored: kept, not compared)"
            if (late := summary.count("late"))
            else ""
        )
    )

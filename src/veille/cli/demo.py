"""``veille demo``: the whole watch, offline, on bundled capture sets, in accelerated time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from veille.cli._common import console
from veille.cli.main import app


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Workspace folder to build (replaced if it holds a previous demo).")
    ] = Path("veille-demo"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF reports.")] = True,
) -> None:
    """Run three weeks of watch over bundled captures: events, alerts in DIR/alerts.jsonl, reports in DIR/reports/."""
    from veille.demo import run_demo

    started = time.monotonic()
    console.print(f"[bold]veille demo[/bold] → {out.resolve()}")
    result = run_demo(out, lambda line: console.print("  " + line, highlight=False), pdf=pdf)
    table = Table(title="events detected", show_edge=False)
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, count in sorted(result.events.items()):
        table.add_row(kind, str(count))
    console.print(table)
    console.print(f"alerts sent: {result.alerts} → {out / 'alerts.jsonl'}")
    console.print(f"reports: {len(result.reports)} files in {out / 'reports'}")
    console.print(
        f"done in {time.monotonic() - started:.1f} s. Explore: veille --home {out} events | positioning | report battlecard --competitor ovhcloud"
    )

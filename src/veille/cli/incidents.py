"""``veille incidents``: competitors' incidents, and their statistics with ``--stats``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.normalise.dates import parse_when


@app.command("incidents")
def incidents(
    ctx: typer.Context,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor id.")] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="Per competitor: per month, by impact, MTTR.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="Started on or after DATE (ISO).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Started before DATE (ISO).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many incidents (0: all).")] = 50,
) -> None:
    """Competitors' incidents and maintenances, newest first.

    Incidents des concurrents."""
    from veille.analysis.incidents import list_incidents, statistics

    start = parse_when(since) if since else None
    end = parse_when(until) if until else None
    store = workspace(ctx).store
    with store.session() as session:
        if stats:
            data = statistics(session, competitor=competitor, since=start, until=end)
            if as_json:
                print_json(data)
                return
            table = Table(
                "competitor",
                "incidents",
                "maintenances",
                "unresolved",
                "by impact",
                "MTTR (min)",
                "per month",
            )
            for row in data["competitors"]:
                impacts = ", ".join(f"{k} {v}" for k, v in row["by_impact"].items())
                months = ", ".join(f"{k}: {v}" for k, v in row["per_month"].items())
                mttr = "-" if row["mttr_minutes"] is None else f"{row['mttr_minutes']:.1f}"
                table.add_row(
                    row["competitor"],
                    str(row["incidents"]),
                    str(row["maintenances"]),
                    str(row["unresolved"]),
                    impacts,
                    mttr,
                    months,
                )
            console.print(table)
            return
        records = list_incidents(session, competitor=competitor, since=start, until=end, limit=limit or None)
    if as_json:
        print_json([r.to_dict() for r in records])
        return
    table = Table("started", "competitor", "impact", "status", "kind", "region", "title")
    for r in records:
        started = r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-"
        table.add_row(started, r.competitor or "-", r.impact, r.status, r.kind, r.region or "", r.title[:80])
    console.print(table)
    if not records:
        console.print("no incidents stored yet / aucun incident enregistré")

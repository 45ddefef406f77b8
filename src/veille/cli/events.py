"""``veille events``: detected events, newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from veille.cli._common import competitor as competitor_id
from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.events import known_kinds
from veille.normalise.dates import parse_when


@app.command("events")
def events(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array.")] = False,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")] = None,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Only this competitor id.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Detected on or after DATE (ISO).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, held, accepted or dismissed.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 0,
) -> None:
    """Detected events, newest first.

    Les évènements détectés, du plus récent au plus ancien."""
    from sqlalchemy import select

    from veille.store.events import event_dict
    from veille.store.models import EventRow

    query = select(EventRow).order_by(EventRow.detected_at.desc(), EventRow.id.desc())
    if kind:
        query = query.where(EventRow.kind.in_(known_kinds(kind)))
    if competitor:
        query = query.where(EventRow.competitor == competitor_id(ctx, competitor))
    if since:
        query = query.where(EventRow.detected_at >= parse_when(since))
    if status:
        query = query.where(EventRow.status == status)
    if limit > 0:
        query = query.limit(limit)
    with workspace(ctx).store.session() as session:
        rows = [event_dict(r) for r in session.scalars(query)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "detected", "kind", "competitor", "importance", "title")
    for row in rows:
        flag = "" if row["status"] == "open" else f" [{row['status']}]"
        table.add_row(
            str(row["id"]),
            row["detected_at"][:16],
            row["kind"],
            row["competitor"] or "-",
            row["importance"] + flag,
            row["title"],
        )
    console.print(table)
    console.print(f"{len(rows)} event(s)")

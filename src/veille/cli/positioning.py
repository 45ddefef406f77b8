"""``veille positioning``: the price positioning table (reference products x competitors), live."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from veille.analysis.positioning import positioning as build_positioning
from veille.cli._common import console, print_json, workspace
from veille.cli.events import parse_when
from veille.cli.main import app


@app.command("positioning")
def positioning(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The JSON document of CONTRACT.md.")] = False,
    at: Annotated[str | None, typer.Option("--at", help="As it stood at DATE (offers valid then).")] = None,
) -> None:
    """Reference products against every competitor's cheapest matching offer, in EUR per month."""
    when = parse_when(at) if at else None
    with workspace(ctx).store.session() as session:
        doc = build_positioning(session, at=when)
    if as_json:
        print_json(doc)
        return
    labels = {p["id"]: p["label"] for p in doc["products"]}
    table = Table(
        "product",
        "competitor",
        "EUR/month",
        "x VMCloud",
        "basis",
        "offer",
        "GPU-h",
        "observed",
        title=f"as of {doc['as_of'][:16]}",
    )
    for row in doc["rows"]:
        offer = row["offer"] or {}
        name = (
            f"{offer.get('name') or offer.get('sku')} {offer.get('region') or ''}".strip() if offer else "-"
        )
        basis = row["basis"] + ("" if row["billing"] == "on_demand" else f" ({row['billing']})")
        observed = (row["observed_at"] or "-")[:10] + (" [stale]" if row.get("stale") else "")
        table.add_row(
            str(labels.get(row["product"], row["product"])),
            row["competitor"],
            row["monthly_eur"],
            row["ratio_to_self"] or "-",
            basis,
            name,
            row.get("per_gpu_hour_eur") or "",
            observed,
        )
    console.print(table)

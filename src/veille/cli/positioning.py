"""``veille positioning``: the price positioning table (reference products x competitors), live."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from veille.cli._common import console, print_json, workspace
from veille.cli.main import app
from veille.normalise.dates import parse_when


class Terms(StrEnum):
    on_demand = "on_demand"
    reserved = "reserved"


@app.command("positioning")
def positioning(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The JSON document of docs/contract.md.")] = False,
    at: Annotated[str | None, typer.Option("--at", help="As it stood at DATE (offers valid then).")] = None,
    terms: Annotated[
        Terms,
        typer.Option(
            "--terms",
            help="Terms compared first: on_demand (no commitment; else the shortest commitment) or reserved.",
        ),
    ] = Terms.on_demand,
) -> None:
    """Reference products against every competitor's cheapest matching offer, in EUR per month."""
    from veille.analysis.positioning import positioning as build_positioning

    when = parse_when(at) if at else None
    with workspace(ctx).store.session() as session:
        doc = build_positioning(session, at=when, terms=terms.value)
    if as_json:
        print_json(doc)
        return
    table = Table(title=f"EUR/month, as of {doc['as_of'][:16]} (ratio = price / VMCloud's)")
    for name in ("product", "competitor"):
        table.add_column(name, no_wrap=True)
    for name in ("EUR/mo", "ratio", "basis"):
        table.add_column(name, justify="right" if name != "basis" else "left", no_wrap=True)
    table.add_column("offer", min_width=8)
    table.add_column("GPU-h", justify="right", no_wrap=True)
    table.add_column("seen", no_wrap=True, min_width=10)
    for row in doc["rows"]:
        offer = row["offer"] or {}
        name = (
            f"{offer.get('name') or offer.get('sku')} {offer.get('region') or ''}".strip() if offer else "-"
        )
        months = (row.get("terms") or {}).get("commitment_months")
        basis = row["basis"] + ("" if row["billing"] == "on_demand" else f" {row['billing']}")
        basis += f" {months} mo" if months else ""
        basis += "" if row.get("compared") else " (not compared)"
        seen = (row["observed_at"] or "-")[:10] + (" stale" if row.get("stale") else "")
        table.add_row(
            row["product"],
            row["competitor"],
            row["monthly_eur"] or "no rate",
            row["ratio_to_self"] or "-",
            basis,
            name,
            row.get("per_gpu_hour_eur") or "",
            seen,
        )
    console.print(table)

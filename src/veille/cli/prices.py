"""``veille prices``: manual price entry and price history per competitor."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from veille.cli._common import check_claims, console, print_json, warn, workspace
from veille.cli.main import app
from veille.errors import NotFoundError, ValidationError
from veille.normalise.dates import parse_when
from veille.observations import CATEGORIES

if TYPE_CHECKING:
    from veille.store.models import OfferVersion

group = typer.Typer(
    help="Prices entered by hand and price history.\n\nPrix saisis à la main et historique.",
    no_args_is_help=True,
)
app.add_typer(group, name="prices")


def _amount(text: str | None, flag: str) -> Decimal | None:
    """A typed figure as a finite Decimal (its bounds are checked with the rest of the entry)."""
    if text is None:
        return None
    from veille.normalise import money

    try:
        return money.parse_typed(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ValidationError(f"{flag} must be a decimal amount like 5.50, not {shown!r}") from None


@group.command("add")
def add(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(metavar="COMPETITOR")],
    sku: Annotated[str, typer.Argument(metavar="SKU")],
    url: Annotated[str, typer.Option("--url", help="Page the price was read on.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    category: Annotated[str, typer.Option("--category", help=", ".join(CATEGORIES))] = "vps",
    vcpu: Annotated[str | None, typer.Option("--vcpu")] = None,
    ram_gb: Annotated[str | None, typer.Option("--ram-gb")] = None,
    disk_gb: Annotated[str | None, typer.Option("--disk-gb")] = None,
    gpu_model: Annotated[str | None, typer.Option("--gpu-model")] = None,
    gpu_count: Annotated[str | None, typer.Option("--gpu-count")] = None,
    price_monthly: Annotated[
        str | None, typer.Option("--price-monthly", help="Net of VAT, per month.")
    ] = None,
    price_hourly: Annotated[str | None, typer.Option("--price-hourly", help="Net of VAT, per hour.")] = None,
    currency: Annotated[str, typer.Option("--currency")] = "EUR",
    region: Annotated[str, typer.Option("--region")] = "",
    billing: Annotated[
        str, typer.Option("--billing", help="on_demand, spot, marketplace, reserved or promo.")
    ] = "on_demand",
    date: Annotated[
        str | None, typer.Option("--date", help="When the price was read (default: now).")
    ] = None,
    free_tier: Annotated[
        bool, typer.Option("--free-tier", help="The offer is free: a zero price is meant.")
    ] = False,
) -> None:
    """Record a price read on a competitor's page (source ``manual``); it passes the plausibility gate."""
    from veille.collect.manual import check_text, record_manual
    from veille.kb.ids import resolve_competitor
    from veille.observations import Offer

    ws = workspace(ctx)  # its competitor records are what the name resolves against
    when = parse_when(date) if date else datetime.now(UTC)
    if gpu_model:
        from veille.normalise.gpu import canonical_gpu

        check_text("gpu_model", gpu_model)
        gpu_model = canonical_gpu(gpu_model)
    offer = Offer(
        competitor=resolve_competitor(competitor[:100]),
        sku=sku.strip(),
        name=name or sku.strip(),
        category=category,
        currency=currency.strip().upper(),
        price_hourly=_amount(price_hourly, "--price-hourly"),
        price_monthly=_amount(price_monthly, "--price-monthly"),
        vcpu=_amount(vcpu, "--vcpu"),
        ram_gb=_amount(ram_gb, "--ram-gb"),
        disk_gb=_amount(disk_gb, "--disk-gb"),
        gpu_model=gpu_model,
        gpu_count=_amount(gpu_count, "--gpu-count"),
        region=region.strip() or None,
        billing=billing,
        unit="month" if price_hourly is None else "hour",
        extra={"manual_url": url, "entered_at": datetime.now(UTC).isoformat()},
        free_tier=free_tier,
    )
    result = record_manual(ws, offer, url=url, when=when)
    check_claims(workspace(ctx), datetime.now(UTC), [result.status])
    if result.status == "suspect":
        warn("the figure is held for review (implausible move): `veille held list`")
    console.print(f"recorded {offer.competitor} {sku} (run {result.run_id}): {result.events} event(s)")


def _row(v: OfferVersion) -> dict[str, Any]:
    from veille.normalise import money

    return {
        "id": v.id,
        "source_id": v.source_id,
        "sku": v.sku,
        "name": v.name,
        "region": v.region or None,
        "billing": v.billing,
        "category": v.category,
        "valid_from": v.valid_from.isoformat(),
        "valid_to": v.valid_to.isoformat() if v.valid_to else None,
        "currency": v.currency,
        "price_hourly": money.plain(v.price_hourly),
        "price_monthly": money.plain(v.price_monthly),
        "monthly_eur": money.plain(v.monthly_eur),
        "fx_rate": money.plain(v.fx_rate),
        "fx_date": v.fx_date,
        "held": v.held,
        "url": v.manual_url or (v.extra or {}).get("url"),
    }


@group.command("history")
def history(
    ctx: typer.Context,
    competitor: Annotated[str, typer.Argument(metavar="COMPETITOR")],
    product: Annotated[
        str | None, typer.Option("--product", help="Only offers matching this reference product.")
    ] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Versions valid on or after DATE.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every recorded version of a competitor's offers (oldest first per offer)."""
    from sqlalchemy import select

    from veille.analysis.positioning import Rule, reference
    from veille.store.models import OfferVersion

    query = select(OfferVersion).where(OfferVersion.competitor == competitor.lower())
    if sku:
        query = query.where(OfferVersion.sku == sku)
    if since:
        start = parse_when(since)
        query = query.where((OfferVersion.valid_to.is_(None)) | (OfferVersion.valid_to >= start))
    query = query.order_by(
        OfferVersion.sku, OfferVersion.region, OfferVersion.billing, OfferVersion.valid_from
    )
    with workspace(ctx).store.session() as session:
        versions = list(session.scalars(query))
        if product:
            products = {p["id"]: p for p in reference(session)[0]}
            if product not in products:
                raise NotFoundError(f"no reference product {product!r}; known: {', '.join(products)}")
            rule = Rule.from_spec(products[product]["spec"])
            versions = [v for v in versions if rule.monthly_eur(v) is not None]
        rows = [_row(v) for v in versions]
    if as_json:
        print_json(rows)
        return
    table = Table("sku", "region", "billing", "from", "to", "price", "EUR/month", "source")
    for r in rows:
        price = r["price_monthly"] or r["price_hourly"]
        unit = "/month" if r["price_monthly"] else "/h"
        table.add_row(
            r["sku"] + (" [held]" if r["held"] else ""),
            r["region"] or "-",
            r["billing"],
            r["valid_from"][:16],
            (r["valid_to"] or "current")[:16],
            f"{price} {r['currency']}{unit}",
            r["monthly_eur"] or "-",
            r["source_id"],
        )
    console.print(table)
    console.print(f"{len(rows)} version(s)")


own = typer.Typer(
    help="VMCloud's own catalogue, live.\n\nNotre propre catalogue, à jour.",
    no_args_is_help=True,
)
group.add_typer(own, name="own")


@own.command("import")
def own_import(
    ctx: typer.Context,
    location: Annotated[
        str, typer.Argument(metavar="FILE_OR_URL", help="CSV, JSON or YAML; or an http(s) URL.")
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="When the catalogue was valid (default: now).")
    ] = None,
) -> None:
    """Import our products and prices (sku, specs, region, price, currency): competitor ``vmcloud``,
    source ``vmcloud.catalogue``; positioning and claims then use them (docs/claims.md)."""
    from veille.collect.own import import_catalogue

    ws = workspace(ctx)
    when = parse_when(date) if date else datetime.now(UTC)
    result = import_catalogue(ws, location, when)
    if result.status == "failed":
        raise ValidationError(f"nothing imported: {result.error}")
    check_claims(ws, datetime.now(UTC), [result.status])
    if result.status == "suspect":
        warn("a price moved implausibly and is held for review: `veille review list`")
    if result.status == "late":
        warn(result.error or "late: not compared")
    console.print(
        f"imported {result.observations} product(s) of vmcloud (run {result.run_id}, {result.status}):"
        f" {result.events} event(s)"
    )

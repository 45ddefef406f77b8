"""Pricing pages that describe their plans as schema.org JSON-LD (``Product`` with ``Offer``s).

Each ``Product`` (top level, in a list or an ``@graph``) with an offer carrying ``price`` and
``priceCurrency`` gives one offer per priced ``Offer``; vCPU, RAM, disk and GPU are read from the
product's name and description (FR, EN, DE). The period is the offer's ``unitText`` or
``priceSpecification.unitCode`` when it says hour or month, else the source's ``period`` option
(default month).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from veille.errors import ParseError
from veille.normalise.categories import categorise
from veille.normalise.units import HOURS_PER_MONTH, clean
from veille.observations import Observation, Offer
from veille.sources._html_prices import read_specs
from veille.sources._price_json import gpu_fields
from veille.sources._registry import ParseContext, parser

PARSER = "pricing_page.jsonld"
MAX_HTML_BYTES = 8 * 1024 * 1024
_HOUR_WORDS = ("hour", "hr", "heure", "stunde", "hur")


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _nodes(item)
    elif isinstance(value, dict):
        yield value
        yield from _nodes(value.get("@graph", []))


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    return {str(k) for k in (kind if isinstance(kind, list) else [kind])}


def _offers(product: dict[str, Any]) -> list[dict[str, Any]]:
    offers = product.get("offers") or []
    listed = offers if isinstance(offers, list) else [offers]
    out = []
    for offer in listed:
        if isinstance(offer, dict) and "AggregateOffer" in _types(offer) and "offers" in offer:
            out += [o for o in _offers(offer) if isinstance(o, dict)]
        elif isinstance(offer, dict):
            out.append(offer)
    return out


def _period(offer: dict[str, Any], default: str) -> str:
    found = offer.get("priceSpecification")
    spec: dict[str, Any] = found if isinstance(found, dict) else {}
    text = " ".join(str(v) for v in (offer.get("unitText"), spec.get("unitText"), spec.get("unitCode")) if v)
    if any(word in text.lower() for word in _HOUR_WORDS) or "HUR" in text:
        return "hour"
    if "mon" in text.lower() or "MON" in text:
        return "month"
    return default


def _offer(product: dict[str, Any], offer: dict[str, Any], ctx: ParseContext, default: str) -> Offer | None:
    try:
        price = Decimal(str(offer.get("price")).replace(",", "."))
    except InvalidOperation:
        return None
    currency = offer.get("priceCurrency")
    name = str(product.get("name") or "").strip()
    if not name or not currency or not price.is_finite():
        return None
    period = _period(offer, default)
    specs = read_specs(f"{name} {product.get('description') or ''}")
    gpu = gpu_fields(specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb) if specs.gpu_name else {}
    sku = str(offer.get("sku") or product.get("sku") or name)
    return Offer(
        competitor=ctx.competitor or "",
        sku=sku,
        name=name,
        category=str(
            ctx.options.get("category") or (categorise(gpu_count=gpu["gpu_count"]) if gpu else "vps")
        ),
        currency=str(currency).upper(),
        price_hourly=price if period == "hour" else None,
        price_monthly=price if period == "month" else clean(price * HOURS_PER_MONTH),
        vcpu=specs.vcpu,
        ram_gb=specs.ram_gb,
        disk_gb=specs.disk_gb,
        unit=period,
        extra={"source_url": ctx.url, "extractor": "jsonld"},
        **gpu,
    )


def _blocks(body: bytes) -> Iterator[Any]:
    for script in LexborHTMLParser(body).css('script[type="application/ld+json"]'):
        try:
            yield json.loads(script.text(deep=True), parse_float=Decimal)
        except (ValueError, RecursionError):
            continue  # one broken block does not hide the others


@parser(PARSER, reads="a pricing page's schema.org JSON-LD (Product and Offer)")
def parse_jsonld(body: bytes, ctx: ParseContext) -> list[Observation]:
    if len(body) > MAX_HTML_BYTES:
        raise ParseError(PARSER, f"page of {len(body)} bytes is larger than {MAX_HTML_BYTES}")
    if not ctx.competitor:
        raise ParseError(PARSER, "a pricing page source needs a competitor")
    default = str(ctx.options.get("period") or "month")
    offers: list[Observation] = []
    for block in _blocks(body):
        for node in _nodes(block):
            if "Product" in _types(node):
                offers += [o for o in (_offer(node, x, ctx, default) for x in _offers(node)) if o is not None]
    if not offers:
        raise ParseError(PARSER, f"no schema.org Product with a priced Offer on {ctx.url or 'the page'}")
    return offers

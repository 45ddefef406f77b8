"""Pricing pages (HTML) of the providers without a price API: Infomaniak, Contabo, Hostinger, CoreWeave,
Paperspace.

Each page has a declarative entry in ``PAGES``: CSS selectors for a plan card and, within it, the
plan's name, price and spec lines, plus what the page leaves implicit (currency, per hour or per
month, decimal comma, category). ``pricing_page.html`` applies the entry matching the page's host and
falls back to the generic extractor when the selectors find nothing (a redesign), saying so in
``extra["extractor"]``; ``pricing_page.generic`` runs the generic extractor alone (plan tables with a
header naming vCPU / RAM / GPU / price columns, and cards holding both a price and a spec, in French,
English and German formats). Prices a page marks as including VAT are flagged ``extra["vat"] =
"incl"`` and kept as shown. A price per GPU is multiplied by the GPU count. The sources are
``html=True`` (robots.txt is honoured) and ``verified=False``: the selectors were written against
project fixtures, not checked on the live pages, so they stay disabled until someone checks them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from veille.errors import ParseError
from veille.normalise.categories import categorise
from veille.normalise.units import HOURS_PER_MONTH, cap_hours, clean
from veille.observations import Observation, Offer
from veille.sources._html_plans import Plan, Selectors, extract_plans, extract_with
from veille.sources._html_prices import ParsedPrice, parse_price
from veille.sources._price_json import gpu_fields
from veille.sources._registry import ParseContext, parser

MAX_HTML_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class PageConfig:
    """How to read one provider's pricing page."""

    competitor: str
    url: str
    selectors: Selectors
    currency: str = "EUR"
    period: str = "month"  # when a price says neither per hour nor per month
    decimal_separator: str | None = None
    category: str = "vps"
    region: str | None = None


PAGES: dict[str, PageConfig] = {
    "infomaniak": PageConfig(
        competitor="infomaniak",
        url="https://www.infomaniak.com/en/hosting/public-cloud/prices",
        selectors=Selectors(table="table.flavors"),
        currency="CHF",
        period="hour",
        region="ch-gva",
    ),
    "contabo": PageConfig(
        competitor="contabo",
        url="https://contabo.com/en/vps/",
        selectors=Selectors(
            card="div.product-card", name=".product-card__name", price=".product-card__price", specs="ul"
        ),
        currency="EUR",
        region="eu",
    ),
    "hostinger": PageConfig(
        competitor="hostinger",
        url="https://www.hostinger.com/vps-hosting",
        selectors=Selectors(
            card="[data-testid=plan-card]", name="h3", price="[data-testid=plan-price]", specs="ul"
        ),
        currency="EUR",
    ),
    "coreweave": PageConfig(
        competitor="coreweave",
        url="https://www.coreweave.com/pricing",
        selectors=Selectors(table="table.pricing-table"),
        currency="USD",
        period="hour",
        category="gpu",
    ),
    "paperspace": PageConfig(
        competitor="paperspace",
        url="https://www.paperspace.com/pricing",
        selectors=Selectors(
            card=".gpu-card", name=".gpu-card__title", price=".gpu-card__price", specs=".gpu-card__specs"
        ),
        currency="USD",
        period="hour",
        category="gpu",
    ),
}


class NoPlansFound(ParseError):
    """Neither the page's selectors nor the generic extractor found a priced plan on the page."""


def parse_price_text(text: str) -> ParsedPrice | None:
    """The first price ``text`` shows, with its currency and period (see ``_html_prices.parse_price``)."""
    return parse_price(text)


def page_config(ctx: ParseContext) -> PageConfig | None:
    """The declared entry of the page ``ctx`` reads (by host, else by source id), or None."""
    return _config(ctx)


def selectors_failed(offers: list[Observation], ctx: ParseContext) -> bool:
    """Whether a page with declared selectors was read by the generic fallback (its selectors found nothing)."""
    if _config(ctx) is None:
        return False
    return any(isinstance(o, Offer) and o.extra.get("extractor") != "selectors" for o in offers)


SELECTOR_OPTIONS = ("card", "name", "price", "specs", "table")
PAGE_OPTIONS = (*SELECTOR_OPTIONS, "currency", "period", "decimal_separator", "category", "region")


def config_from_options(options: Mapping[str, Any], competitor: str, url: str) -> PageConfig:
    """A page entry written as a source's options (``veille sources add pricing-page --option card=...``)."""
    unknown = sorted(set(options) - set(PAGE_OPTIONS))
    if unknown:
        raise ParseError(
            "pricing_page.html", f"unknown option {unknown[0]!r} (known: {', '.join(PAGE_OPTIONS)})"
        )
    selectors = Selectors(**{k: str(options[k]) for k in SELECTOR_OPTIONS if options.get(k)})
    if not selectors.table and not (selectors.card and selectors.name and selectors.price):
        raise ParseError("pricing_page.html", "give the options table=SELECTOR, or card, name and price")
    extra = {k: str(options[k]) for k in ("currency", "period", "decimal_separator", "category", "region")
             if options.get(k)}  # fmt: skip
    return PageConfig(competitor=competitor, url=url, selectors=selectors, **extra)


def _config(ctx: ParseContext) -> PageConfig | None:
    """The source's own selectors (its options), else the page entry for the URL's host, else for the
    source id."""
    if ctx.options:
        return config_from_options(ctx.options, ctx.competitor or "", ctx.url)
    host = urlsplit(ctx.url).hostname or ""
    for page in PAGES.values():
        if host and host == urlsplit(page.url).hostname:
            return page
    key = ctx.source_id.split(".", 1)[1] if ctx.source_id.startswith("pricing_page.") else ""
    return PAGES.get(key)


def _decode(body: bytes, pid: str) -> str:
    if not body.strip():
        raise ParseError(pid, "empty body: expected an HTML page")
    if len(body) > MAX_HTML_BYTES:
        raise ParseError(pid, f"page of {len(body)} bytes is larger than {MAX_HTML_BYTES}")
    text = body.decode("utf-8", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        raise ParseError(pid, "got JSON where an HTML pricing page was expected")
    return text


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "plan"


def _offer(plan: Plan, competitor: str, page: PageConfig | None, url: str) -> Offer | None:
    specs = plan.specs
    gpu = gpu_fields(specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb) if specs.gpu_name else {}
    count = gpu.get("gpu_count") or Decimal(1)
    hourly = monthly = None
    for price in plan.prices:
        amount = clean(price.amount * count) if price.per_gpu else price.amount
        period = price.period or (page.period if page else "month")
        if period == "hour" and hourly is None:
            hourly = amount
        elif period == "month" and monthly is None:
            monthly = amount
        elif period == "year" and monthly is None:
            monthly = clean(amount / 12)
    if hourly is None and monthly is None:
        return None
    first = plan.prices[0]
    unit = "hour" if hourly is not None else "month"
    cap = cap_hours(monthly, hourly)  # both shown: the monthly figure caps the hourly bill
    if monthly is None and hourly is not None:
        monthly = clean(hourly * HOURS_PER_MONTH)
    category = categorise(gpu_count=gpu.get("gpu_count")) if gpu else (page.category if page else "vps")
    extra: dict[str, Any] = {
        "extractor": plan.extractor,
        "source_url": url,
        "price_text": first.text,
        "starting_from": any(p.starting_from for p in plan.prices),
        "vat": first.vat,
    }
    if plan.list_price is not None:
        extra["list_price"] = format(plan.list_price.amount, "f")
    return Offer(
        competitor=competitor,
        sku=_slug(plan.name),
        name=plan.name,
        category=category,
        currency=first.currency or (page.currency if page else "EUR"),
        price_hourly=hourly,
        price_monthly=monthly,
        vcpu=specs.vcpu,
        ram_gb=specs.ram_gb,
        disk_gb=specs.disk_gb,
        region=page.region if page else None,
        billing="promo" if plan.list_price is not None else "on_demand",
        unit=unit,
        monthly_cap_hours=cap,
        extra=extra,
        **gpu,
    )


def _competitor(ctx: ParseContext, page: PageConfig | None, pid: str) -> str:
    competitor = (page.competitor if page else None) or ctx.competitor
    if not competitor:
        raise ParseError(pid, f"cannot tell whose page {ctx.url!r} is: no competitor given and no known host")
    return competitor


def _to_offers(plans: list[Plan], competitor: str, page: PageConfig | None, url: str) -> list[Observation]:
    offers: list[Observation] = []
    for plan in plans:
        offer = _offer(plan, competitor, page, url)
        if offer is not None:
            offers.append(offer)
    return offers


@parser(
    "pricing_page.html",
    reads="a provider's pricing page (HTML): declarative selectors per page, generic fallback",
)
def parse_pricing_page(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "pricing_page.html"
    html = _decode(body, pid)
    page = _config(ctx)
    competitor = _competitor(ctx, page, pid)
    plans: list[Plan] = []
    if page is not None:
        plans = extract_with(html, page.selectors, decimal_separator=page.decimal_separator)
    if not plans:
        plans = extract_plans(html, decimal_separator=page.decimal_separator if page else None)
    offers = _to_offers(plans, competitor, page, ctx.url)
    if not offers:
        where = (
            f"selectors {page.selectors.table or page.selectors.card!r} matched nothing and " if page else ""
        )
        raise NoPlansFound(
            pid, f"{where}no plan with a price and a vCPU/RAM/GPU spec found on {ctx.url or 'the page'}"
        )
    return offers


@parser("pricing_page.generic", reads="any pricing page (HTML): generic plan tables and cards (FR, EN, DE)")
def parse_generic_page(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "pricing_page.generic"
    html = _decode(body, pid)
    page = _config(ctx)
    offers = _to_offers(extract_plans(html), _competitor(ctx, page, pid), None, ctx.url)
    if not offers:
        raise NoPlansFound(
            pid, f"no plan with a price and a vCPU/RAM/GPU spec found on {ctx.url or 'the page'}"
        )
    return offers

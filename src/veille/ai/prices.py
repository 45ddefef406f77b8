"""The price-reading agent: a pricing page's text to the model, every figure checked against the page.

``read_prices`` sends the cleaned text of a page (``page_text``: scripts, styles, navigation and
footers removed, whitespace collapsed, size capped) with the ``PriceAnswer`` schema, then
``check_offers`` keeps only what the page proves, one reason per rejected offer:

- the quote must be a passage of the page (whitespace aside), and the name too;
- every number (price, vCPU, RAM, disk, GPU count) must be one the quote writes, after locale
  normalisation (``1.299,95 €``, ``$0.0119/hr``, ``1 299,00``): the quote is on the page, so the
  number is too, and it is the offer's own, not a figure of the plan next to it; a size may be the
  quote's figure converted from TB;
- the currency is an ISO 4217 code and agrees with the currency the quote shows (or, where the quote
  shows none, with the currency the page's entry declares);
- the unit is one of ``UNITS`` and agrees with the period the quote shows; billing one of ``BILLINGS``;
- a field the page does not give stays null: a guess is a number not on the page, so it is rejected.

Accepted offers carry ``extra["extracted_by"] = "model"``, the model's name and the quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, Field
from selectolax.lexbor import LexborHTMLParser

from veille.ai.client import AiError
from veille.normalise.units import clean
from veille.observations import Billing, Offer
from veille.sources.pricing_pages import parse_price_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from veille.ai.client import ModelClient

PROMPT_VERSION = "prices-1"
PURPOSE = "prices"
UNITS = ("hour", "month", "minute", "year")
BILLINGS: tuple[str, ...] = get_args(Billing)
HOURS_PER_MONTH = Decimal(730)
_DROP = ["script", "style", "noscript", "template", "svg", "iframe", "nav", "footer", "form"]


class ModelOffer(BaseModel):
    """One offer as the model read it; ``quote`` is the exact passage of the page it comes from."""

    name: str = Field(max_length=200)
    vcpu: Decimal | None = None
    ram_gb: Decimal | None = None
    disk_gb: Decimal | None = None
    gpu_model: str | None = Field(default=None, max_length=120)
    gpu_count: int | None = None
    region: str | None = Field(default=None, max_length=80)
    price: Decimal
    currency: str = Field(max_length=8)
    unit: str = Field(max_length=20)
    billing: str | None = Field(default=None, max_length=20)
    quote: str = Field(max_length=1000)


class PriceAnswer(BaseModel):
    """What the model is asked to answer: the offers of the page (none if it shows none)."""

    offers: list[ModelOffer] = Field(max_length=500)


SYSTEM = f"""You read cloud pricing pages. Answer with one JSON object only, of this shape:
{{"offers": [{{"name": str, "vcpu": number|null, "ram_gb": number|null, "disk_gb": number|null,
"gpu_model": str|null, "gpu_count": integer|null, "region": str|null, "price": number,
"currency": "ISO 4217 code", "unit": one of {list(UNITS)}, "billing": one of {list(BILLINGS)} or null,
"quote": "the exact passage of the page the offer and its price are read from"}}]}}
Rules: copy the price exactly as the page writes it, as a JSON number with a dot for decimals (the page's
"1.299,95 €" is 1299.95); never compute, convert or round a figure; a field the page does not state is
null, never a guess; the quote is copied character for character from the page and holds the offer's
name, price and the specs given; an offer without a price is left out; a page without offers gives {{"offers": []}}."""


@dataclass
class Reading:
    """What the model read of one page, once checked."""

    offers: list[Offer] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"offer": name, "reason": why}
    model: str = ""
    call_id: int | None = None
    cached: bool = False
    tokens: int = 0
    error: str | None = None  # the whole answer failed (timeout, budget, bad JSON, refusal)

    def summary(self) -> str:
        """One line: what was kept and what was rejected, and why."""
        if self.error:
            return f"the model's reading failed: {self.error}"
        reasons = "; ".join(f"{r['offer']}: {r['reason']}" for r in self.rejected[:5])
        more = f" (+{len(self.rejected) - 5} more)" if len(self.rejected) > 5 else ""
        rejected = f", {len(self.rejected)} rejected: {reasons}{more}" if self.rejected else ""
        return f"the model ({self.model}) read {len(self.offers)} offer(s) the page proves{rejected}"


@dataclass(frozen=True)
class PageFacts:
    """What an offer read from a page defaults to where the model says nothing."""

    competitor: str
    url: str
    currency: str | None = None
    region: str | None = None
    category: str = "vps"


def page_text(html: str | bytes, limit: int = 24_000) -> str:
    """The readable text of a page: no scripts, styles, navigation or footers; lines collapsed; capped."""
    tree = LexborHTMLParser(html)
    tree.strip_tags(_DROP)
    root = tree.body or tree.root
    raw = root.text(separator="\n") if root is not None else ""
    lines = (re.sub(r"[ \t\r\f\v\u00a0\u202f\u2009]+", " ", line).strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)[:limit]


def read_prices(
    client: ModelClient,
    html: str | bytes,
    facts: PageFacts,
    *,
    session: Session | None = None,
    source_id: str | None = None,
    run_id: int | None = None,
) -> Reading:
    """The offers the model reads on the page and the page proves; a failed call is ``Reading.error``."""
    text = page_text(html, client.settings.ai_max_page_chars)
    reading = Reading(model=client.model)
    if not text:
        reading.error = "the page has no text"
        return reading
    user = f"Pricing page {facts.url}:\n\n{text}"
    try:
        done = client.complete(
            PriceAnswer, SYSTEM, user, purpose=PURPOSE, version=PROMPT_VERSION,
            session=session, source_id=source_id, run_id=run_id,
        )  # fmt: skip
    except AiError as exc:
        reading.error = str(exc)
        return reading
    assert isinstance(done.value, PriceAnswer)
    reading.call_id, reading.cached = done.call_id, done.cached
    reading.tokens = done.prompt_tokens + done.completion_tokens
    reading.offers, reading.rejected = check_offers(done.value, text, facts, client.model)
    client.note(done.call_id, {"accepted": len(reading.offers), "rejected": reading.rejected}, session)
    return reading


def check_offers(
    answer: PriceAnswer, text: str, facts: PageFacts, model: str
) -> tuple[list[Offer], list[dict[str, str]]]:
    """The offers of ``answer`` that ``text`` proves, and the others with the reason each failed."""
    page = _Page(text)
    kept: list[Offer] = []
    rejected: list[dict[str, str]] = []
    skus: set[tuple[str, str]] = set()
    for offer in answer.offers:
        reason = page.problem(offer, facts)
        built = None if reason else _offer(offer, facts, model)
        if built is not None and (built.sku, built.region or "") in skus:
            reason = "the same offer twice"
        if reason or built is None:
            rejected.append({"offer": offer.name[:80], "reason": reason or "no price"})
            continue
        skus.add((built.sku, built.region or ""))
        kept.append(built)
    return kept, rejected


# --- the checks ------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:[.,'\u00a0\u202f\u2009 ]\d{3}(?!\d))+(?:[.,]\d+)?|\d*[.,]?\d+")
_SPACES = re.compile(r"\s+")


def numbers_in(text: str) -> set[Decimal]:
    """Every number ``text`` writes, read with a decimal comma and with a decimal point."""
    found: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        token = re.sub(r"[\u00a0\u202f\u2009 ']", "", match.group(0))
        for decimal, thousands in ((",", "."), (".", ",")):
            candidate = token.replace(thousands, "").replace(decimal, ".")
            try:
                found.add(Decimal(candidate).normalize())
            except InvalidOperation:
                continue
        for part in re.split(r"[\u00a0\u202f\u2009 ']", match.group(0)):  # "10 400": also 10 and 400
            if part.isdigit():
                found.add(Decimal(part).normalize())
    return found


def _squeeze(text: str) -> str:
    return _SPACES.sub("", text)


class _Page:
    """The page's text as the checks read it."""

    def __init__(self, text: str) -> None:
        self.squeezed = _squeeze(text)
        self.folded = self.squeezed.casefold()

    def problem(self, offer: ModelOffer, facts: PageFacts) -> str | None:
        """Why ``offer`` cannot be believed, or None."""
        quote = _squeeze(offer.quote)
        if not quote or quote not in self.squeezed:
            return "quote not found on the page"
        if _squeeze(offer.name).casefold() not in self.folded:
            return f"name {offer.name[:60]!r} not found on the page"
        numbers = numbers_in(offer.quote)
        if offer.price not in numbers:
            return f"price {offer.price} not in the quote"
        for label, value in (("vCPU", offer.vcpu), ("gpu_count", offer.gpu_count)):
            if value is not None and Decimal(value) not in numbers:
                return f"{label} {value} not in the quote"
        for label, value in (("ram_gb", offer.ram_gb), ("disk_gb", offer.disk_gb)):
            if value is not None and not _size_in(value, numbers):
                return f"{label} {value} not in the quote"
        for label, word in (("gpu_model", offer.gpu_model), ("region", offer.region)):
            if word and _squeeze(word).casefold() not in self.folded:
                return f"{label} {word[:60]!r} not found on the page"
        return _money_problem(offer, facts)


def _size_in(value: Decimal, numbers: set[Decimal]) -> bool:
    """Whether a size in GB is one of ``numbers``, as is or written in TB."""
    return value in numbers or any(value / factor in numbers for factor in (Decimal(1000), Decimal(1024)))


def _money_problem(offer: ModelOffer, facts: PageFacts) -> str | None:
    """Currency, unit and billing: closed lists, and no contradiction with what the quote shows."""
    closed = _closed_list_problem(offer)
    if closed is not None:
        return closed
    shown = parse_price_text(offer.quote)
    currency = shown.currency if shown is not None else None
    if currency and currency != offer.currency:
        return f"currency {offer.currency} but the quote shows {currency}"
    if not currency and facts.currency and facts.currency != offer.currency:
        return f"currency {offer.currency} but the quote shows none and the page's prices are in {facts.currency}"
    if shown is not None and shown.period and shown.period != offer.unit:
        return f"unit {offer.unit} but the quote says per {shown.period}"
    return None


def _closed_list_problem(offer: ModelOffer) -> str | None:
    from babel.numbers import list_currencies

    if offer.currency not in list_currencies():
        return f"currency {offer.currency!r} is not an ISO 4217 code"
    if offer.unit not in UNITS:
        return f"unit {offer.unit!r} is not one of {', '.join(UNITS)}"
    if offer.billing is not None and offer.billing not in BILLINGS:
        return f"billing {offer.billing!r} is not one of {', '.join(BILLINGS)}"
    if offer.price <= 0 or not offer.price.is_finite():
        return f"price {offer.price} is not a positive amount"
    return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "plan"


def _prices(price: Decimal, unit: str) -> tuple[Decimal | None, Decimal | None, str]:
    """(hourly, monthly, unit) as offers store them: per hour and per month, 730 hours a month."""
    if unit == "hour":
        return price, price * HOURS_PER_MONTH, "hour"
    if unit == "minute":
        hourly = price * 60
        return hourly, hourly * HOURS_PER_MONTH, "minute"
    if unit == "year":
        return None, (price / 12).quantize(Decimal("0.0001")), "month"
    return None, price, "month"


def _offer(o: ModelOffer, facts: PageFacts, model: str) -> Offer:
    hourly, monthly, unit = _prices(o.price, o.unit)
    extra: dict[str, Any] = {
        "extracted_by": "model",
        "model": model,
        "quote": o.quote[:500],
        "source_url": facts.url,
        "extractor": "model",
        "price_text": f"{o.price} {o.currency}/{o.unit}",
    }
    gpu = bool(o.gpu_model)
    return Offer(
        competitor=facts.competitor,
        sku=_slug(o.name),
        name=o.name[:120],
        category="gpu" if gpu else facts.category,
        currency=o.currency,
        price_hourly=clean(hourly) if hourly is not None else None,
        price_monthly=clean(monthly) if monthly is not None else None,
        vcpu=o.vcpu,
        ram_gb=o.ram_gb,
        disk_gb=o.disk_gb,
        gpu_model=o.gpu_model,
        gpu_count=Decimal(o.gpu_count) if o.gpu_count is not None else None,  # null over a guess
        region=o.region or facts.region,
        billing=o.billing or "on_demand",
        unit=unit,
        extra=extra,
    )

"""A JSON price API described by a field mapping in JMESPath (``veille sources add price-api``).

The source's options say where the offers are and what each field is, as JMESPath expressions
(https://jmespath.org, evaluated by the ``jmespath`` library, which only reads the document)::

    items: plans[?active]        # the list of offers (default: the document itself)
    sku: id                      # each field is read within one item
    name: name
    price: price.amount          # a number or a decimal string
    currency: "'EUR'"            # a JMESPath literal when the API does not say
    period: month                # hour or month: what the price is per (not an expression)
    vcpu: specs.cpu
    ram_gb: specs.memory_gb
    disk_gb, gpu_model, gpu_count, gpu_memory_gb, region: optional

Amounts are read as ``Decimal`` from the source's own digits. An item without a name or a price is
skipped; a document where no item has both, or a mapping that is not valid JMESPath, is a parse error.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from veille.errors import ParseError
from veille.normalise.categories import categorise
from veille.normalise.units import HOURS_PER_MONTH, clean
from veille.observations import Observation, Offer
from veille.sources._price_json import load_json
from veille.sources._registry import ParseContext, parser

PARSER = "price_api.jmespath"
MAX_BYTES = 16 * 1024 * 1024
FIELDS = ("items", "sku", "name", "price", "currency", "vcpu", "ram_gb", "disk_gb", "gpu_model", "gpu_count",
          "gpu_memory_gb", "region")  # fmt: skip
REQUIRED = ("name", "price", "currency")


def check_options(options: Mapping[str, Any]) -> None:
    """Refuse a mapping veille cannot use: a missing field, an unknown one, or bad JMESPath."""
    unknown = sorted(set(options) - {*FIELDS, "period", "category"})
    if unknown:
        raise ParseError(
            PARSER, f"unknown option {unknown[0]!r} (known: {', '.join(FIELDS)}, period, category)"
        )
    missing = [k for k in REQUIRED if not options.get(k)]
    if missing:
        raise ParseError(PARSER, f"the field mapping needs {missing[0]!r} (a JMESPath expression)")
    if options.get("period", "month") not in ("hour", "month"):
        raise ParseError(PARSER, "period must be hour or month")
    for key in FIELDS:
        if options.get(key):
            try:
                jmespath.compile(str(options[key]))
            except JMESPathError as error:
                raise ParseError(PARSER, f"option {key}: not valid JMESPath ({error})") from None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _offer(item: Any, fields: Mapping[str, Any], ctx: ParseContext, period: str) -> Offer | None:
    values = {key: expr.search(item) for key, expr in fields.items()}
    name, price = values.get("name"), _decimal(values.get("price"))
    if not name or price is None or not values.get("currency"):
        return None
    hourly = price if period == "hour" else None
    monthly = price if period == "month" else clean(price * HOURS_PER_MONTH)
    gpu_count = _decimal(values.get("gpu_count"))
    return Offer(
        competitor=ctx.competitor or "",
        sku=str(values.get("sku") or name),
        name=str(name),
        category=str(ctx.options.get("category") or categorise(gpu_count=gpu_count)),
        currency=str(values["currency"]).upper(),
        price_hourly=hourly,
        price_monthly=monthly,
        vcpu=_decimal(values.get("vcpu")),
        ram_gb=_decimal(values.get("ram_gb")),
        disk_gb=_decimal(values.get("disk_gb")),
        gpu_model=str(values["gpu_model"]) if values.get("gpu_model") else None,
        gpu_count=gpu_count,
        gpu_memory_gb=_decimal(values.get("gpu_memory_gb")),
        region=str(values["region"]) if values.get("region") else None,
        unit=period,
        extra={"source_url": ctx.url, "extractor": "jmespath"},
    )


@parser(PARSER, reads="any JSON price API, through the source's JMESPath field mapping (options)")
def parse_price_api(body: bytes, ctx: ParseContext) -> list[Observation]:
    if len(body) > MAX_BYTES:
        raise ParseError(PARSER, f"body of {len(body)} bytes is larger than {MAX_BYTES}")
    if not ctx.competitor:
        raise ParseError(PARSER, "a price API source needs a competitor")
    check_options(ctx.options)
    document = load_json(body, PARSER)
    items = jmespath.search(str(ctx.options["items"]), document) if ctx.options.get("items") else document
    if not isinstance(items, list):
        raise ParseError(PARSER, f"`items` gave {type(items).__name__}, not a list of offers")
    fields = {k: jmespath.compile(str(ctx.options[k])) for k in FIELDS[1:] if ctx.options.get(k)}
    period = str(ctx.options.get("period") or "month")
    offers: list[Observation] = [o for o in (_offer(i, fields, ctx, period) for i in items) if o is not None]
    if not offers:
        raise ParseError(PARSER, f"none of the {len(items)} item(s) has a name, a price and a currency")
    return offers

"""VMCloud's own catalogue: our products and prices from a CSV, JSON or YAML file (or a URL serving one).

The file is ours, so it is read strictly: a header (CSV) or keys (JSON, YAML) among :data:`FIELDS`,
one product per row with at least ``sku``, ``currency`` and ``price_monthly`` or ``price_hourly``.
Any bad row fails the whole file with one line naming the row (``row 3 (sku 'vps-m'): ...``): nothing
is half-imported. ``veille prices own import FILE|URL`` stores it as the run of the pseudo-source
:data:`OWN_SOURCE` (competitor ``vmcloud``), with a history kept like a competitor's (docs/claims.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, get_args

from veille.errors import ParseError
from veille.normalise.gpu import canonical_gpu
from veille.normalise.money import CONVERTIBLE
from veille.observations import CATEGORIES, Billing, Observation, Offer
from veille.sources._price_json import load_json
from veille.sources._registry import ParseContext, parser

PARSER = "vmcloud.catalogue"
OWN_SOURCE = "vmcloud.catalogue"
OWN_COMPETITOR = "vmcloud"
OWN_CADENCE = timedelta(days=30)  # a catalogue we import by hand: stale after three months without one
MAX_ROWS = 10_000
FIELDS = (
    "sku",
    "name",
    "category",
    "vcpu",
    "ram_gb",
    "disk_gb",
    "gpu_model",
    "gpu_count",
    "region",
    "price_monthly",
    "price_hourly",
    "currency",
    "billing",
)
_NUMBERS = ("vcpu", "ram_gb", "disk_gb", "gpu_count", "price_monthly", "price_hourly")
_BILLINGS: tuple[str, ...] = get_args(Billing)
_MAX_TEXT = {"sku": 200, "name": 300, "region": 80, "gpu_model": 80}


def _fail(message: str) -> ParseError:
    return ParseError(PARSER, message)


def _format(body: bytes, url: str) -> str:
    """csv, json or yaml: by the URL's or file's extension, else by the first character."""
    path = url.split("?", 1)[0].lower()
    for ext, kind in ((".csv", "csv"), (".json", "json"), (".yaml", "yaml"), (".yml", "yaml")):
        if path.endswith(ext):
            return kind
    head = body.lstrip()[:1]
    if head in (b"[", b"{"):
        return "json"
    first = body.lstrip().split(b"\n", 1)[0]
    return "csv" if b"," in first and b":" not in first else "yaml"


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"the catalogue is not UTF-8 text (byte {exc.start})") from None


def _csv_rows(body: bytes) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(_text(body)))
    if not reader.fieldnames:
        raise _fail("the CSV catalogue is empty: expected a header line (sku,...,price_monthly,currency)")
    rows: list[dict[str, Any]] = []
    for row in reader:
        if None in row:
            raise _fail(f"row {len(rows) + 1}: more cells than the header has columns")
        if any((v or "").strip() for v in row.values()):
            rows.append({k.strip(): v for k, v in row.items() if k is not None})
    return rows


def _tree_rows(tree: Any, kind: str) -> list[Any]:
    if isinstance(tree, Mapping) and "offers" in tree:
        tree = tree["offers"]
    if not isinstance(tree, list):
        raise _fail(f"the {kind.upper()} catalogue must be a list of products (or {{offers: [...]}})")
    return tree


def _rows(body: bytes, url: str) -> list[Any]:
    kind = _format(body, url)
    if kind == "csv":
        return _csv_rows(body)
    if kind == "json":
        return _tree_rows(load_json(body, PARSER), kind)
    import yaml

    try:  # BaseLoader: every scalar stays text (exact decimals, no object construction)
        tree = yaml.load(_text(body), Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise _fail(f"the YAML catalogue does not parse: {str(exc).splitlines()[0]}") from None
    return _tree_rows(tree, kind)


def _cell(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None or isinstance(value, bool):
        return None if value is None else str(value).lower()
    if isinstance(value, Mapping | list):
        raise ValueError(f"{name} must be a single value")
    text = str(value).strip()
    return text or None


def _number(row: Mapping[str, Any], name: str) -> Decimal | None:
    text = _cell(row, name)
    if text is None:
        return None
    try:
        value = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        raise ValueError(f"{name} {text[:40]!r} is not a decimal number") from None
    if not value.is_finite() or value < 0 or (value == 0 and name.startswith("price_")):
        raise ValueError(f"{name} must be more than 0, not {text[:40]}")
    return value


def _checked_text(row: Mapping[str, Any], name: str) -> str | None:
    text = _cell(row, name)
    if text is not None and (len(text) > _MAX_TEXT[name] or not text.isprintable()):
        raise ValueError(f"{name} is too long or holds a control character")
    return text


def _choice(row: Mapping[str, Any], name: str, allowed: Sequence[str], default: str) -> str:
    value = (_cell(row, name) or default).lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value


def _offer(row: Any) -> Offer:
    if not isinstance(row, Mapping):
        raise ValueError("a product must be a mapping of fields")
    unknown = sorted(str(k) for k in row if k not in FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)[:80]}; known: {', '.join(FIELDS)}")
    sku = _checked_text(row, "sku")
    if not sku:
        raise ValueError("sku is missing")
    currency = (_cell(row, "currency") or "").upper()
    if currency not in CONVERTIBLE:
        raise ValueError(f"currency must be one of {', '.join(sorted(CONVERTIBLE))}, not {currency[:10]!r}")
    numbers = {name: _number(row, name) for name in _NUMBERS}
    if numbers["price_monthly"] is None and numbers["price_hourly"] is None:
        raise ValueError("give price_monthly or price_hourly")
    gpu = _checked_text(row, "gpu_model")
    category = _choice(row, "category", CATEGORIES, "vps")
    return Offer(
        competitor=OWN_COMPETITOR,
        sku=sku,
        name=_checked_text(row, "name") or sku,
        category=category,
        currency=currency,
        region=_checked_text(row, "region"),
        billing=_choice(row, "billing", _BILLINGS, "on_demand"),
        unit=_unit(category, numbers["price_monthly"] is not None),
        gpu_model=canonical_gpu(gpu) if gpu else None,
        price_monthly=numbers["price_monthly"],
        price_hourly=numbers["price_hourly"],
        vcpu=numbers["vcpu"],
        ram_gb=numbers["ram_gb"],
        disk_gb=numbers["disk_gb"],
        gpu_count=numbers["gpu_count"],
    )


def _unit(category: str, monthly: bool) -> str:
    """Storage is priced per GB and month (the price table's Storage/TB is 1,000 of them)."""
    if category in ("block_storage", "object_storage"):
        return "GB-month" if monthly else "GB-hour"
    return "month" if monthly else "hour"


def _who(row: Any) -> str:
    sku = row.get("sku") if isinstance(row, Mapping) else None
    return f" (sku {str(sku)[:60]!r})" if sku else ""


@parser(PARSER, reads="VMCloud's own catalogue: a CSV, JSON or YAML list of products (docs/claims.md)")
def parse_catalogue(body: bytes, ctx: ParseContext) -> list[Observation]:
    """Every product of the file as an offer of ``vmcloud``; the first bad row fails the whole file."""
    rows = _rows(body, ctx.url)
    if not rows:
        raise _fail("the catalogue lists no product")
    if len(rows) > MAX_ROWS:
        raise _fail(f"the catalogue lists {len(rows)} products, more than {MAX_ROWS}")
    offers: list[Observation] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            offer = _offer(row)
        except ValueError as exc:
            raise _fail(f"row {number}{_who(row)}: {exc}") from None
        if offer.key in seen:
            raise _fail(f"row {number}{_who(row)}: the same sku, region and billing as row {seen[offer.key]}")
        seen[offer.key] = number
        offers.append(offer)
    return offers

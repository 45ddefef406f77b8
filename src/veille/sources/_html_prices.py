"""Reading prices and specs out of pricing pages (HTML), in French, English and German.

Three layers, each usable alone:

- ``parse_price("12,99 €/mois")`` -> ``ParsedPrice(12.99, "EUR", "month")``: one price string with
  its currency and period (``1.299,00 €``, ``€1,299.00``, ``1 299,00 €``, ``$0.50/hr``, ``ab 4,51 €``,
  ``CHF 12.50 pro Monat``...);
- ``read_specs(text)``: vCPU, RAM, disk and GPU figures found in a block of text;
- ``extract_plans(html)``, the generic extractor: plan tables (a header naming the columns) and plan
  cards (the smallest elements holding both a price and a spec), and ``extract_with(html, selectors)``,
  the declarative one driven by CSS selectors per page.

Everything scraped is untrusted: scripts and styles are dropped, texts are capped, nothing is run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from price_parser import Price
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from veille.normalise.units import clean

MAX_TEXT = 4000
_SPACES = "\u00a0\u202f\u2009\u2007 "
_CURRENCIES = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "us$": "USD", "usd": "USD",
    "£": "GBP", "gbp": "GBP",
    "chf": "CHF", "fr.": "CHF", "sfr": "CHF",
}  # fmt: skip
_NUM = r"\d{1,3}(?:[.,'\u00a0\u202f\u2009 ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+"
_CUR = r"US\$|€|\$|£|CHF|EUR|USD|GBP|Fr\."
_PERIOD_WORDS = {
    "hour": r"h|hr|hrs|hour|hours|heure|heures|std|stunde|stunden|hourly|stündlich",
    "month": r"mo|mon|month|months|mois|monat|monate|mtl|monthly|mensuel|monatlich|m",
    "year": r"yr|year|an|année|jahr|yearly|annuel|jährlich",
}
_PER = r"(?:/|per|par|pro|a|an|im|each|je|\s)"
_PRICE_RE = re.compile(
    rf"(?P<before>{_CUR})?\s?(?P<num>(?<![\d.,])(?:{_NUM})(?![\d]))\s?(?P<after>{_CUR})?"
    rf"(?P<tail>(?:\s*(?:HT|TTC|net|netto|brutto|excl\.?(?:\s*VAT)?|incl\.?(?:\s*VAT)?|exkl\.?\s*MwSt\.?|inkl\.?\s*MwSt\.?))?"
    rf"\s*{_PER}\s*(?:[\w-]+\s*(?:/|per|par|pro)?\s*){{0,2}}?(?:{'|'.join(_PERIOD_WORDS.values())})\b\.?)?",
    re.IGNORECASE,
)
_PERIODS = {
    name: re.compile(rf"(?:^|[\s/]){_PER}?\s*(?:{words})\b", re.I) for name, words in _PERIOD_WORDS.items()
}
_FROM = re.compile(r"\b(?:ab|from|starting at|à partir de|dès|des)\b", re.I)
_VAT_INCL = re.compile(r"\b(?:TTC|inkl\.?\s*MwSt|incl\.?\s*VAT|brutto)\b", re.I)
_VAT_EXCL = re.compile(r"\b(?:HT|hors taxes|exkl\.?\s*MwSt|zzgl\.?\s*MwSt|excl\.?\s*VAT|netto|net)\b", re.I)


@dataclass(frozen=True)
class ParsedPrice:
    """One price read from text: exact amount, ISO currency (or None), period (hour/month/year or None)."""

    amount: Decimal
    currency: str | None
    period: str | None
    text: str = ""
    starting_from: bool = False
    vat: str | None = None  # "incl", "excl" or None when the text does not say
    per_gpu: bool = False  # "$2.24/GPU/hr": a price per GPU, not per instance


def _currency_code(symbol: str | None) -> str | None:
    if not symbol:
        return None
    return _CURRENCIES.get(symbol.strip().lower())


def parse_amount(text: str, decimal_separator: str | None = None) -> Decimal | None:
    """The number in a price string, whatever its thousands and decimal separators."""
    token = text.strip()
    for space in _SPACES + "'":
        token = token.replace(space, "" if decimal_separator != space else ".")
    if not token or not re.search(r"\d", token):
        return None
    if decimal_separator in (",", "."):
        thousands = "." if decimal_separator == "," else ","
        token = token.replace(thousands, "").replace(decimal_separator, ".")
    elif "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        token = token.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    else:
        sep = "," if "," in token else "." if "." in token else None
        if sep is not None:
            whole, _, frac = token.rpartition(sep)
            grouped = token.count(sep) > 1 or (len(frac) == 3 and whole not in ("", "0") and len(whole) <= 3)
            token = token.replace(sep, "") if grouped else whole.replace(sep, "") + "." + frac
    try:
        value = Decimal(token)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def period_of(text: str) -> str | None:
    """``hour``, ``month`` or ``year`` when the text says per what the price is."""
    for name in ("hour", "year", "month"):  # "m" of month last: "/mo" vs "/h" vs "/an"
        if _PERIODS[name].search(text):
            return name
    return None


def parse_price(text: str, *, decimal_separator: str | None = None) -> ParsedPrice | None:
    """The first price in ``text`` with its currency and period, or None if there is none."""
    if not text:
        return None
    clipped = text[:MAX_TEXT]
    for match in _PRICE_RE.finditer(clipped):
        symbol = match.group("before") or match.group("after")
        if not symbol:
            continue
        amount = parse_amount(match.group("num"), decimal_separator)
        if amount is None:  # a spelling the separator rules do not know: ask price-parser
            fallback = Price.fromstring(match.group(0), decimal_separator=decimal_separator).amount
            amount = Decimal(fallback) if fallback is not None else None
        if amount is None:
            continue
        start = max(0, match.start() - 25)
        return ParsedPrice(
            amount=amount,
            currency=_currency_code(symbol),
            period=period_of(match.group("tail") or ""),
            text=match.group(0).strip(),
            starting_from=bool(_FROM.search(clipped[start : match.start()])),
            vat=_vat(match.group(0) + clipped[match.end() : match.end() + 40]),
            per_gpu=bool(re.search(r"\bGPU\b", match.group("tail") or "", re.I)),
        )
    return None


def _vat(text: str) -> str | None:
    if _VAT_INCL.search(text):
        return "incl"
    return "excl" if _VAT_EXCL.search(text) else None


def find_prices(text: str, *, decimal_separator: str | None = None) -> list[ParsedPrice]:
    """Every price in ``text`` (cards often show a monthly and an hourly figure)."""
    found, rest = [], text[:MAX_TEXT]
    while rest:
        price = parse_price(rest, decimal_separator=decimal_separator)
        if price is None:
            break
        found.append(price)
        rest = rest[rest.find(price.text) + len(price.text) :]
    return found


# --- specs ------------------------------------------------------------------------------------------

_N = r"(\d+(?:[.,]\d+)?)"
_CPU_WORDS = r"v?CPUs?|vCores?|v?Cores?|Kerne|C(?:œ|oe)urs?|threads?|processeurs?|Prozessorkerne"
_RAM_WORDS = r"RAM|Memory|M[ée]moire|Arbeitsspeicher|Speicher\s*\(RAM\)|DDR\d"
_DISK_WORDS = r"NVMe|SSD|HDD|disk|disque|Festplatte|storage|stockage|Speicherplatz|Speicher|espace\s+disque"
_SIZE_UNITS = r"GB|GiB|Go|Gio|TB|TiB|To|MB|MiB|Mo"
_VCPU = [
    re.compile(rf"{_N}\s*(?:x\s*)?(?:{_CPU_WORDS})\b", re.I),
    re.compile(rf"\b(?:{_CPU_WORDS})\s*:?\s*{_N}\b", re.I),
]
_RAM = [
    re.compile(rf"{_N}\s*({_SIZE_UNITS})\s*(?:de\s+|of\s+)?(?:{_RAM_WORDS})", re.I),
    re.compile(rf"\b(?:{_RAM_WORDS})\s*:?\s*{_N}\s*({_SIZE_UNITS})\b", re.I),
]
_DISK = [
    re.compile(rf"{_N}\s*({_SIZE_UNITS})\s*(?:de\s+|of\s+|d'\s*)?(?:{_DISK_WORDS})", re.I),
    re.compile(rf"\b(?:{_DISK_WORDS})\s*:?\s*{_N}\s*({_SIZE_UNITS})\b", re.I),
]
_GPU = re.compile(
    r"(?:(\d+)\s*[x×]\s*)?((?:(?i:NVIDIA|AMD)\s+)?(?:H100|H200|B200|GH200|A100|A40|A30|A16|A10G?|A2|L40S|L40|L4|T4|"
    r"V100S?|P100|MI300X|MI325X|RTX\s?(?:PRO\s)?A?\d{4}(?:\s?Ada)?))\b(?:\s*(?:\(|-)?\s*(\d+)\s*(?:GB|Go|G)\b)?"
)
_KIB = Decimal(1) / Decimal(1024)
_TO_GB: dict[str, Decimal] = {
    **dict.fromkeys(("gb", "gib", "go", "gio"), Decimal(1)),
    **dict.fromkeys(("tb", "tib", "to"), Decimal(1024)),
    **dict.fromkeys(("mb", "mib", "mo"), _KIB),
}


@dataclass
class Specs:
    vcpu: Decimal | None = None
    ram_gb: Decimal | None = None
    disk_gb: Decimal | None = None
    gpu_name: str | None = None
    gpu_count: Decimal | None = None
    gpu_memory_gb: Decimal | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.vcpu, self.ram_gb, self.gpu_name))


def _size(number: str, unit: str, *, disk: bool = False) -> Decimal | None:
    """A size in GB: binary for memory (1 TB RAM = 1024 GB), decimal for disks (1 TB = 1000 GB)."""
    value = parse_amount(number, ",") if "," in number else parse_amount(number, ".")
    factor = _TO_GB[unit.lower()]
    if disk and factor > 1:
        factor = Decimal(1000)
    return None if value is None else clean(value * factor)


def read_specs(text: str) -> Specs:
    """vCPU, RAM (GB), disk (GB) and GPU read from free text in FR, EN or DE."""
    text = text[:MAX_TEXT]
    specs = Specs()
    for pattern in _VCPU:
        if m := pattern.search(text):
            specs.vcpu = parse_amount(m.group(1), ",") if "," in m.group(1) else Decimal(m.group(1))
            break
    for pattern in _RAM:
        if m := pattern.search(text):
            specs.ram_gb = _size(m.group(1), m.group(2))
            break
    for pattern in _DISK:
        if m := pattern.search(text):
            specs.disk_gb = _size(m.group(1), m.group(2), disk=True)
            break
    gpus = list(_GPU.finditer(text))
    if m := next((g for g in gpus if g.group(1)), gpus[0] if gpus else None):
        specs.gpu_name = re.sub(r"\s+", " ", m.group(2)).strip()
        specs.gpu_count = Decimal(m.group(1) or 1)
        specs.gpu_memory_gb = Decimal(m.group(3)) if m.group(3) else None
    return specs


# --- pages ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One plan read from a page, before it becomes an ``Offer``."""

    name: str
    prices: list[ParsedPrice]
    specs: Specs
    list_price: ParsedPrice | None = None
    extractor: str = "generic"
    extra: dict[str, str] = field(default_factory=dict)


def _text(node: Node | None) -> str:
    if node is None:
        return ""
    return re.sub(r"\s+", " ", node.text(separator=" ") or "").strip()[:MAX_TEXT]


def load_html(html: str | bytes) -> HTMLParser:
    tree = HTMLParser(html)
    tree.strip_tags(["script", "style", "noscript", "template", "svg", "iframe"])
    return tree


def _struck(card: Node, decimal_separator: str | None) -> ParsedPrice | None:
    """The crossed-out (regular) price of a promo card, removed from the card."""
    old = None
    for node in card.css("s, del, strike, [class*=old-price], [class*=strike], [class*=regular-price]"):
        old = old or parse_price(_text(node), decimal_separator=decimal_separator)
        node.decompose()
    return old


def _name(card: Node) -> str:
    for selector in ("h1, h2, h3, h4, h5", "[class*=name], [class*=title]", "strong, b"):
        node = card.css_first(selector)
        if node is not None and _text(node):
            return _text(node)[:120]
    return _text(card)[:60]


_COLUMN_ROLES = {
    "gpu": re.compile(r"\bGPU|Grafik", re.I),
    "vcpu": re.compile(rf"\b(?:{_CPU_WORDS})\b", re.I),
    "ram": re.compile(rf"\b(?:{_RAM_WORDS})\b", re.I),
    "disk": re.compile(rf"\b(?:{_DISK_WORDS})\b", re.I),
    "price": re.compile(r"pri[cx]e?|preis|tarif|cost|kosten|€|\$|/h|/mo|hour|mois|monat|stunde|heure", re.I),
    "name": re.compile(
        r"\b(?:name|nom|plan|offre|instance|flavou?r|modell?|typ|type|produkt|produit|server)\b", re.I
    ),
}


def _cell_number(text: str) -> Decimal | None:
    m = re.search(_N, text)
    return parse_amount(m.group(1), ",") if m and "," in m.group(1) else Decimal(m.group(1)) if m else None


def _tables(tables: Iterable[Node], decimal_separator: str | None) -> Iterable[Plan]:
    for table in tables:
        rows = table.css("tr")
        if len(rows) < 2:
            continue
        headers = [_text(c) for c in rows[0].css("th, td")]
        roles: dict[int, str] = {}
        for index, header in enumerate(headers):
            for role, pattern in _COLUMN_ROLES.items():
                if (pattern.search(header) and role not in roles.values()) or (
                    role == "price" and pattern.search(header)
                ):
                    roles.setdefault(index, role)
                    break
        if "price" not in roles.values():
            continue
        for row in rows[1:]:
            cells = [_text(c) for c in row.css("th, td")]
            specs, prices, name = Specs(), [], cells[0] if cells else ""
            for index, cell in enumerate(cells):
                column = roles.get(index)
                header = headers[index] if index < len(headers) else ""
                if column == "price":
                    price = parse_price(cell, decimal_separator=decimal_separator)
                    if price is not None and price.period is None:
                        price = dataclasses.replace(
                            price,
                            period=period_of(header),
                            per_gpu=price.per_gpu or bool(re.search(r"\bGPU\b", header)),
                        )
                    prices += [price] if price else []
                elif column == "name":
                    name = cell
                elif column == "vcpu":
                    specs.vcpu = _cell_number(cell)
                elif column in ("ram", "disk"):
                    got = read_specs(f"{cell} {header}")
                    value = got.ram_gb if column == "ram" else got.disk_gb
                    if value is None and (number := _cell_number(cell)) is not None:
                        terabytes = re.search(r"\bT[Bo]\b", header + cell)
                        value = number * ((1024 if column == "ram" else 1000) if terabytes else 1)
                    setattr(specs, "ram_gb" if column == "ram" else "disk_gb", value)
                elif column == "gpu":
                    got = read_specs(cell)
                    specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb = (
                        got.gpu_name,
                        got.gpu_count,
                        got.gpu_memory_gb,
                    )
            if specs.gpu_name is None:
                got = read_specs(" ".join(cells))
                specs.gpu_name, specs.gpu_count, specs.gpu_memory_gb = (
                    got.gpu_name,
                    got.gpu_count,
                    got.gpu_memory_gb,
                )
            if prices and specs.any:
                yield Plan(name=name[:120], prices=prices, specs=specs, extractor="table")


def _smallest(nodes: list[Node]) -> list[Node]:
    """The nodes of ``nodes`` that contain no other node of ``nodes``."""
    ids = {n.mem_id for n in nodes}
    outer: set[int] = set()
    for node in nodes:
        parent = node.parent
        while parent is not None:
            if parent.mem_id in ids:
                outer.add(parent.mem_id)
            parent = parent.parent
    return [n for n in nodes if n.mem_id not in outer]


def card_prices(card: Node, decimal_separator: str | None) -> list[ParsedPrice]:
    """Prices of a card, each read from the smallest element holding it (never across elements)."""
    holders = [
        n
        for n in card.traverse(include_text=False)
        if parse_price(_text(n), decimal_separator=decimal_separator)
    ]
    prices = []
    for node in _smallest(holders):
        prices += find_prices(_text(node), decimal_separator=decimal_separator)
    return prices


def _cards(tree: HTMLParser, decimal_separator: str | None) -> Iterable[Plan]:
    root = tree.body or tree.root
    if root is None:
        return
    candidates = []
    for node in root.traverse(include_text=False):
        if node.tag in ("table", "tr", "td", "th", "thead", "tbody", "html", "body") or _inside_table(node):
            continue
        text = _text(node)
        if not text or len(text) >= MAX_TEXT or node.css_first("table") is not None:
            continue
        if parse_price(text, decimal_separator=decimal_separator) and read_specs(text).any:
            candidates.append(node)
    for node in _smallest(candidates):
        list_price = _struck(node, decimal_separator)
        prices = card_prices(node, decimal_separator)
        if prices:
            specs = read_specs(_text(node))
            yield Plan(name=_name(node), prices=prices, specs=specs, list_price=list_price, extractor="card")


def _inside_table(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "table":
            return True
        parent = parent.parent
    return False


def extract_plans(html: str | bytes, *, decimal_separator: str | None = None) -> list[Plan]:
    """The generic extractor: plans from tables first, then from cards, without duplicates."""
    tree = load_html(html)
    plans, seen = [], set()
    for plan in [*_tables(tree.css("table"), decimal_separator), *_cards(tree, decimal_separator)]:
        key = (plan.name.lower(), tuple((p.amount, p.period) for p in plan.prices))
        if key not in seen:
            seen.add(key)
            plans.append(plan)
    return plans


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of one pricing page: the plan card, and within it the name, price and specs."""

    card: str = ""
    name: str = ""
    price: str = ""
    specs: str | None = None  # where the spec lines are (default: the whole card)
    table: str | None = None  # or: the plan table(s), read column by column like the generic extractor


def extract_with(
    html: str | bytes, selectors: Selectors, *, decimal_separator: str | None = None
) -> list[Plan]:
    """The declarative extractor: one plan per ``selectors.card`` that has a name and a price."""
    tree = load_html(html)
    if selectors.table:
        return [
            dataclasses.replace(p, extractor="selectors")
            for p in _tables(tree.css(selectors.table), decimal_separator)
        ]
    plans = []
    for card in tree.css(selectors.card):
        list_price = _struck(card, decimal_separator)
        name = _text(card.css_first(selectors.name)) if card.css_first(selectors.name) is not None else ""
        prices = [
            p
            for n in card.css(selectors.price)
            for p in find_prices(_text(n), decimal_separator=decimal_separator)
        ]
        spec_text = " ".join(_text(n) for n in card.css(selectors.specs)) if selectors.specs else _text(card)
        if name and prices:
            plans.append(
                Plan(
                    name=name[:120],
                    prices=prices,
                    specs=read_specs(spec_text),
                    list_price=list_price,
                    extractor="selectors",
                )
            )
    return plans

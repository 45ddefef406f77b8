"""Reading prices and specs out of pricing-page text, in French, English and German.

Two layers here, the third (whole pages) in ``_html_plans``:

- ``parse_price("12,99 €/mois")`` -> ``ParsedPrice(12.99, "EUR", "month")``: one price string with
  its currency and period (``1.299,00 €``, ``€1,299.00``, ``1 299,00 €``, ``$0.50/hr``, ``ab 4,51 €``,
  ``CHF 12.50 pro Monat``...);
- ``read_specs(text)``: vCPU, RAM, disk and GPU figures found in a block of text;
- ``_html_plans.extract_plans(html)`` and ``extract_with(html, selectors)`` find the plans of a page.

Everything scraped is untrusted: texts are capped, nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from price_parser import Price

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

NUMBER = r"(\d+(?:[.,]\d+)?)"
CPU_WORDS = r"v?CPUs?|vCores?|v?Cores?|Kerne|C(?:œ|oe)urs?|threads?|processeurs?|Prozessorkerne"
RAM_WORDS = r"RAM|Memory|M[ée]moire|Arbeitsspeicher|Speicher\s*\(RAM\)|DDR\d"
DISK_WORDS = r"NVMe|SSD|HDD|disk|disque|Festplatte|storage|stockage|Speicherplatz|Speicher|espace\s+disque"
_SIZE_UNITS = r"GB|GiB|Go|Gio|TB|TiB|To|MB|MiB|Mo"
_VCPU = [
    re.compile(rf"{NUMBER}\s*(?:x\s*)?(?:{CPU_WORDS})\b", re.I),
    re.compile(rf"\b(?:{CPU_WORDS})\s*:?\s*{NUMBER}\b", re.I),
]
_RAM = [
    re.compile(rf"{NUMBER}\s*({_SIZE_UNITS})\s*(?:de\s+|of\s+)?(?:{RAM_WORDS})", re.I),
    re.compile(rf"\b(?:{RAM_WORDS})\s*:?\s*{NUMBER}\s*({_SIZE_UNITS})\b", re.I),
]
_DISK = [
    re.compile(rf"{NUMBER}\s*({_SIZE_UNITS})\s*(?:de\s+|of\s+|d'\s*)?(?:{DISK_WORDS})", re.I),
    re.compile(rf"\b(?:{DISK_WORDS})\s*:?\s*{NUMBER}\s*({_SIZE_UNITS})\b", re.I),
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

"""Funding and corporate-event patterns in English, French and German news text.

``match(text)`` says whether a headline (plus summary) reports a raise, a debt financing, an
acquisition or an IPO, and extracts the amount and currency exactly (``Decimal``): "$1.2 billion",
"150 M€", "2,5 Mrd. Euro", "40 millions d'euros", "USD 500M". Most competitors here are not
VC-stage, so debt, notes offerings, acquisitions and IPO filings count as much as equity rounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = ("funding", "debt", "acquisition", "ipo")

_CURRENCY_WORDS: dict[str, str] = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "us-dollar": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "chf": "CHF",
}
_SCALES: dict[str, Decimal] = {
    "k": Decimal("1e3"),
    "thousand": Decimal("1e3"),
    "m": Decimal("1e6"),
    "mn": Decimal("1e6"),
    "mio": Decimal("1e6"),
    "mio.": Decimal("1e6"),
    "million": Decimal("1e6"),
    "millions": Decimal("1e6"),
    "millionen": Decimal("1e6"),
    "b": Decimal("1e9"),
    "bn": Decimal("1e9"),
    "billion": Decimal("1e9"),
    "billions": Decimal("1e9"),
    "md": Decimal("1e9"),
    "mds": Decimal("1e9"),
    "mrd": Decimal("1e9"),
    "mrd.": Decimal("1e9"),
    "milliard": Decimal("1e9"),
    "milliards": Decimal("1e9"),
    "milliarde": Decimal("1e9"),
    "milliarden": Decimal("1e9"),
}
_NUM = r"\d{1,3}(?:[ \u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE = r"milliards?|milliarden?|millions?|millionen|billions?|thousand|mrd\.?|mio\.?|mds?|mn|bn|[mbk]"
_CUR_SIGN = r"us\$|\$|€|£|usd|eur|gbp|chf"
_CUR_WORD = r"us-dollar|dollars?|euros?|" + _CUR_SIGN
# "$1.2 billion", "€40M", "USD 500 million"
_AMOUNT_PREFIX = re.compile(
    rf"(?P<cur>{_CUR_SIGN})\s?(?P<num>{_NUM})(?:\s*(?P<scale>{_SCALE})(?![a-zà-ü]))?", re.I
)
# "150 M€", "2,5 Mrd. Euro", "40 millions d'euros", "7,5 Milliarden US-Dollar", "1 200 000 €"
_AMOUNT_SUFFIX = re.compile(
    rf"(?P<num>{_NUM})(?:\s*(?P<scale>{_SCALE})(?![a-zà-ü]))?\s*(?:d['’]\s*|de\s+)?(?P<cur>{_CUR_WORD})(?![a-z])",
    re.I,
)

_ROUND = re.compile(
    r"\b(?:series|s[ée]rie)\s+(?P<letter>[a-h])\b|\b(?P<seed>pre-seed|seed|amorçage|bridge)\s+(?:round|funding|tour|runde)",
    re.I,
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ipo",
        re.compile(
            r"\bipo\b|initial public offering|introduction en bourse|entrée en bourse|börsengang|goes public"
            r"|going public|files? (?:confidentially )?for (?:an )?ipo|cotation en bourse",
            re.I,
        ),
    ),
    (
        "acquisition",
        re.compile(
            r"\bacquires?\b|\bacquired\b|\bacquisition\b|to acquire|\bmerger\b|rach[eè]te|\brachat\b|acquiert"
            r"|fusionne avec|übernimmt|übernahme|kauft\b",
            re.I,
        ),
    ),
    (
        "debt",
        re.compile(
            r"credit facility|debt financing|debt facility|notes offering|senior notes|convertible notes"
            r"|gpu-backed|delayed draw|term loan|financement (?:par la )?dette|emprunt obligataire"
            r"|kreditfazilität|kreditlinie|anleihe|fremdkapital",
            re.I,
        ),
    ),
    (
        "funding",
        re.compile(
            r"funding round|raises?|raised|secures?|closes?|lands|\bseries [a-h]\b|seed round|valuation"
            r"|levée de fonds|\bl[eè]ve\b|s[ée]rie [a-h]\b|tour de table|financement|finanzierungsrunde"
            r"|sammelt|erhält .{0,30}millionen|investition|kapitalerhöhung|investment",
            re.I,
        ),
    ),
)
# A bare verb such as "raises" is funding only with money beside it ("raises prices" is not).
_WEAK_FUNDING = re.compile(
    r"^(?:raises?|raised|secures?|closes?|lands|investment|investition|financement|l[eè]ve|sammelt|valuation)$",
    re.I,
)
_WEAK_MINIMUM = Decimal(100_000)  # "raises $1,200 for charity" is not a funding round


@dataclass(frozen=True)
class FundingMatch:
    """What a news item reports: its kind, and the amount, currency and round when stated."""

    kind: str
    amount: Decimal | None
    currency: str | None
    round: str | None
    matched: str


def _number(text: str) -> Decimal | None:
    """A number written the English, French or German way; a separator before exactly three final
    digits is a thousands separator ("1,200", "1.200.000", "1 200 000"), otherwise a decimal mark."""
    raw = text.replace("\u202f", " ").replace(" ", "")
    if "," in raw and "." in raw:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif raw.count(",") + raw.count(".") > 1 or re.search(r"[.,]\d{3}$", raw):
        raw = raw.replace(",", "").replace(".", "")
    else:
        raw = raw.replace(",", ".")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def extract_amount(text: str) -> tuple[Decimal | None, str | None]:
    """The first money amount of ``text`` as an exact Decimal with its ISO currency, or (None, None)."""
    candidates: list[tuple[int, Decimal, str]] = []
    for pattern in (_AMOUNT_PREFIX, _AMOUNT_SUFFIX):
        for found in pattern.finditer(text):
            value = _number(found.group("num"))
            if value is None:
                continue
            scale = found.group("scale")
            if scale:
                value *= _SCALES[scale.lower()]
            candidates.append((found.start(), value.normalize(), _CURRENCY_WORDS[found.group("cur").lower()]))
    if not candidates:
        return None, None
    _, value, currency = min(candidates, key=lambda c: c[0])
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return value, currency


def match(text: str) -> FundingMatch | None:
    """The funding or corporate event that ``text`` reports, or None.

    Kinds are tried from the most specific: IPO, acquisition, debt, then equity funding. A weak verb
    alone ("raises", "secures") only counts with an amount in the same text.
    """
    if not text:
        return None
    amount, currency = extract_amount(text)
    found_round = _ROUND.search(text)
    round_name = None
    if found_round:
        round_name = (
            f"series_{found_round.group('letter').lower()}"
            if found_round.group("letter")
            else {"amorçage": "seed"}.get(
                found_round.group("seed").lower(), found_round.group("seed").lower()
            )
        )
    for kind, pattern in _PATTERNS:
        for hit in pattern.finditer(text):
            word = hit.group(0).strip()
            weak = kind == "funding" and _WEAK_FUNDING.match(word)
            if weak and round_name is None and (amount is None or amount < _WEAK_MINIMUM):
                continue
            if kind == "acquisition" and word.lower() in ("kauft",) and amount is None:
                continue
            return FundingMatch(kind, amount, currency, round_name, word)
    if round_name is not None:
        return FundingMatch(
            "funding", amount, currency, round_name, found_round.group(0) if found_round else ""
        )
    return None

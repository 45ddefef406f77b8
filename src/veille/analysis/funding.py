"""Funding and corporate-event patterns in English, French and German news text.

``match(text)`` says whether a headline (plus summary) reports a raise, a debt financing, an
acquisition or an IPO, and extracts the amount and currency exactly (``Decimal``): "$1.2 billion",
"150 M€", "2,5 Mrd. Euro", "40 millions d'euros", "USD 500M". Most competitors here are not
VC-stage, so debt, notes offerings, acquisitions and IPO filings count as much as equity rounds.

Words match whole ("raise" is not in "appraiser", "close" not in "undisclosed", "lands" not in
"Netherlands"), an event is read within one sentence, and a bare verb ("raises", "closes", "lève")
counts only with an amount or a round word in that sentence. Given a competitor's names, the
sentence must also name the competitor.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from veille.kb.ids import aliases

KINDS = ("funding", "debt", "acquisition", "ipo")
_GENERIC_ALIASES = frozenset({"do", "online", "vast", "amazon", "google", "microsoft"})

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
    r"(?<!\w)(?:series|s[ée]rie)[\s-]+(?P<letter>[a-h])(?!\w)"
    r"|(?<!\w)(?P<seed>pre-seed|seed|amorçage|bridge)[\s-]+(?:round|funding|tour|runde)(?!\w)",
    re.I,
)


def _words(alternatives: str) -> re.Pattern[str]:
    """``alternatives`` matched as whole words only ("raise" is not found in "appraiser")."""
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ipo",
        _words(
            r"ipo|initial public offering|introduction en bourse|entrée en bourse|börsengang|goes public"
            r"|going public|files? (?:confidentially )?for (?:an )?ipo|cotation en bourse"
        ),
    ),
    (
        "acquisition",
        # "customer acquisition" and the like are marketing, not a purchase
        _words(
            r"acquires?|acquired|(?<!customer )(?<!user )(?<!talent )(?<!data )acquisition|to acquire|merger"
            r"|rach[eè]te(?:nt|r)?|rachat|acquiert|fusionne avec|übernimmt|übernahmen?|kauft"
        ),
    ),
    (
        "debt",
        _words(
            r"credit facility|debt financing|debt facility|notes offering|senior notes|convertible notes"
            r"|gpu-backed|delayed draw|term loan|financement (?:par la )?dette|emprunt obligataire"
            r"|kreditfazilität|kreditlinie|anleihen?|fremdkapital"
        ),
    ),
    (
        "funding",
        _words(
            r"funding round|financing round|raises?|raised|raising|secures?|secured|closes?|closed|lands|landed"
            r"|series [a-h]|seed round|levée de fonds|l[eè]ve(?:nt)?|s[ée]rie [a-h]|tour de table"
            r"|tour de financement|financement|finanzierungsrunden?|sammelt|erhält|erhielt"
            r"|investition|kapitalerhöhung|investment"
        ),
    ),
)
# A bare verb such as "raises" is funding only with money or a round beside it ("raises prices" is not).
_WEAK_FUNDING = re.compile(
    r"^(?:raises?|raised|raising|secures?|secured|closes?|closed|lands|landed|investment|investition"
    r"|financement|l[eè]ve(?:nt)?|sammelt|erhält|erhielt)$",
    re.I,
)
_WEAK_NOUN = re.compile(r"^(?:investment|investition|financement)$", re.I)
_WEAK_MINIMUM = Decimal(100_000)  # "raises $1,200 for charity" is not a funding round
_NEAR = 20  # characters between a weak word and its amount ("raises nearly $1 billion")
# Words after an amount that make it something other than money raised.
_NOT_RAISED = re.compile(
    r"[\s-]+(?:[\w'-]+\s+)?(?:contracts?|deals?|orders?|tenders?|fees?|tax|taxes|fines?|settlements?|bills?"
    r"|contrats?|marchés?|amendes?|impôts?|aufträge|auftrag|verträge|vertrag|steuern?|strafe)(?!\w)"
    r"|[\s-]+(?:in\s+|of\s+|de\s+|d['’]|im\s+|an\s+)?(?:revenues?|turnover|sales|chiffre d'affaires|umsatz)(?!\w)",
    re.I,
)
# Words whose final period does not end a sentence ("2,5 Mrd. Euro", "Acme Inc. raises").
_ABBREVIATIONS = frozenset(
    {
        "mrd",
        "mio",
        "mds",
        "md",
        "inc",
        "corp",
        "co",
        "ltd",
        "st",
        "mr",
        "mrs",
        "dr",
        "vs",
        "nr",
        "no",
        "ca",
        "bzw",
        "z.b",
        "u.s",
        "e.g",
        "i.e",
        "approx",
        "env",
        "av",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
    }
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)]*\s+|\s*\n\s*")
_LAST_WORD = re.compile(r"(\S+?)\.*$")


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


@dataclass(frozen=True)
class _Amount:
    start: int
    end: int
    value: Decimal
    currency: str


def _amounts(text: str) -> list[_Amount]:
    """Every money amount of ``text`` with its span, in reading order."""
    found_amounts: list[_Amount] = []
    for pattern in (_AMOUNT_PREFIX, _AMOUNT_SUFFIX):
        for found in pattern.finditer(text):
            value = _number(found.group("num"))
            if value is None:
                continue
            scale = found.group("scale")
            if scale:
                value *= _SCALES[scale.lower()]
            value = value.normalize()
            if value == value.to_integral():
                value = value.quantize(Decimal(1))
            currency = _CURRENCY_WORDS[found.group("cur").lower()]
            found_amounts.append(_Amount(found.start(), found.end(), value, currency))
    return sorted(found_amounts, key=lambda a: a.start)


def extract_amount(text: str) -> tuple[Decimal | None, str | None]:
    """The first money amount of ``text`` as an exact Decimal with its ISO currency, or (None, None)."""
    found = _amounts(text)
    return (found[0].value, found[0].currency) if found else (None, None)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (and lines); a period after a number's scale or an abbreviation
    ("2,5 Mrd. Euro", "Acme Inc. raises") does not end one, a round letter does ("a Series C. Its")."""
    out: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        before = text[start : end.start()]
        last = _LAST_WORD.search(before)
        word = last.group(1).lower() if last else ""
        if end.group().lstrip().startswith(".") and word in _ABBREVIATIONS:
            continue
        out.append(before.strip())
        start = end.end()
    out.append(text[start:].strip())
    return [sentence for sentence in out if sentence]


def _names_any(sentence: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.I) for name in names)


def _round_name(text: str) -> tuple[str | None, str]:
    """The round that ``text`` names ("series_b", "seed") and the words that name it."""
    found = _ROUND.search(text)
    if found is None:
        return None, ""
    if found.group("letter"):
        return f"series_{found.group('letter').lower()}", found.group(0)
    seed = found.group("seed").lower()
    return {"amorçage": "seed"}.get(seed, seed), found.group(0)


def _money_beside(hit: re.Match[str], amounts: Sequence[_Amount]) -> bool:
    """Whether a weak word has a sizeable amount beside it: after a verb ("raises $50M", "lève
    près de 150 M€"), on either side of a noun ("€20M investment", "investment of €20M"). Money
    that is a contract, a fee or a tax bill ("secures a €30M contract") is not money raised."""
    noun = _WEAK_NOUN.match(hit.group(0)) is not None
    text = hit.string
    for amount in amounts:
        if amount.value < _WEAK_MINIMUM or _NOT_RAISED.match(text, amount.end):
            continue
        after = 0 <= amount.start - hit.end() <= _NEAR
        before = 0 <= hit.start() - amount.end <= _NEAR
        if after or (noun and before):
            return True
    return False


def _sentence_kind(sentence: str) -> tuple[str, str] | None:
    """The kind of event one sentence reports and the word that says so, or None.

    Kinds are tried from the most specific: IPO, acquisition, debt, then equity funding. A weak word
    ("raises", "secures", "lands") only counts with a round in the sentence or an amount beside it.
    """
    amounts = _amounts(sentence)
    has_round = _round_name(sentence)[0] is not None
    for kind, pattern in _PATTERNS:
        for hit in pattern.finditer(sentence):
            word = hit.group(0).strip()
            weak = kind == "funding" and _WEAK_FUNDING.match(word)
            if weak and not has_round and not _money_beside(hit, amounts):
                continue
            if kind == "acquisition" and word.lower() == "kauft" and not amounts:
                continue
            return kind, word
    if has_round:
        return "funding", _round_name(sentence)[1]
    return None


def match(text: str, names: Sequence[str] | None = None) -> FundingMatch | None:
    """The funding or corporate event that ``text`` (a headline plus its summary) reports, or None.

    The event must be stated within one sentence, and, when ``names`` are given (a competitor's
    names), in a sentence that names the competitor: "Chelsea agree £45m deal" in a feed followed
    for Hetzner is not Hetzner's news. The amount and round come from that sentence, or else from
    the rest of the text ("Scaleway lève 150 M€. Cette levée de série B...").
    """
    if not text:
        return None
    for sentence in sentences(text):
        if names is not None and not _names_any(sentence, names):
            continue
        found = _sentence_kind(sentence)
        if found is None:
            continue
        kind, word = found
        amount, currency = extract_amount(sentence)
        if amount is None:
            amount, currency = extract_amount(text)
        round_name = _round_name(sentence)[0] or (_round_name(text)[0] if kind == "funding" else None)
        return FundingMatch(kind, amount, currency, round_name, word)
    return None


def competitor_names(competitor: str) -> tuple[str, ...]:
    """The names a text uses for ``competitor``: its id and its aliases, save those that are also
    common words ("DO", "Online", "Vast", "Google")."""
    names = (a for a in aliases(competitor) if a.lower() not in _GENERIC_ALIASES)
    return (competitor, *names)

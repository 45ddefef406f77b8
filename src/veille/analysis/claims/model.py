"""What a claim is, what a check of it says, and the thresholds the verdicts use (docs/claims.md)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

Verdict = Literal["holds", "contradicted", "weakened", "unverifiable", "stale"]
VERDICTS: tuple[Verdict, ...] = ("holds", "contradicted", "weakened", "unverifiable", "stale")
KINDS = (
    "price_cell",
    "price_level",
    "price_score",
    "price_sentence",
    "incident_sentence",
    "review_sentence",
    "threat_probability",
)

# A price-table cell against the cheapest matching live offer: |live - kb| / kb
CELL_HOLDS = Decimal("0.10")
CELL_WEAKENED = Decimal("0.25")
# The price axis of the segmentation map, by a median price ratio: below LOW is low-cost, above HIGH premium
SEGMENT_LOW = Decimal("0.7")
SEGMENT_HIGH = Decimal("1.3")
SEGMENT_MARGIN = Decimal("0.10")  # a ratio this close (relatively) to the crossed threshold: weakened
# The matrix's price score (5 = cheapest) from the median ratio to the market's median price: the
# highest score whose bound the ratio does not exceed; above the last bound, 0
SCORE_BOUNDS: tuple[tuple[Decimal, int], ...] = (
    (Decimal("0.5"), 5),
    (Decimal("0.8"), 4),
    (Decimal("1.25"), 3),
    (Decimal("2"), 2),
    (Decimal("3"), 1),
)
# A sentence saying a price is low (or high): the ratio that holds, and the one still only weakened
SENTENCE_HOLDS = Decimal(1)
SENTENCE_SLACK = Decimal("0.25")
# "recurring incidents": incidents counted over this many days; at least RECURRING holds, none contradicts
INCIDENT_DAYS = 90
RECURRING = 3
# "disastrous support", "negative reviews": the latest ratings, as a share of their scale
RATING_HOLDS = Decimal("0.6")
RATING_WEAKENED = Decimal("0.75")


@dataclass(frozen=True)
class Claim:
    """One statement of the knowledge base that live data can confirm or refute.

    ``id`` is stable while the statement is unchanged; ``expected`` is what it asserts, as plain data
    (``{"segment": "mid"}``, ``{"score": 3}``, ``{"stance": "cheap"}``...).
    """

    id: str
    kind: str
    section: str
    competitor: str
    text: dict[str, str]
    expected: dict[str, Any]
    name: str = ""  # the competitor's name, for the reasons and proposals

    @property
    def who(self) -> str:
        return self.name or self.competitor


@dataclass
class Check:
    """A verdict with its reason (FR and EN), its evidence and, for a contradiction, a proposed revision."""

    verdict: Verdict
    reason: dict[str, str]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    proposal: dict[str, Any] | None = None


def both(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


def _without_times(value: Any) -> Any:
    """``value`` without ``observed_at`` keys (when data was last seen moves on every run, not the data)."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "observed_at"}
    if isinstance(value, list | tuple):
        return [_without_times(v) for v in value]
    return value


def digest(claim: Claim, inputs: Any) -> str:
    """SHA-256 of the claim and the data its verdict reads: equal digests, equal verdicts."""
    data = {
        "claim": [claim.id, claim.kind, claim.text, claim.expected, claim.name],
        "inputs": _without_times(inputs),
    }
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def median(values: list[Decimal]) -> Decimal | None:
    """The median of ``values`` (exact: the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def ratio_text(value: Decimal, lang: str = "en") -> str:
    """A ratio with two places, with the language's decimal mark (``0.40``, ``0,40``)."""
    return decimal_text(format(value.quantize(Decimal("0.01")), "f"), lang)


def decimal_text(value: object, lang: str) -> str:
    """A plain decimal figure (``5.50``, a string or a number) with the language's decimal mark."""
    text = str(value)
    return text.replace(".", ",") if lang == "fr" else text

"""Review text: themes and lexicon sentiment (French and English).

Sentiment is a transparent lexicon score, not a model: each positive or negative word counts ±1
(strong words ±2), a negation just before it ("not", "pas", "jamais", "nicht") flips it, and the sum
is squashed to -1..1 as ``sum / (|sum| + 3)``, rounded to two places as a ``Decimal``. When the text
says nothing either way, the star rating (1..5) decides: ``(stars - 3) / 2``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal

THEMES = ("support", "price", "performance", "ux", "reliability")
NEGATIVE = Decimal("-0.2")


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _weights(text: str, sign: int) -> dict[str, int]:
    """``"good great:2"`` -> ``{"good": sign, "great": 2 * sign}``."""
    out: dict[str, int] = {}
    for token in text.split():
        word, _, weight = token.partition(":")
        out[word] = sign * int(weight or 1)
    return out


# Keywords of each theme (French and English; a few German), matched as whole words or phrases.
_THEME_WORDS: dict[str, tuple[str, ...]] = {
    "support": _split(
        "support|ticket|tickets|helpdesk|customer service|service client|sav|hotline|assistance|"
        "response time|temps de réponse|réponse|answered|reply|replied|agent|chat|kundenservice|"
        "refund|remboursement"
    ),
    "price": _split(
        "price|prices|pricing|cost|costs|cheap|expensive|bill|billing|billed|invoice|prix|tarif|"
        "tarifs|coût|cher|chère|facture|facturation|value for money|rapport qualité|preis|teuer|"
        "günstig"
    ),
    "performance": _split(
        "performance|fast|slow|speed|latency|cpu|gpu|ram|iops|bandwidth|throughput|rapide|lent|lente|"
        "lenteur|vitesse|latence|débit|performant|schnell|langsam"
    ),
    "ux": _split(
        "interface|dashboard|panel|console|ui|ux|easy|intuitive|confusing|documentation|docs|api|"
        "onboarding|user-friendly|simple|complicated|ergonomie|ergonomique|facile|intuitif|intuitive|"
        "compliqué|tableau de bord|espace client|benutzerfreundlich"
    ),
    "reliability": _split(
        "downtime|outage|uptime|reliable|unreliable|stable|unstable|crash|crashed|incident|down|"
        "lost data|data loss|panne|pannes|indisponible|indisponibilité|fiable|fiabilité|instable|"
        "coupure|perte de données|ausfall|zuverlässig"
    ),
}
# Lexicon: each word counts ±1, or ±2 when marked ``:2``.
_POSITIVE = _weights(
    "good great:2 excellent:2 amazing:2 awesome:2 fast reliable easy helpful love:2 recommend perfect:2 "
    "friendly quick stable cheap affordable intuitive happy satisfied solid best:2 responsive bon bonne "
    "bien super:2 génial:2 parfait:2 rapide fiable facile efficace recommande satisfait satisfaite top "
    "réactif réactive intuitif agréable compétent merci abordable",
    sign=1,
)
_NEGATIVE = _weights(
    "bad terrible:2 awful:2 horrible:2 worst:2 slow unreliable:2 expensive poor useless:2 scam:2 broken "
    "down outage disappointed disappointing nightmare:2 rude confusing unstable lost avoid:2 refused "
    "ignored waiting problem problems issue issues fraud:2 suspended banned mauvais mauvaise nul:2 "
    "nulle:2 lent lente cher chère panne pannes arnaque:2 inadmissible:2 déçu déçue décevant "
    "catastrophique:2 catastrophe:2 fuir:2 incompétent:2 problème problèmes bloqué suspendu attente "
    "instable lenteur schlecht langsam teuer",
    sign=-1,
)
_NEGATIONS = frozenset(
    _split(
        "aucun|aucune|didn't|doesn't|don't|isn't|jamais|kein|keine|never|nicht|no|not|pas|sans|wasn't|without"
    )
)
_CLAUSE = re.compile(r"[.!?;,:()\n]+")
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_HUNDREDTH = Decimal("0.01")


def plain(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros ("4.1", not "4.1000000000" or "4.1E+0")."""
    text = format(value.normalize(), "f")
    return text


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().replace("’", "'")


def themes(text: str) -> list[str]:
    """The themes a review talks about, in ``THEMES`` order."""
    lowered = f" {_normalise(text)} "
    found = []
    for theme in THEMES:
        for word in _THEME_WORDS[theme]:
            if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", lowered):
                found.append(theme)
                break
    return found


def sentiment(text: str, stars: Decimal | None = None) -> Decimal:
    """Lexicon sentiment of ``text`` in -1..1 (two decimals); the star rating when the text is neutral."""
    total = 0
    for clause in _CLAUSE.split(_normalise(text)):  # a negation never reaches past its clause
        words = _WORD.findall(clause)
        for i, word in enumerate(words):
            weight = _POSITIVE.get(word, 0) + _NEGATIVE.get(word, 0)
            if not weight:
                continue
            if any(w in _NEGATIONS for w in words[max(0, i - 3) : i]):
                weight = -weight
            total += weight
    if total == 0:
        if stars is None:
            return Decimal("0.00")
        value = (Decimal(stars) - 3) / 2
        return max(Decimal(-1), min(Decimal(1), value)).quantize(_HUNDREDTH, ROUND_HALF_EVEN)
    score = Decimal(total) / (Decimal(abs(total)) + 3)
    return score.quantize(_HUNDREDTH, ROUND_HALF_EVEN)


# --- ratings ----------------------------------------------------------------------------------------


# --- evidence for the matrix ------------------------------------------------------------------------

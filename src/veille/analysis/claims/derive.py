"""The knowledge base's checkable statements, as :class:`Claim` s.

Price-table cells, the price axis of the segmentation map, the matrix's price scores, and the
strengths, weaknesses and "our advantages" that speak of price, incidents or reviews. A sentence is
tagged by the word lists below (French and English, accents and case ignored); its stance (the price
it describes is low or high) comes from the English text, which every bundled sentence has.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from veille.analysis.claims.model import Claim, both
from veille.kb.schema import Competitor, KnowledgeBase, Text

SELF = "vmcloud"
SENTENCE_FIELDS = ("strengths", "weaknesses", "our_advantages")

PRICE_WORDS = (
    "prix",
    "tarif",
    "tarifs",
    "tarification",
    "cher",
    "chere",
    "cout",
    "couts",
    "price",
    "prices",
    "pricing",
    "priced",
    "cheap",
    "cheaper",
    "cheapest",
    "expensive",
    "cost",
    "costs",
    "low-cost",
)
INCIDENT_WORDS = ("incident", "incidents", "panne", "pannes", "outage", "outages", "downtime")
REVIEW_WORDS = ("avis", "review", "reviews", "reputation", "support")
SUPPORT_WORDS = ("support", "assistance")
TAGS = ("price", "incidents", "support", "reviews")  # what an editor may tag a sentence as
RECURRING_WORDS = ("recurrent", "recurring", "frequent", "frequents", "repeated", "repetees")
NEGATIVE_WORDS = (
    "catastrophique",
    "disastrous",
    "negatif",
    "negatifs",
    "negative",
    "mitigee",
    "mixed",
    "poor",
)
# stance, on the English text: the first rule that matches
_NO_STANCE = re.compile(r"\b(image|reputation)\b")
_NOT_CHEAP = re.compile(r"\bnot (always |very )?(competitive|cheap|aggressive)")
_CHEAP = re.compile(r"competitive|aggressive|unbeatable|cheap|low-cost|low prices|reasonable|affordable")
_DEAR = re.compile(r"expensive|\bhigh\b|climbs|premium|\bdear")


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _words(text: Text) -> set[str]:
    return set(re.findall(r"[\w-]+", fold(f"{text.fr} {text.en}")))


def tags(text: Text) -> list[str]:
    """The subjects a sentence speaks of: ``price``, ``incidents``, ``reviews`` (in that order)."""
    words = _words(text)
    found = []
    if words & set(PRICE_WORDS):
        found.append("price")
    if words & set(INCIDENT_WORDS):
        found.append("incidents")
    if words & set(REVIEW_WORDS) and words & set(NEGATIVE_WORDS):
        found.append("reviews")
    return found


def proposed_tags(text: Text) -> list[str]:
    """The tags proposed for a sentence (on import, and until an editor chooses): ``price`` and
    ``incidents`` by their words (incidents only when also said to recur), ``support`` and ``reviews``
    when the sentence speaks of them negatively; in ``TAGS`` order."""
    words = _words(text)
    found = []
    if words & set(PRICE_WORDS):
        found.append("price")
    if words & set(INCIDENT_WORDS) and words & set(RECURRING_WORDS):
        found.append("incidents")
    negative = bool(words & set(NEGATIVE_WORDS))
    if negative and words & set(SUPPORT_WORDS):
        found.append("support")
    if negative and words & (set(REVIEW_WORDS) - set(SUPPORT_WORDS)):
        found.append("reviews")
    return found


def sentence_key(competitor: str, field: str, text: Text) -> str:
    """A sentence's stable key, ``COMPETITOR:FIELD:HASH`` (a new key when it is reworded)."""
    return f"{competitor}:{field}:{_short(text)}"


def stance(text: Text) -> str | None:
    """``cheap`` when the sentence says the price is low, ``dear`` when high, None when it says neither."""
    english = fold(text.en or text.fr)
    if _NO_STANCE.search(english):
        return None
    if _NOT_CHEAP.search(english):
        return "dear"
    if _CHEAP.search(english):
        return "cheap"
    if _DEAR.search(english):
        return "dear"
    return None


def _short(text: Text) -> str:
    return hashlib.sha256(f"{text.fr}\x00{text.en}".encode()).hexdigest()[:10]


def _text(text: Text) -> dict[str, str]:
    return both(text.get("fr"), text.get("en"))


def price_cells(kb: KnowledgeBase) -> list[Claim]:
    """One claim per cell of the price table (an empty cell says the provider has no such offer)."""
    claims = []
    names = {r.competitor: r.label for r in kb.price_table.columns}
    for product in kb.price_table.products:
        for competitor, cell in kb.price_table.prices[product.id].items():
            figure = "N/A" if cell is None else f"{cell.amount} {cell.currency}"
            label = f"{product.label.get('fr')} — {names[competitor]} : {figure}"
            expected: dict[str, Any] = {
                "product": product.id,
                "label": product.label.get("en") or product.id,
                "amount": None,
                "currency": None,
            }
            if cell is not None:
                expected.update(amount=str(cell.amount), currency=cell.currency)
            claims.append(
                Claim(
                    id=f"price_cell:{product.id}:{competitor}",
                    kind="price_cell",
                    section="price_table",
                    competitor=competitor,
                    text=both(label, label.replace(" : ", ": ")),
                    expected=expected,
                    name=_name(kb, competitor),
                )
            )
    return claims


_SEGMENT_WORDS = {
    "premium": ("premium", "premium"),
    "mid": ("milieu de gamme", "mid-range"),
    "low_cost": ("low-cost", "low-cost"),
}


def segment_words(segment: str) -> tuple[str, str]:
    """(French, English) words for a place on the price axis."""
    return _SEGMENT_WORDS.get(segment, (segment, segment))


def price_levels(kb: KnowledgeBase) -> list[Claim]:
    """Each player's place on the price axis of the segmentation map."""
    claims = []
    for placement in kb.segmentation.placements:
        name = _name(kb, placement.competitor)
        fr, en = segment_words(placement.price)
        claims.append(
            Claim(
                id=f"price_level:{placement.competitor}",
                kind="price_level",
                section="segmentation",
                competitor=placement.competitor,
                text=both(f"{name} : prix {fr}", f"{name}: {en} prices"),
                expected={"segment": placement.price},
                name=name,
            )
        )
    return claims


def price_scores(kb: KnowledgeBase) -> list[Claim]:
    """The matrix's price score of each column."""
    if "price" not in {c.id for c in kb.matrix.criteria}:
        return []
    claims = []
    for ref in kb.matrix.columns:
        score = kb.matrix.scores[ref.competitor]["price"]
        claims.append(
            Claim(
                id=f"price_score:{ref.competitor}",
                kind="price_score",
                section="matrix",
                competitor=ref.competitor,
                text=both(f"{ref.label} — Prix : {score}/5", f"{ref.label} — Price: {score}/5"),
                expected={"score": score},
                name=_name(kb, ref.competitor),
            )
        )
    return claims


def _name(kb: KnowledgeBase, competitor_id: str) -> str:
    try:
        return kb.competitor(competitor_id).name
    except KeyError:
        return competitor_id


def _sentence_claims(comp: Competitor, field: str, text: Text, chosen: list[str] | None) -> list[Claim]:
    """The claims of one sentence: by the editor's tags (``chosen``), else by the proposed ones."""
    found = proposed_tags(text) if chosen is None else chosen
    base = sentence_key(comp.id, field, text)
    claims = []
    if "price" in found:
        expected = {"stance": stance(text)}
        claims.append(
            Claim(
                f"price_sentence:{base}", "price_sentence", field, comp.id, _text(text), expected, comp.name
            )
        )
    if "incidents" in found:
        claims.append(
            Claim(
                f"incident_sentence:{base}",
                "incident_sentence",
                field,
                comp.id,
                _text(text),
                {"recurring": True},
            )
        )
    if "support" in found or "reviews" in found:
        # a weakness, or an advantage of ours over them, says their support or reviews are poor
        negative = bool(_words(text) & set(NEGATIVE_WORDS)) or field != "strengths"
        claims.append(
            Claim(
                f"review_sentence:{base}",
                "review_sentence",
                field,
                comp.id,
                _text(text),
                {"negative": True} if negative else {"negative": False},
                comp.name,
            )
        )
    return claims


Tagged = dict[str, list[str]]  # sentence key -> the editor's tags


def sentences(kb: KnowledgeBase, chosen: Tagged | None = None) -> list[Claim]:
    """The strengths, weaknesses and "our advantages" that speak of price, incidents, support or
    reviews, by the editor's tags where there are some (``chosen``), the proposed ones otherwise."""
    chosen = chosen or {}
    claims: list[Claim] = []
    for comp in kb.competitors:
        for field in SENTENCE_FIELDS:
            for text in getattr(comp, field):
                claims += _sentence_claims(comp, field, text, chosen.get(sentence_key(comp.id, field, text)))
    return claims


def derive(kb: KnowledgeBase, chosen: Tagged | None = None) -> list[Claim]:
    """Every checkable claim of ``kb``, in the order of the analysis; ``chosen``: the editors' tags."""
    from veille.analysis.claims.threats import claims as threat_claims

    return [
        *price_cells(kb),
        *price_levels(kb),
        *price_scores(kb),
        *sentences(kb, chosen),
        *threat_claims(kb),
    ]

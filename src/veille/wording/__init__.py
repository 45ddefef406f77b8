"""How events and incidents read in French or English: in the reports and on the dashboard.

Detectors store an event's title once, in English; where its data is of a known shape, the title is
written again here in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from veille.normalise.incidents import is_resolved
from veille.normalise.jobs import FUNCTION_WORDS
from veille.wording import fmt


class Event(Protocol):
    """What a title is made from: an ``EventRow`` or a row of its columns."""

    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any] | None: ...


# Incident impacts as the status pages name them (statuspage's scale, plus maintenance and unknown).
IMPACTS: dict[str, tuple[str, str]] = {
    "none": ("aucun", "none"),
    "maintenance": ("maintenance", "maintenance"),
    "minor": ("mineur", "minor"),
    "major": ("majeur", "major"),
    "critical": ("critique", "critical"),
    "unknown": ("inconnu", "unknown"),
}


def impact_word(code: str | None, lang: str) -> str:
    """An incident's impact in ``lang``; a code outside the scale is shown as it came."""
    return "—" if code is None else word(code, lang, IMPACTS)


def word(code: str, lang: str, words: dict[str, tuple[str, str]]) -> str:
    """``code`` in ``lang`` from a table of (French, English) words (``IMPACTS``, ``tagging.AREA_WORDS``,
    ``hiring.FUNCTION_WORDS``); a code outside it is shown as it came."""
    fr, en = words.get(code, (code, code))
    return en if lang == "en" else fr


PLATFORMS = {"trustpilot": "Trustpilot", "g2": "G2", "capterra": "Capterra"}

_OFFER_EVENTS = {
    "offer_added": ("nouvelle offre", "new offer"),
    "offer_removed": ("offre retirée", "offer withdrawn"),
}
_INCIDENT_EVENTS = ("incident", "incident_escalated", "incident_resolved")


def _incident_title(kind: str, data: Mapping[str, Any], lang: str) -> str:
    """As the incident detector writes it (``detect/incidents.py``), in ``lang``."""
    fr = lang != "en"
    maintenance = data.get("kind") == "maintenance"
    what = "Maintenance" if maintenance else "Incident"
    agreement = "e" if fr and maintenance else ""  # « maintenance » is feminine
    impact = impact_word(data["impact"], lang)
    if kind == "incident_resolved":
        return f"{what} {'résolu' + agreement if fr else 'resolved'}: {data['incident_title']}"
    if kind == "incident_escalated":
        before = impact_word(data.get("previous_impact"), lang)
        verb = "aggravé" + agreement if fr else "escalated"
        return f"{what} {verb} {before} → {impact}: {data['incident_title']}"
    prefix = ("Résolu: " if fr else "Resolved: ") if is_resolved(str(data.get("status"))) else ""
    return f"{prefix}{what} ({impact}): {data['incident_title']}"


def _rating_title(data: Mapping[str, Any], lang: str) -> str:
    """``Trustpilot rating 3.4 → 3.2 ↓ (+192 reviews)``, as ``detect.reviews.rating_change`` writes it."""
    old, new = Decimal(str(data["previous_score"])), Decimal(str(data["score"]))
    arrow = "↑" if new > old else "↓" if new < old else "="
    platform = PLATFORMS.get(str(data.get("platform")), str(data.get("platform")))
    words = f"Note {platform}" if lang != "en" else f"{platform} rating"
    text = f"{words} {fmt.number(old, lang)} → {fmt.number(new, lang)} {arrow}"
    count, before = data.get("count"), data.get("previous_count")
    if isinstance(count, int) and isinstance(before, int) and count != before:
        text += f" ({count - before:+d} {'avis' if lang != 'en' else 'reviews'})"
    return text


def _hiring_title(data: Mapping[str, Any], lang: str) -> str:
    """``+500% GPU/AI roles since 12 Nov 2026 (1 → 6)``, as ``detect.jobs`` writes it."""
    change = data.get("change_pct")
    amount = (
        f"{'+' if Decimal(change) > 0 else ''}{fmt.number(change, lang)}%"
        if change
        else f"{data.get('change', 0):+d}"
    )
    since = fmt.day(datetime.fromisoformat(str(data["baseline_at"])), lang)
    function = word(str(data["function"]), lang, FUNCTION_WORDS)
    counts = f"({data.get('open_before', 0)} → {data['open_now']})"
    if lang == "en":
        return f"{amount} {function} roles since {since} {counts}"
    return f"Postes ouverts, {function}: {amount} depuis le {since} {counts}"


def _price_announcement_title(data: Mapping[str, Any], lang: str) -> str:
    """ "Price announcement: <title> (12 current offers concerned)", in ``lang``."""
    count = (data.get("offers") or {}).get("count")
    if lang == "en":
        concerned = f" ({count} current offers concerned)" if count else ""
        return f"Price announcement: {data['title']}{concerned}"
    concerned = f" ({count} offres en cours concernées)" if count else ""
    return f"Annonce de prix : {data['title']}{concerned}"


def event_title(event: Event, lang: str) -> str:
    """A localised one-line description of an event, from its data where the kind is known.

    Offer events name the offer and its region (a price may move in three regions at once); a source's
    failure keeps its error message as the source gave it."""
    return title_in(lang, event.kind, event.title, event.data)


def title_in(lang: str, kind: str, title: str, data: Mapping[str, Any] | None) -> str:
    """``event_title`` from an event's kind, stored title and data; the stored title where the data is
    not of the shape its detector writes (an older event, or a damaged one: never an error on a page)."""
    try:
        if kind == "claim_contradicted":
            return _claim_title(data or {}, lang) or title
        return _written(lang, kind, data or {}) or title
    except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError):
        return title


CLAIM_SECTIONS = {
    "price_table": ("tableau des prix", "price table"),
    "segmentation": ("segmentation", "segmentation"),
    "matrix": ("matrice", "matrix"),
    "strengths": ("forces", "strengths"),
    "weaknesses": ("faiblesses", "weaknesses"),
    "our_advantages": ("nos avantages", "our advantages"),
}


def _claim_title(data: Mapping[str, Any], lang: str) -> str | None:
    """A contradicted claim's title in ``lang``, from the claim's text and reason (kept in both)."""
    text, reason, section = data.get("text"), data.get("reason"), str(data.get("section") or "")
    if not isinstance(text, dict) or not isinstance(reason, dict) or not text.get(lang):
        return None
    fr, en = CLAIM_SECTIONS.get(section, (section.replace("_", " "), section.replace("_", " ")))
    if lang == "en":
        return f"Analysis contradicted ({en}): {text['en']} — {reason.get('en', '')}"[:500]
    return f"Analyse contredite ({fr}) : {text['fr']} — {reason.get('fr', '')}"[:500]


def _written(lang: str, kind: str, data: Mapping[str, Any]) -> str | None:
    if kind == "source_failure" and data.get("source_id") and data.get("error"):
        count = data.get("consecutive_failures") or 1
        if lang == "en":
            return f"Source {data['source_id']} failed ({count} in a row): {data['error']}"
        return f"Échec de la source {data['source_id']} ({count} de suite): {data['error']}"
    if kind in _INCIDENT_EVENTS and data.get("incident_title") and data.get("impact"):
        return _incident_title(kind, data, lang)
    if kind == "rating_change" and data.get("score") and data.get("previous_score"):
        return _rating_title(data, lang)
    if kind == "review" and data.get("headline"):
        stars = f" {fmt.number(data['rating'], lang)}★" if data.get("rating") else ""
        platform = PLATFORMS.get(str(data.get("platform")), str(data.get("platform")))
        return f"{'Avis' if lang != 'en' else 'Review'} {platform}{stars}: {data['headline']}"
    if kind == "hiring" and data.get("function") and data.get("baseline_at") and "open_now" in data:
        return _hiring_title(data, lang)
    if kind == "price_announcement" and data.get("title"):
        return _price_announcement_title(data, lang)
    old, new, offer_data = data.get("old"), data.get("new"), data.get("offer")
    if not isinstance(offer_data, dict):
        return None
    region = offer_data.get("region")
    offer = f"{offer_data.get('name') or offer_data.get('sku') or ''}" + (f" ({region})" if region else "")
    if kind == "price_change" and isinstance(old, dict) and isinstance(new, dict):
        pct = fmt.percent(data.get("pct_change"), lang) if data.get("pct_change") else ""
        arrow = f"{fmt.money(old.get('monthly'), old.get('currency', 'EUR'), lang)} → {fmt.money(new.get('monthly'), new.get('currency', 'EUR'), lang)}"
        noun = "prix" if lang == "fr" else "price"
        return f"{offer}: {noun} {arrow} ({pct})" if pct else f"{offer}: {noun} {arrow}"
    if kind in _OFFER_EVENTS:
        fr, en = _OFFER_EVENTS[kind]
        monthly = offer_data.get("monthly_eur")
        price = (
            f", {fmt.money(monthly, 'EUR', lang)} / {'mois' if lang == 'fr' else 'month'}" if monthly else ""
        )
        return f"{offer}: {en if lang == 'en' else fr}{price}"
    return None

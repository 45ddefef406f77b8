"""How events and incidents read in French or English: in the reports and on the dashboard.

Detectors store an event's title once, in English; where its data is of a known shape, the title is
written again here in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from veille.reports import fmt


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
    if code is None:
        return "—"
    fr, en = IMPACTS.get(code, (code, code))
    return en if lang == "en" else fr


_OFFER_EVENTS = {
    "offer_added": ("nouvelle offre", "new offer"),
    "offer_removed": ("offre retirée", "offer withdrawn"),
}


def event_title(event: Event, lang: str) -> str:
    """A localised one-line description of an event, from its data where the kind is known.

    Offer events name the offer and its region (a price may move in three regions at once)."""
    data = event.data or {}
    old, new, offer_data = data.get("old"), data.get("new"), data.get("offer")
    if not isinstance(offer_data, dict):
        return event.title
    region = offer_data.get("region")
    offer = f"{offer_data.get('name') or offer_data.get('sku') or ''}" + (f" ({region})" if region else "")
    if event.kind == "price_change" and isinstance(old, dict) and isinstance(new, dict):
        pct = fmt.percent(data.get("pct_change"), lang) if data.get("pct_change") else ""
        arrow = f"{fmt.money(old.get('monthly'), old.get('currency', 'EUR'), lang)} → {fmt.money(new.get('monthly'), new.get('currency', 'EUR'), lang)}"
        word = "prix" if lang == "fr" else "price"
        return f"{offer}: {word} {arrow} ({pct})" if pct else f"{offer}: {word} {arrow}"
    if event.kind in _OFFER_EVENTS:
        fr, en = _OFFER_EVENTS[event.kind]
        monthly = offer_data.get("monthly_eur")
        price = (
            f", {fmt.money(monthly, 'EUR', lang)} / {'mois' if lang == 'fr' else 'month'}" if monthly else ""
        )
        return f"{offer}: {en if lang == 'en' else fr}{price}"
    return event.title

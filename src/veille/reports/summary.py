"""The executive summary that opens the digest and the quarterly review: a few lines computed from the
period's events and incidents (price moves and the biggest one, offers, incidents, funding, product
changes, hiring, ratings), then, if any source failed, a pointer to the operations appendix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from veille.reports.document import md_text
from veille.store.models import EventRow
from veille.wording import event_title, fmt, impact_word

SEVERE = ("major", "critical")


@dataclass(frozen=True)
class Period:
    """What the summary reads: the period's events (any kind) and its incident statistics."""

    events: Sequence[EventRow]
    incidents: dict[str, Any]
    names: dict[str, str]


def _plural(n: int, fr: tuple[str, str], en: tuple[str, str], lang: str) -> str:
    one, many = en if lang == "en" else fr
    singular = n == 1 if lang == "en" else n <= 1  # « 0 baisse » but "0 cuts"
    return f"{fmt.number(n, lang)} {one if singular else many}"


def _pct(event: EventRow) -> Decimal | None:
    try:
        return Decimal(str((event.data or {}).get("pct_change")))
    except (InvalidOperation, ValueError):
        return None


def _of(events: Sequence[EventRow], kind: str) -> list[EventRow]:
    return [e for e in events if e.kind == kind]


def price_line(period: Period, lang: str) -> str | None:
    moves = _of(period.events, "price_change")
    if not moves:
        return None
    pcts = [(abs(p), p, e) for e in moves if (p := _pct(e)) is not None]
    ups, downs = sum(1 for _, p, _ in pcts if p > 0), sum(1 for _, p, _ in pcts if p < 0)
    text = _plural(
        len(moves), ("changement de prix", "changements de prix"), ("price move", "price moves"), lang
    )
    text += f" ({_plural(ups, ('hausse', 'hausses'), ('rise', 'rises'), lang)}, "
    text += f"{_plural(downs, ('baisse', 'baisses'), ('cut', 'cuts'), lang)})"
    if pcts:
        _, _, biggest = max(pcts, key=lambda item: item[0])
        who = period.names.get(biggest.competitor or "", biggest.competitor or "")
        word = "le plus fort" if lang != "en" else "the biggest"
        text += f"; {word}: {md_text(who)} {md_text(_move(biggest, lang))}"
    return text + "."


def _move(event: EventRow, lang: str) -> str:
    """``CX22 (hel1) 3,79 € → 4,15 € (+9,5%)``; the event's title where its data is not of that shape."""
    data = event.data or {}
    offer, old, new = data.get("offer"), data.get("old"), data.get("new")
    if not (isinstance(offer, dict) and isinstance(old, dict) and isinstance(new, dict)):
        return event_title(event, lang)
    region = f" ({offer['region']})" if offer.get("region") else ""
    return (
        f"{offer.get('name') or offer.get('sku') or ''}{region} "
        f"{fmt.money(old.get('monthly'), old.get('currency', 'EUR'), lang)} → "
        f"{fmt.money(new.get('monthly'), new.get('currency', 'EUR'), lang)} ({fmt.percent(data['pct_change'], lang)})"
    )


def offers_line(period: Period, lang: str) -> str | None:
    added, removed = _of(period.events, "offer_added"), _of(period.events, "offer_removed")
    if not added and not removed:
        return None
    return (
        _plural(len(added), ("nouvelle offre", "nouvelles offres"), ("new offer", "new offers"), lang)
        + ", "
        + _plural(
            len(removed), ("offre retirée", "offres retirées"), ("offer withdrawn", "offers withdrawn"), lang
        )
        + "."
    )


def incidents_line(period: Period, lang: str) -> str | None:
    entries = [c for c in period.incidents.get("competitors", []) if c.get("incidents")]
    if not entries:
        return None
    total = sum(int(c["incidents"]) for c in entries)
    severe = [
        f"{md_text(period.names.get(c['competitor'], c['competitor']))} ({impact_word(code, lang)})"
        for c in entries
        for code in SEVERE
        if c.get("by_impact", {}).get(code)
    ]
    text = _plural(total, ("incident", "incidents"), ("incident", "incidents"), lang)
    text += (" chez " if lang != "en" else " at ") + _plural(
        len(entries), ("concurrent", "concurrents"), ("competitor", "competitors"), lang
    )
    if severe:
        text += ("; graves: " if lang != "en" else "; serious: ") + ", ".join(severe)
    return text + "."


def _titled(
    period: Period, kind: str, words: tuple[tuple[str, str], tuple[str, str]], lang: str
) -> str | None:
    items = _of(period.events, kind)
    if not items:
        return None
    first = items[0]
    who = period.names.get(first.competitor or "", first.competitor or "")
    return f"{_plural(len(items), *words, lang)}: {md_text(who)} — {md_text(event_title(first, lang))}."


def product_line(period: Period, lang: str) -> str | None:
    features = _of(period.events, "feature")
    if not features:
        return None
    roadmap = sum(1 for e in features if (e.data or {}).get("roadmap_candidate"))
    text = _plural(
        len(features),
        ("nouveauté produit", "nouveautés produit"),
        ("product change", "product changes"),
        lang,
    )
    if roadmap:
        text += (" dont " if lang != "en" else ", of which ") + _plural(
            roadmap,
            ("candidat roadmap", "candidats roadmap"),
            ("roadmap candidate", "roadmap candidates"),
            lang,
        )
    return text + "."


def operations_line(period: Period, lang: str) -> str | None:
    failures = _of(period.events, "source_failure")
    if not failures:
        return None
    words = (("échec de collecte", "échecs de collecte"), ("collection failure", "collection failures"))
    tail = (
        " (détails en annexe, sans effet sur les chiffres ci-dessus)."
        if lang != "en"
        else (" (details in the appendix; the figures above are unaffected).")
    )
    return _plural(len(failures), *words, lang) + tail


def lines(period: Period, lang: str) -> list[str]:
    """The summary's lines, most important first; one line saying so when the period was quiet."""
    out = [
        price_line(period, lang),
        offers_line(period, lang),
        incidents_line(period, lang),
        _titled(
            period,
            "funding",
            (("levée ou opération", "levées ou opérations"), ("funding event", "funding events")),
            lang,
        ),
        product_line(period, lang),
        _titled(
            period,
            "hiring",
            (("signal de recrutement", "signaux de recrutement"), ("hiring signal", "hiring signals")),
            lang,
        ),
        _titled(
            period,
            "rating_change",
            (("changement de note", "changements de note"), ("rating change", "rating changes")),
            lang,
        ),
        operations_line(period, lang),
    ]
    found = [line for line in out if line]
    if not found:
        return [
            "Période calme : aucun changement détecté."
            if lang != "en"
            else "A quiet period: no change detected."
        ]
    return found

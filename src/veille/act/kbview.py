"""What the act layer reads from the knowledge base: a competitor's name, strategy and key message.

The knowledge base (``veille.kb.store.current``) is the source; when a workspace has none loaded, the
seed's section 11 ("Comment gagner contre chaque concurrent") is used, in French and English.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bilingual:
    fr: str
    en: str

    def get(self, lang: str) -> str:
        return (self.en if lang == "en" else self.fr) or self.fr or self.en


@dataclass(frozen=True)
class CompetitorView:
    id: str
    name: str
    strategy: Bilingual | None
    key_message: Bilingual | None


# Section 11 of the seed, with an English rendering written for veille.
SEED_STRATEGY: dict[str, tuple[str, Bilingual, Bilingual]] = {
    "ovhcloud": (
        "OVHcloud",
        Bilingual(
            "Ne pas se battre sur le prix, gagner sur le service", "Don't fight on price, win on service"
        ),
        Bilingual("Quand OVH vous laisse tomber, on est là", "When OVH lets you down, we're here"),
    ),
    "scaleway": (
        "Scaleway",
        Bilingual("Clarté du positionnement, support humain", "Clear positioning, human support"),
        Bilingual("Cloud pro, simplement", "Professional cloud, simply"),
    ),
    "hetzner": (
        "Hetzner",
        Bilingual("UX, service, managed services", "UX, service, managed services"),
        Bilingual("L'infra pro sans être sysadmin", "Pro infrastructure without being a sysadmin"),
    ),
    "infomaniak": (
        "Infomaniak",
        Bilingual("Focus cloud, technique, GPU", "Cloud focus, technical depth, GPU"),
        Bilingual("Le cloud, c'est notre métier", "Cloud is our trade"),
    ),
    "digitalocean": (
        "DigitalOcean",
        Bilingual("Souveraineté EU, GPU, support", "EU sovereignty, GPU, support"),
        Bilingual("DigitalOcean européen", "The European DigitalOcean"),
    ),
}


def current_kb(session: Session) -> Any | None:
    """The knowledge base in force, or None where none is loaded (or the KB module is absent)."""
    try:
        from veille.kb.store import current
    except ImportError:
        return None
    try:
        return current(session)
    except LookupError:
        return None


def _text(value: Any) -> Bilingual | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Bilingual(value, "") if value else None
    if isinstance(value, dict):
        fr, en = str(value.get("fr") or ""), str(value.get("en") or "")
    else:
        fr, en = str(getattr(value, "fr", "") or ""), str(getattr(value, "en", "") or "")
    return Bilingual(fr, en) if fr or en else None


def competitor(session: Session, competitor_id: str | None, kb: Any | None = None) -> CompetitorView | None:
    """The name, strategy and key message of ``competitor_id`` (knowledge base first, then the seed)."""
    if not competitor_id:
        return None
    kb = kb if kb is not None else current_kb(session)
    seed = SEED_STRATEGY.get(competitor_id)
    for entry in getattr(kb, "competitors", None) or []:
        if getattr(entry, "id", None) != competitor_id:
            continue
        strategy = _text(getattr(entry, "strategy", None)) or (seed[1] if seed else None)
        message = _text(getattr(entry, "key_message", None)) or (seed[2] if seed else None)
        return CompetitorView(competitor_id, str(getattr(entry, "name", competitor_id)), strategy, message)
    if seed:
        return CompetitorView(competitor_id, seed[0], seed[1], seed[2])
    return CompetitorView(competitor_id, competitor_id, None, None)

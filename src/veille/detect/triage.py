"""Triage of feed items, mentions and news: what kind of news it is, whether it matters to VMCloud, and
which product areas it touches.

Two readers, both recorded on the event (``data["triage"]``) so they can be compared:

- ``words``: the word lists (``veille.normalise.tagging`` for areas, ``veille.normalise.funding`` for
  raises, small lists here for incidents, hiring, prices and launches). Always there.
- ``model``: a model's reading, when one is on (``triage_events(session, model)``), checked: the kind
  from a closed list, areas from ``AREAS``, ``touches`` only ids of VMCloud's differentiators and
  threats that the model was shown. Unknown values are dropped, not guessed.

``relevant`` is the model's judgement when it gave one, the words' otherwise. An irrelevant item is
kept; it stays out of the digest (``is_relevant``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import BaseModel, Field

from veille.ai.grounding import Model
from veille.errors import VeilleError
from veille.normalise.funding import match as funding_match
from veille.normalise.tagging import AREAS, VMCLOUD_AREAS, tag_item
from veille.normalise.text import fold

if TYPE_CHECKING:
    from veille.kb.schema import KnowledgeBase
    from veille.store.db import Store
    from veille.store.models import EventRow

log = logging.getLogger(__name__)

KINDS = ("feature", "price_announcement", "incident", "funding", "hiring", "other")
TriageKind = Literal["feature", "price_announcement", "incident", "funding", "hiring", "other"]
TRIAGED_EVENTS = ("feature", "price_announcement", "mention", "funding")
PROMPT_VERSION = "triage-1"
PURPOSE = "triage"
SIGNAL_KINDS = frozenset({"price_announcement", "incident", "funding"})

_INCIDENT = re.compile(
    r"\b(outages?|incidents?|downtime|degraded|disruption|unavailable|postmortem|post-mortem|panne|"
    r"interruption|indisponib\w*|storung|ausfall)\b"
)
_HIRING = re.compile(
    r"\b(hiring|we'?re hiring|job openings?|careers?|recrute|recrutement|embauche|stellenangebot\w*)\b"
)
_PRICE = re.compile(
    r"\b(price|prices|pricing|prix|tarifs?|preis\w*|cheaper|moins cher|discount|remise|free tier|gratuit)\b"
)
_LAUNCH = re.compile(
    r"\b(launch\w*|introduc\w*|now available|available|generally available|ga|beta|release[sd]?|new|"
    r"nouveau|nouvelle|disponible|lance\w*|neu|verfugbar|support\w*)\b"
)


@dataclass(frozen=True)
class Triage:
    """One reading of an item: its kind, whether it matters to VMCloud, what of ours it touches, its areas."""

    kind: str
    relevant: bool
    touches: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["touches"], data["areas"] = list(self.touches), list(self.areas)
        return data


def _word_kind(text: str, tags: Sequence[str], title_tags: Sequence[str]) -> str:
    if funding_match(text) is not None:
        return "funding"
    if _INCIDENT.search(text):
        return "incident"
    if _HIRING.search(text):
        return "hiring"
    if "pricing" in title_tags and _PRICE.search(text):
        return "price_announcement"
    return "feature" if tags or _LAUNCH.search(text) else "other"


def word_triage(
    title: str, text: str = "", tags: Sequence[str] = (), event_kind: str | None = None
) -> Triage:
    """The word lists' reading: relevant when it is a price, incident or funding news, or touches an
    area VMCloud sells (VPS, GPU, Kubernetes, storage, network, serverless). A ``funding`` event is
    funding news whatever its words (its detector read it so: an SEC filing names no amount)."""
    areas = tuple(a for a in AREAS if a in set(tag_item(title, text)) | set(tags))
    folded = fold(f"{title}\n{text}")
    kind = "funding" if event_kind == "funding" else _word_kind(folded, areas, tag_item(title))
    ours = tuple(f"area:{a}" for a in areas if a in VMCLOUD_AREAS)
    relevant = kind in SIGNAL_KINDS or bool(ours)
    reason = "matches " + ", ".join(ours) if ours else f"kind {kind}" if relevant else "no area VMCloud sells"
    return Triage(kind, relevant, ours, areas, reason)


class TriageAnswer(BaseModel):
    """The model's reading of one item (validated; unknown areas and targets are dropped afterwards)."""

    kind: TriageKind
    relevant: bool
    touches: list[str] = Field(default_factory=list, max_length=20)
    areas: list[str] = Field(default_factory=list, max_length=20)
    reason: str = Field(default="", max_length=300)


def targets(kb: KnowledgeBase | None) -> dict[str, str]:
    """VMCloud's differentiators and threats as ``id -> title`` (English), what ``touches`` may name."""
    if kb is None:
        return {}
    found = {f"differentiator-{i}": d.title.get("en") for i, d in enumerate(kb.differentiators, 1)}
    found.update({t.id: t.title.get("en") for t in kb.threats})
    return found


def _system(known: Mapping[str, str]) -> str:
    return (
        f"[{PROMPT_VERSION}] You triage news about competitors of VMCloud, a European cloud provider "
        "(VPS, GPU, PaaS, storage, CDN, load balancers). For the item, answer JSON with: kind (one of "
        f"{', '.join(KINDS)}); relevant (true when it matters to VMCloud's business); touches (ids from "
        f"this list only: {orjson.dumps(dict(known)).decode()}); areas (from {', '.join(AREAS)}); reason "
        "(one short sentence). Use only the item's text."
    )


def model_triage(
    model: Model, title: str, text: str, competitor: str | None, known: Mapping[str, str]
) -> Triage | None:
    """The model's reading, restricted to known areas and targets; None when the model gave none."""
    item = {"competitor": competitor, "title": title, "text": text[:2000]}
    try:
        answer = model.complete_json(
            TriageAnswer, _system(known), orjson.dumps(item).decode(), purpose=PURPOSE
        )
    except VeilleError as exc:
        log.warning("triage: the model gave no reading of %r: %s", title[:80], exc)
        return None
    touches = tuple(t for t in dict.fromkeys(answer.touches) if t in known)
    areas = tuple(a for a in AREAS if a in set(answer.areas))
    return Triage(answer.kind, answer.relevant, touches, areas, answer.reason)


def _text_of(title: str, data: Mapping[str, Any]) -> tuple[str, str, list[str]]:
    text = " ".join(str(data.get(k) or "") for k in ("summary", "text", "matched"))
    return title, text, [str(t) for t in data.get("tags") or []]


def triage_of(
    title: str,
    data: Mapping[str, Any],
    competitor: str | None = None,
    model: Model | None = None,
    known: Mapping[str, str] | None = None,
    *,
    event_kind: str | None = None,
) -> dict[str, Any]:
    """The ``data["triage"]`` of one event: the words' reading, the model's if one is given, the verdict."""
    title, text, tags = _text_of(title, data)
    words = word_triage(title, text, tags, event_kind)
    found: dict[str, Any] = {"words": words.as_dict(), "relevant": words.relevant}
    reading = model_triage(model, title, text, competitor, known or {}) if model is not None else None
    if reading is not None:
        found["model"] = reading.as_dict()
        found["relevant"] = reading.relevant
    return found


def record_words(rows: Sequence[EventRow]) -> None:
    """Record the words' triage on new feature, mention and funding events (no model, no I/O)."""
    for row in rows:
        data = row.data or {}
        if row.kind in TRIAGED_EVENTS and "triage" not in data:
            row.data = {**data, "triage": triage_of(row.title, data, event_kind=row.kind)}


def _pending(
    store: Store, model: Model | None, since: datetime | None, limit: int
) -> tuple[list[tuple[int, str, str, str | None, dict[str, Any]]], dict[str, str]]:
    """The events still to read (id, title, competitor, data) and the targets, in a short session."""
    from sqlalchemy import select

    from veille.kb.store import current
    from veille.store.models import EventRow

    query = select(EventRow).where(EventRow.kind.in_(TRIAGED_EVENTS)).order_by(EventRow.detected_at.desc())
    if since is not None:
        query = query.where(EventRow.detected_at >= since)
    with store.session() as session:
        todo = []
        for row in session.scalars(query):
            triage = (row.data or {}).get("triage") or {}
            if not triage or (model is not None and "model" not in triage):
                todo.append((row.id, row.kind, row.title, row.competitor, dict(row.data or {})))
            if len(todo) >= limit:
                break
        known = targets(current(session)) if model is not None and todo else {}
    return todo, known


def triage_events(
    store: Store, model: Model | None, *, since: datetime | None = None, limit: int = 200
) -> int:
    """Give the feature, mention and funding events not yet read by the model (or by nothing) their
    triage; returns how many were triaged. Without a model only untriaged events get the words'.

    The model is asked outside any transaction (its client logs its calls in the database)."""
    from veille.store.models import EventRow

    todo, known = _pending(store, model, since, limit)
    readings = {
        event_id: triage_of(title, data, competitor, model, known, event_kind=kind)
        for event_id, kind, title, competitor, data in todo
    }
    with store.session() as session:
        for event_id, triage in readings.items():
            row = session.get(EventRow, event_id)
            if row is not None:
                row.data = {**(row.data or {}), "triage": triage}
    return len(readings)


def is_relevant(row: EventRow) -> bool:
    """False only for an event whose recorded triage judged it irrelevant; untriaged events count."""
    triage = (row.data or {}).get("triage")
    return not isinstance(triage, Mapping) or triage.get("relevant") is not False

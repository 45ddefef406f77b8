"""The seed's "Ce qu'on surveille" table turned into work items (rows of ``actions``).

| event | action |
|---|---|
| price change | ``price_review``: adjust if needed; the positioning is flagged for a refresh |
| new feature | ``roadmap_candidate``: evaluated in the monthly digest |
| price announcement (changelog) | ``price_review``: check the competitor's offers it concerns; the positioning is flagged for a refresh |
| competitor incident | ``comms_draft``: a communication opportunity drafted from that competitor's strategy and key message (FR and EN), never sent automatically |
| hiring move | ``strategy_note``: a note on that competitor's strategy (also a row of ``notes``) |
| funding round | ``positioning_review``: adapt our positioning (the alert itself goes out at once) |

Everything here runs in the caller's transaction, next to the events it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from veille.act import profiles
from veille.store.models import Action, EventRow, FeedItemRow, Note, Setting
from veille.wording import impact_word

SELF = "vmcloud"
REFRESH_FLAG = "positioning.refresh"
DRAFT_IMPACTS = ("minor", "major", "critical")
ACTION_KINDS = ("price_review", "roadmap_candidate", "comms_draft", "strategy_note", "positioning_review")


def flag_positioning(session: Session, event_ids: Sequence[int], now: datetime, reason: str) -> None:
    """Record that the live positioning should be recomputed and looked at (``settings_kv``)."""
    row = session.identity_map.get(identity_key(Setting, REFRESH_FLAG))
    if row is not None:  # loaded in this session: change it there
        row.value = _flagged(row.value, event_ids, now, reason)
        return
    # not loaded (a watch run): one SELECT and one INSERT or UPDATE on the transaction's connection
    connection = session.connection()
    current = connection.execute(_FLAG_READ).scalar()
    value = _flagged(current, event_ids, now, reason)
    connection.execute(_FLAG_INSERT if current is None else _FLAG_UPDATE, {"value": value})


def _flagged(current: Any, event_ids: Sequence[int], now: datetime, reason: str) -> dict[str, Any]:
    value: dict[str, Any] = dict(current) if current is not None else {"events": []}
    events = [*[e for e in value.get("events", []) if e not in event_ids], *event_ids][-50:]
    value.update({"requested_at": now.isoformat(), "reason": reason, "events": events})
    return value


_FLAG_READ = select(Setting.value).where(Setting.key == REFRESH_FLAG)
_FLAG_VALUE = bindparam("value", type_=Setting.__table__.c.value.type)
_FLAG_INSERT = insert(Setting).values(key=REFRESH_FLAG, value=_FLAG_VALUE)
_FLAG_UPDATE = update(Setting).where(Setting.key == REFRESH_FLAG).values(value=_FLAG_VALUE)


def comms_draft(view: profiles.CompetitorView, event: EventRow) -> dict[str, Any]:
    """A communication opportunity in French and English, from the competitor's strategy and key message."""
    incident = str((event.data or {}).get("incident_title") or event.title)
    impact = str((event.data or {}).get("impact") or "")
    strategy = view.strategy or profiles.DEFAULT_STRATEGY
    message = view.key_message
    impact_fr = impact_word(impact, "fr")
    fr = (
        f"Incident chez {view.name} ({impact_fr or 'impact inconnu'}) : « {incident} ».\n"
        f"Angle : {strategy.get('fr')}.\n"
        + (f"Message clé : « {message.get('fr')} »\n" if message else "")
        + "Proposition de message : « Une interruption de service peut arriver à tout le monde. "
        f"Si elle vous rappelle l'importance d'un interlocuteur qui répond, parlons-en : "
        f"{message.get('fr') if message else 'notre support est humain et joignable'}. »"
    )
    en = (
        f'Incident at {view.name} ({impact or "impact unknown"}): "{incident}".\n'
        f"Angle: {strategy.get('en')}.\n"
        + (f'Key message: "{message.get("en")}"\n' if message else "")
        + '"An outage can happen to anyone. If this one reminded you how much a provider who answers '
        f"matters, let's talk: {message.get('en') if message else 'our support is human and reachable'}.\""
    )
    return {
        "draft": {"fr": fr, "en": en},
        "strategy": {"fr": strategy.get("fr"), "en": strategy.get("en")},
        "key_message": {"fr": message.get("fr"), "en": message.get("en")} if message else None,
        "guidance": {
            "fr": "Brouillon à relire : jamais envoyé automatiquement. Ne pas dénigrer ; attendre la confirmation de l'incident.",
            "en": "Draft for review: never sent automatically. Do not disparage; wait until the incident is confirmed.",
        },
        "incident": (event.data or {}).get("incident_id"),
        "impact": impact,
        "url": event.url,
    }


def _mark_roadmap_item(session: Session, event: EventRow) -> None:
    data = event.data or {}
    item_id = data.get("item_id") or data.get("id")
    if event.source_id and item_id:
        session.execute(
            update(FeedItemRow)
            .where(FeedItemRow.source_id == event.source_id, FeedItemRow.item_id == str(item_id))
            .values(roadmap_candidate=True)
            .execution_options(synchronize_session=False)
        )


def _drafted_incidents(session: Session, competitor: str | None) -> set[str]:
    rows = session.scalars(
        select(Action.body).where(Action.kind == "comms_draft", Action.competitor == competitor)
    )
    return {str(b.get("incident")) for b in rows if isinstance(b, dict) and b.get("incident")}


_EXISTING = select(Action.kind, Action.event_id).where(
    Action.event_id.in_(bindparam("ids", expanding=True))
)  # built once: every run that stores events asks


_INSERT_ACTION = insert(Action)  # Core, on the connection (no ORM object is made)


class _Batch:
    """The actions one routing pass creates: queued rows, the (kind, event) pairs that already exist, the
    events that flag the positioning, the incidents already drafted, the knowledge base once loaded."""

    def __init__(self, session: Session, now: datetime, existing: set[tuple[str, int]]) -> None:
        self.session, self.now, self.existing = session, now, existing
        self.pending: list[dict[str, Any]] = []
        self.flagged: list[tuple[int, str]] = []
        self.drafted: dict[str | None, set[str]] = {}
        self._kb: Any = None
        self._kb_loaded = False

    def add(self, kind: str, event: EventRow, body: dict[str, Any]) -> bool:
        """Queue an action row (written by ``create_actions`` in one INSERT); False if the event has one."""
        if (kind, event.id) in self.existing:
            return False
        self.existing.add((kind, event.id))
        self.pending.append(
            {
                "kind": kind,
                "event_id": event.id,
                "competitor": event.competitor,
                "created_at": self.now,
                "status": "open",
                "title": event.title,
                "body": body,
            }
        )
        return True

    def flag(self, event: EventRow) -> None:
        self.flagged.append((event.id, event.kind))

    def first_draft(self, event: EventRow) -> bool:
        """False when the competitor's incident already has a communication draft (this pass included)."""
        incident_key = (event.data or {}).get("incident_id")
        if event.competitor not in self.drafted:
            self.drafted[event.competitor] = _drafted_incidents(self.session, event.competitor)
        if incident_key and str(incident_key) in self.drafted[event.competitor]:
            return False
        if incident_key:
            self.drafted[event.competitor].add(str(incident_key))
        return True

    def kb(self) -> Any:
        if not self._kb_loaded:
            self._kb, self._kb_loaded = profiles.current_kb(self.session), True
        return self._kb


def _on_price_change(batch: _Batch, event: EventRow) -> bool:
    data = event.data or {}
    batch.flag(event)
    return batch.add("price_review", event, {"pct": data.get("pct", data.get("pct_change")), "data": data})


def _on_price_announcement(batch: _Batch, event: EventRow) -> bool:
    data = event.data or {}
    batch.flag(event)
    return batch.add("price_review", event, {"url": event.url, "offers": data.get("offers"), "data": data})


def _on_funding(batch: _Batch, event: EventRow) -> bool:
    batch.flag(event)
    return batch.add("positioning_review", event, {"data": event.data or {}})


def _on_feature(batch: _Batch, event: EventRow) -> bool:
    _mark_roadmap_item(batch.session, event)
    return batch.add("roadmap_candidate", event, {"url": event.url, "data": event.data or {}})


def _on_incident(batch: _Batch, event: EventRow) -> bool:
    if not event.competitor or event.competitor == SELF:
        return False
    if str((event.data or {}).get("impact", "")).lower() not in DRAFT_IMPACTS or not batch.first_draft(event):
        return False
    view = profiles.competitor(batch.session, event.competitor, batch.kb())
    assert view is not None
    return batch.add("comms_draft", event, comms_draft(view, event))


def _on_hiring(batch: _Batch, event: EventRow) -> bool:
    if not event.competitor:
        return False
    data = event.data or {}
    if not batch.add("strategy_note", event, {"data": data, "url": event.url}):
        return False
    batch.session.add(
        Note(
            kind="strategy",
            competitor=event.competitor,
            title=event.title,
            body=f"{event.title}\n{event.url or ''}".strip(),
            score=None,
            happened_on=(event.occurred_at or event.detected_at or batch.now).date().isoformat(),
            author="veille",
            created_at=batch.now,
            data={"event_id": event.id, "from": "hiring", "event": data},  # its title in FR or EN
        )
    )
    return True


# One handler per event kind (the table of the module's docstring); a kind not here makes no action.
HANDLERS: dict[str, Callable[[_Batch, EventRow], bool]] = {
    "price_change": _on_price_change,
    "price_announcement": _on_price_announcement,
    "funding": _on_funding,
    "feature": _on_feature,
    "incident": _on_incident,
    "incident_escalated": _on_incident,
    "hiring": _on_hiring,
}


def create_actions(
    session: Session, events: Sequence[EventRow], now: datetime, *, fresh: bool = False
) -> int:
    """Turn events into the seed's actions. Returns how many were created (an event never gets two of a kind).

    ``fresh``: the events were inserted in this transaction, so none has an action to look up yet.
    """
    ids = [e.id for e in events if e.id is not None]
    if not ids:
        return 0
    # route_events flushed the session; the actions are written with one INSERT on the transaction's
    # connection, not as ORM objects (their unit of work was most of the cost of routing an event)
    connection = session.connection()
    existing: set[tuple[str, int]] = (
        set() if fresh else {(r.kind, r.event_id) for r in connection.execute(_EXISTING, {"ids": ids})}
    )
    batch = _Batch(session, now, existing)
    created = 0
    for event in events:
        handler = HANDLERS.get(event.kind)
        if handler is not None and event.status not in ("held", "dismissed") and handler(batch, event):
            created += 1
    if batch.pending:
        connection.execute(_INSERT_ACTION, batch.pending)
    if batch.flagged:
        flag_positioning(session, [i for i, _ in batch.flagged], now, batch.flagged[-1][1])
    return created

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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from veille.act import kbview
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


def comms_draft(view: kbview.CompetitorView, event: EventRow) -> dict[str, Any]:
    """A communication opportunity in French and English, from the competitor's strategy and key message."""
    incident = str((event.data or {}).get("incident_title") or event.title)
    impact = str((event.data or {}).get("impact") or "")
    strategy = view.strategy or kbview.DEFAULT_STRATEGY
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


def _add(
    pending: list[dict[str, Any]],
    existing: set[tuple[str, int]],
    kind: str,
    event: EventRow,
    now: datetime,
    title: str,
    body: dict[str, Any],
) -> bool:
    """Queue an action row (written by ``create_actions`` in one INSERT); False if the event has one."""
    if (kind, event.id) in existing:
        return False
    existing.add((kind, event.id))
    pending.append(
        {
            "kind": kind,
            "event_id": event.id,
            "competitor": event.competitor,
            "created_at": now,
            "status": "open",
            "title": title,
            "body": body,
        }
    )
    return True


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
    pending: list[dict[str, Any]] = []
    kb: Any = None
    kb_loaded = False
    created = 0
    flagged: list[tuple[int, str]] = []
    drafted: dict[str | None, set[str]] = {}
    for event in events:
        if event.status in ("held", "dismissed"):
            continue
        data = event.data or {}
        added = False
        if event.kind == "price_change":
            flagged.append((event.id, "price_change"))
            added = _add(
                pending,
                existing,
                "price_review",
                event,
                now,
                event.title,
                {"pct": data.get("pct", data.get("pct_change")), "data": data},
            )
        elif event.kind == "price_announcement":
            flagged.append((event.id, "price_announcement"))
            body = {"url": event.url, "offers": data.get("offers"), "data": data}
            added = _add(pending, existing, "price_review", event, now, event.title, body)
        elif event.kind == "funding":
            flagged.append((event.id, "funding"))
            added = _add(pending, existing, "positioning_review", event, now, event.title, {"data": data})
        elif event.kind == "feature":
            _mark_roadmap_item(session, event)
            added = _add(
                pending,
                existing,
                "roadmap_candidate",
                event,
                now,
                event.title,
                {"url": event.url, "data": data},
            )
        elif (
            event.kind in ("incident", "incident_escalated") and event.competitor and event.competitor != SELF
        ):
            if str(data.get("impact", "")).lower() not in DRAFT_IMPACTS:
                continue
            incident_key = data.get("incident_id")
            if event.competitor not in drafted:
                drafted[event.competitor] = _drafted_incidents(session, event.competitor)
            if incident_key and str(incident_key) in drafted[event.competitor]:
                continue
            if incident_key:
                drafted[event.competitor].add(str(incident_key))
            if not kb_loaded:
                kb, kb_loaded = kbview.current_kb(session), True
            view = kbview.competitor(session, event.competitor, kb)
            assert view is not None
            added = _add(pending, existing, "comms_draft", event, now, event.title, comms_draft(view, event))
        elif event.kind == "hiring" and event.competitor:
            added = _add(
                pending, existing, "strategy_note", event, now, event.title, {"data": data, "url": event.url}
            )
            if added:
                session.add(
                    Note(
                        kind="strategy",
                        competitor=event.competitor,
                        title=event.title,
                        body=f"{event.title}\n{event.url or ''}".strip(),
                        score=None,
                        happened_on=(event.occurred_at or event.detected_at or now).date().isoformat(),
                        author="veille",
                        created_at=now,
                        data={"event_id": event.id, "from": "hiring", "event": data},  # its title in FR or EN
                    )
                )
        if added:
            created += 1
    if pending:
        connection.execute(_INSERT_ACTION, pending)
    if flagged:
        flag_positioning(session, [i for i, _ in flagged], now, flagged[-1][1])
    return created

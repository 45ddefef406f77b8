"""Acting on events: alert rules, the outbox, notifications, and the seed's actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from veille.store.models import EventRow


def route_events(
    session: Session,
    events: Sequence[EventRow],
    now: datetime,
    rules: Sequence[Any] | None = None,
    *,
    fresh: bool = False,
) -> int:
    """Turn newly stored events into outbox alerts and actions, in the caller's transaction.

    Alerts are rows before they are messages (``veille.act.outbox``): they commit with the events or
    not at all, and the dispatcher sends them afterwards. The rules are the workspace's enabled ones
    (``veille init`` creates the defaults), read here unless the caller passes them (the watch reads
    them once per pass). ``fresh``: the events were inserted in this transaction (no alert or action
    can exist for them yet: nothing to look up). Returns the number of alerts queued.
    """
    from veille.act.actions import create_actions
    from veille.act.outbox import queue
    from veille.act.rules import enabled_rules

    if not events:
        return 0
    session.flush()  # the events need their ids
    with session.no_autoflush:  # what is added here is written once, with the run's commit
        queued = queue(session, events, enabled_rules(session) if rules is None else rules, now, fresh=fresh)
        create_actions(session, events, now, fresh=fresh)
    return queued

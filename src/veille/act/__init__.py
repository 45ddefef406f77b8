"""Acting on events: alert rules, the outbox, notifications, and the seed's actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from veille.store.models import EventRow


def route_events(session: Session, events: Sequence[EventRow], now: datetime) -> int:
    """Turn newly stored events into outbox alerts and actions, in the caller's transaction.

    Returns the number of alerts queued. The rules engine replaces this body (issue 5).
    """
    return 0

"""Helpers of the act tests: events stored the way the pipeline stores them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest

from veille.act.rules import ensure_defaults
from veille.store.db import Store
from veille.store.models import EventRow

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_seq = count(1)


def event_row(
    kind: str, competitor: str | None = "hetzner", importance: str = "medium", **data: Any
) -> EventRow:
    n = next(_seq)
    status = data.pop("status", "open")
    return EventRow(
        kind=kind,
        competitor=competitor,
        title=data.pop("title", f"{kind} #{n}"),
        importance=importance,
        occurred_at=NOW,
        detected_at=data.pop("detected_at", NOW),
        url=f"https://example.test/{kind}/{n}",
        dedup_key=f"{kind}:{competitor}:{n}",
        data=data,
        source_id=data.pop("source_id", "test.source"),
        status=status,
    )


@pytest.fixture
def store(any_store: Store) -> Store:
    with any_store.session() as session:
        ensure_defaults(session)
    return any_store


@pytest.fixture
def add_events(store: Store) -> Callable[..., list[int]]:
    """Store events and route them in one transaction, as the pipeline does; returns their ids."""
    from veille.act import route_events

    def add(*events: EventRow, now: datetime = NOW) -> list[int]:
        with store.session() as session:
            session.add_all(events)
            session.flush()
            route_events(session, list(events), now)
            return [e.id for e in events]

    return add

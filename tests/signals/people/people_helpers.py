"""Helpers of the mentions / reviews / hiring / funding tests (a uniquely named module, imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.sources import ParseContext, get_parser

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FETCHED = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def make_ctx(
    competitor: str | None = "scaleway", url: str = "https://example.invalid/", source_id: str = "test"
) -> ParseContext:
    return ParseContext(source_id=source_id, competitor=competitor, url=url, fetched_at=FETCHED)


def run_parser(
    parser_id: str, body: bytes, competitor: str | None = "scaleway", url: str = "https://example.invalid/"
) -> list[Any]:
    return get_parser(parser_id).func(body, make_ctx(competitor, url))


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def replay(store: Any, spec: Any, body: bytes, now: datetime, settings: Any = None) -> list[Any]:
    """Parse ``body`` as ``spec``'s response fetched at ``now`` and ingest it in one transaction, as the
    runner does; returns the drafts the ingestors proposed (events are stored with the runner's dedup)."""
    from veille.collect.record import insert_events
    from veille.ingest import IngestContext, ingest
    from veille.settings import Settings

    observations = get_parser(spec.parser).func(body, ParseContext(spec.id, spec.competitor, spec.url, now))
    with store.session() as session:
        ctx = IngestContext(
            session=session, source=spec, run_id=None, now=now, settings=settings or Settings(), url=spec.url
        )
        drafts = ingest(ctx, observations)
        insert_events(session, drafts, now=now, source_id=spec.id, run_id=None)
    return drafts

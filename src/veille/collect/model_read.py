"""The run's hook to the price-reading agent: a pricing page its selectors no longer read goes to the model.

Only for the HTML pricing parsers, only when AI is on (``VEILLE_AI_ENABLED``): when neither the
page's selectors nor the generic extractor find a plan (``NoPlansFound``), or when a page's declared
selectors found nothing and the generic fallback guessed, the page goes to ``veille.ai.prices`` and
the offers the page proves replace the guess. The model's first reading of a source is held for a
person (``veille held accept``); the offers it rejected are noted on the call (``veille sources
list``) and, when none is left, in the run's error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from veille.ai.client import client_for
from veille.ai.prices import PageFacts, Reading, read_prices
from veille.errors import ParseError
from veille.ingest import IngestContext
from veille.observations import Observation
from veille.sources import ParseContext
from veille.sources.pricing_pages import NoPlansFound, page_config, selectors_failed
from veille.store.models import AiCall, EventRow

log = logging.getLogger(__name__)
PRICING_PARSERS = ("pricing_page.html", "pricing_page.generic")


class ModelReadingFailed(ParseError):
    """Nothing found on the page, and the model's reading proved nothing either.

    ``ai_calls`` keeps the run's model calls (rolled back with the run) for ``record_failure`` to
    write again: what was paid for stays counted and cached.
    """

    def __init__(self, parser: str, message: str, ai_calls: list[dict[str, Any]]) -> None:
        super().__init__(parser, message)
        self.ai_calls = ai_calls


def parse_or_read(
    parse: Callable[[], list[Observation]], ctx: IngestContext, body: Callable[[], bytes], pctx: ParseContext
) -> tuple[list[Observation], Reading | None]:
    """The parser's observations, or the model's checked reading where the selectors failed.

    The reading is returned when its offers are the ones kept (None: the parser's stand).
    """
    if ctx.source.parser not in PRICING_PARSERS or not ctx.settings.ai_enabled:
        return parse(), None
    try:
        observations = parse()
    except NoPlansFound as exc:
        reading = _read(ctx, body, pctx)
        if not reading.offers:
            calls = _calls_of_run(ctx)
            raise ModelReadingFailed(exc.parser, f"{exc.detail}; {reading.summary()}", calls) from exc
        return list(reading.offers), reading
    if ctx.source.parser != "pricing_page.html" or not selectors_failed(observations, pctx):
        return observations, None  # the generic parser tries no selectors: its reading stands
    reading = _read(ctx, body, pctx)
    if not reading.offers:
        log.warning("%s: %s; the generic extractor's reading stands", ctx.source.id, reading.summary())
        return observations, None
    return list(reading.offers), reading


def hold_reason(ctx: IngestContext, reading: Reading) -> str | None:
    """Why a snapshot read by the model waits for a person: the source's first model reading."""
    accepted = ctx.session.scalars(
        select(EventRow.data).where(
            EventRow.kind == "price_review",
            EventRow.source_id == ctx.source.id,
            EventRow.status == "accepted",
        )
    ).all()
    if any((data or {}).get("needs_person") for data in accepted):
        return None
    return f"first reading of this page by a model ({reading.model}): a person accepts it"


def _read(ctx: IngestContext, body: Callable[[], bytes], pctx: ParseContext) -> Reading:
    client = client_for(ctx.settings)
    assert client is not None  # AI is on: checked by the caller
    page = page_config(pctx)
    competitor = (page.competitor if page else None) or ctx.source.competitor or ""
    facts = PageFacts(
        competitor=competitor,
        url=pctx.url,
        currency=page.currency if page else None,
        region=page.region if page else None,
        category=page.category if page else "vps",
    )
    reading = read_prices(
        client, body(), facts, session=ctx.session, source_id=ctx.source.id, run_id=ctx.run_id
    )
    log.info("%s: %s", ctx.source.id, reading.summary())
    return reading


def _calls_of_run(ctx: IngestContext) -> list[dict[str, Any]]:
    rows = ctx.session.scalars(
        select(AiCall).where(AiCall.source_id == ctx.source.id, AiCall.run_id == ctx.run_id)
    ).all()
    columns = [c.key for c in AiCall.__table__.columns if c.key != "id"]
    return [{c: getattr(row, c) for c in columns} for row in rows]

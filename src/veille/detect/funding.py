"""Funding and corporate events from press items and SEC filings.

``item`` (press feeds): an item whose title or summary matches ``veille.normalise.funding`` gives a
``funding`` event of high importance with data ``{amount, currency, round, kind}``. Only items of
press sources are read (kind ``funding``, or a source id naming a newsroom or press feed, such as the
changelog module's ``ovhcloud.newsroom`` and ``hetzner.news``): product blogs mention "acquisition" and
"raises" in other senses. The event must be stated in a sentence of the title or summary that names
the competitor (its id or an alias): a news search or a general press feed also carries stories
about other companies. Items published more than 30 days before they are first seen (an archive read
for the first time) give no event.

``filing`` (SEC EDGAR): every 8-K, 10-Q, 10-K and S-1 is stored once in ``filings``. An S-1 is an IPO
or offering registration, and 8-K items 2.03 (a direct financial obligation), 3.02 (unregistered
sale of equity) and 2.01 (completed acquisition) are financing or corporate events: ``funding``
events, high. Other filings give low ``filing`` events. Filings older than 30 days when first seen
give none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from sqlalchemy import select

from veille.detect.mentions import already_recorded, is_recent
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor
from veille.kb.ids import competitor_names
from veille.normalise.funding import match
from veille.observations import FeedItem, Filing, Observation
from veille.store.models import FilingRow

# Source ids of newsroom or press feeds declared elsewhere (``ovhcloud.newsroom``, ``hetzner.news``).
PRESS_ID = re.compile(r"(?:^|[.\-])(?:news|newsroom|press|pressroom|presse)(?:$|[.\-])")
# 8-K items that report financing or a corporate event, and the funding kind they stand for.
FINANCING_ITEMS = {"2.03": "debt", "3.02": "funding", "2.01": "acquisition"}


def _is_press(ctx: IngestContext) -> bool:
    return ctx.source.kind == "funding" or PRESS_ID.search(ctx.source.id) is not None


@ingestor("item")
def ingest_press_items(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """``funding`` events for press items reporting a raise, debt, an acquisition or an IPO."""
    if not _is_press(ctx):
        return []
    drafts: list[EventDraft] = []
    emitted: set[str] = set()
    for item in observations:
        if not isinstance(item, FeedItem) or not is_recent(item.published_at, ctx.now):
            continue
        competitor = item.competitor or ctx.source.competitor
        names = competitor_names(competitor) if competitor else None
        found = match(f"{item.title}. {item.summary}", names)
        if found is None:
            continue  # no event, or one about somebody else (a search hit, a general press feed)
        digest = hashlib.sha256(f"{ctx.source.id}\n{item.id}".encode()).hexdigest()[:24]
        key = f"funding:{competitor}:{digest}"
        if key in emitted or already_recorded(ctx.session, key):
            continue
        emitted.add(key)
        drafts.append(
            EventDraft(
                kind="funding",
                competitor=competitor,
                title=item.title[:300],
                importance="high",
                dedup_key=key,
                occurred_at=item.published_at,
                url=item.url,
                data={
                    "amount": str(found.amount) if found.amount is not None else None,
                    "currency": found.currency,
                    "round": found.round,
                    "kind": found.kind,
                    "matched": found.matched,
                    "source": ctx.source.id,
                },
            )
        )
    return drafts


def _filing_event(filing: Filing, competitor: str | None) -> EventDraft:
    base_form = filing.form.split("/")[0]
    kind = "ipo" if base_form == "S-1" else None
    if base_form == "8-K":
        kind = next((FINANCING_ITEMS[i] for i in filing.items if i in FINANCING_ITEMS), None)
    data = {"form": filing.form, "items": list(filing.items), "accession": filing.id}
    if kind is None:
        return EventDraft(
            kind="filing",
            competitor=competitor,
            title=f"{competitor} filed {filing.title}"[:300],
            importance="low",
            dedup_key=f"filing:{competitor}:{filing.id}",
            occurred_at=filing.filed_at,
            url=filing.url,
            data=data,
        )
    return EventDraft(
        kind="funding",
        competitor=competitor,
        title=f"{competitor} filed {filing.title}"[:300],
        importance="high",
        dedup_key=f"funding:{competitor}:edgar:{filing.id}",
        occurred_at=filing.filed_at,
        url=filing.url,
        data={**data, "amount": None, "currency": None, "round": None, "kind": kind},
    )


@ingestor("filing")
def ingest_filings(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store new filings; return ``funding`` events for financing filings and ``filing`` events otherwise."""
    filings = {o.id: o for o in observations if isinstance(o, Filing)}
    if not filings:
        return []
    known = set(
        ctx.session.scalars(
            select(FilingRow.accession).where(
                FilingRow.source_id == ctx.source.id, FilingRow.accession.in_(list(filings))
            )
        )
    )
    drafts: list[EventDraft] = []
    for accession, filing in filings.items():
        if accession in known:
            continue
        competitor = filing.competitor or ctx.source.competitor
        ctx.session.add(
            FilingRow(
                source_id=ctx.source.id,
                accession=accession,
                competitor=competitor,
                form=filing.form,
                title=filing.title,
                items=list(filing.items),
                url=filing.url,
                filed_at=filing.filed_at,
                first_seen_at=ctx.now,
            )
        )
        if is_recent(filing.filed_at, ctx.now):
            drafts.append(_filing_event(filing, competitor))
    ctx.session.flush()
    return drafts

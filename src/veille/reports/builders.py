"""The four reports: the whole analysis with live figures, the monthly digest, the quarterly review,
and a battlecard per competitor. Each builder reads the store and returns a ``Document``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.ai.grounding import Model, summarise
from veille.analysis.incidents import statistics
from veille.detect.triage import is_relevant
from veille.kb.labels import PROBABILITY
from veille.kb.markdown_export import render_markdown
from veille.kb.schema import KnowledgeBase, Lang, Money
from veille.kb.store import current
from veille.normalise.tagging import AREA_WORDS
from veille.reports import claims, editions, gather, sections, summary
from veille.reports.document import Document, md_cell, md_kb, md_link, md_text, table
from veille.reports.labels import label, level_word
from veille.store.models import EventRow
from veille.wording import fmt, word

PRICE_KINDS = ("price_change", "price_announcement", "offer_added", "offer_removed", "spec_change")
SIGNAL_KINDS = ("incident", "incident_resolved", "feature", "funding", "hiring", "rating_change")
OPERATIONS_KINDS = ("source_failure", "price_review")
NBSP = "\u00a0"  # a date is not broken across lines


def _title(kind: str, lang: str, now: datetime) -> str:
    return f"{label(kind, lang)} — VMCloud ({fmt.day(now, lang).replace(' ', NBSP)})"


def _with_live_prices(kb: KnowledgeBase, pos: dict[str, Any] | None) -> KnowledgeBase:
    """A copy of the knowledge base whose price table carries the live figures (EUR per month)."""
    if not pos:
        return kb
    prices = {product: dict(cells) for product, cells in kb.price_table.prices.items()}
    columns = {c.competitor for c in kb.price_table.columns}
    for row in pos["rows"]:
        if row.get("basis") != "live" or not row.get("compared", row.get("billing") == "on_demand"):
            continue
        if row["competitor"] in columns and row["product"] in prices:
            amount = Decimal(row["monthly_eur"]).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
            if amount == amount.to_integral():
                amount = amount.quantize(Decimal(1))
            prices[row["product"]][row["competitor"]] = Money(amount=amount, currency="EUR")
    table_copy = kb.price_table.model_copy(update={"prices": prices})
    return kb.model_copy(update={"price_table": table_copy})


def analysis(session: Session, lang: Lang, now: datetime) -> Document:
    """The whole analysis of the seed, regenerated with live prices and what changed since the last edition."""
    kb = current(session)
    pos = gather.positioning(session, now)
    doc = Document(_title("analysis", lang, now), lang, f"analysis-{lang}")
    refuted = claims.contradicted(session)
    body = claims.mark_in_place(render_markdown(_with_live_prices(kb, pos), lang), refuted, lang)
    head, _, rest = body.partition("\n")
    note = (
        f"> **{label('live_figures', lang)}** — {label('generated', lang)} {fmt.moment(now, lang)} "
        f"(veille). {label('live_positioning', lang)}: § 6."
    )
    doc.add(head, "", note, "", rest)
    claims.claims_section(doc, refuted, lang)
    doc.add(f"## {label('live_positioning', lang)}")
    sections.positioning_table(doc, pos, kb)
    doc.chart(sections.segmentation_chart(kb, lang))
    doc.chart(sections.matrix_chart(kb, lang))
    sections.price_history_charts(doc, gather.price_history(session, now), kb, now)
    previous = editions.previous(session, "analysis", lang)
    doc.add(f"## {label('what_changed', lang)}")
    if previous is None:
        doc.add(label("first_edition", lang))
    else:
        since = previous
        doc.add(f"_{label('since', lang)} {fmt.moment(since, lang)}_")
        changed = gather.events(session, since, now + timedelta(seconds=1), kinds=PRICE_KINDS + SIGNAL_KINDS)
        changed.sort(key=lambda e: e.occurred_at or e.detected_at, reverse=True)
        if changed:
            sections.events_table(doc, changed, kb)
        else:
            doc.add(label("nothing_changed", lang))
    return doc


def _summary(
    doc: Document,
    session: Session,
    kb: KnowledgeBase,
    since: datetime,
    until: datetime,
    model: Model | None = None,
) -> list[EventRow]:
    """The executive summary of [since, until); returns the period's events (dated in the period) that
    triage did not judge irrelevant to VMCloud. With a ``model``, its checked summary follows."""
    period = [e for e in gather.events(session, since, until, limit=5000, dated=True) if is_relevant(e)]
    stats = statistics(session, since=since, until=until)
    facts = summary.Period(period, stats, sections.names(kb))
    doc.boxed(
        f"## {label('summary', doc.lang)}", "", *(f"- {line}" for line in summary.lines(facts, doc.lang))
    )
    _model_summary(doc, [e for e in period if e.kind in PRICE_KINDS + SIGNAL_KINDS], kb, model)
    return period


def _event_facts(e: Any, who: dict[str, str]) -> dict[str, Any]:
    """What a model's summary may be written from: one event without its links and ids."""
    data = {k: v for k, v in (e.data or {}).items() if k not in ("url", "item_id", "triage", "accession")}
    return {
        "kind": e.kind,
        "competitor": who.get(e.competitor or "", e.competitor),
        "title": e.title,
        "importance": e.importance,
        "date": (e.occurred_at or e.detected_at).date().isoformat(),
        "data": data,
    }


def _model_summary(doc: Document, events: list[Any], kb: KnowledgeBase, model: Model | None) -> None:
    """The model's summary of ``events`` in the document's language, when it wrote a faithful one."""
    if model is None or not events:
        return
    found = summarise([_event_facts(e, sections.names(kb)) for e in events], model)
    if found is not None:
        text = found.fr if doc.lang == "fr" else found.en
        doc.add(
            f"> **{label('model_summary', doc.lang)}** — {md_text(text)}",
            ">",
            f"> _{label('summary_note', doc.lang)}_",
        )


def _operations_appendix(doc: Document, period: list[EventRow], kb: KnowledgeBase) -> None:
    """Collection failures and price reviews: for the team that runs veille, at the end."""
    lang = doc.lang
    doc.add(f"## {label('appendix_ops', lang)}", "", f"_{label('appendix_ops_note', lang)}_")
    sections.events_table(doc, [e for e in period if e.kind in OPERATIONS_KINDS], kb)


def _period_line(doc: Document, since: datetime, now: datetime) -> None:
    lang = doc.lang
    doc.add(f"# {doc.title}", "", f"_{label('period', lang)}: {fmt.day(since, lang)} → {fmt.day(now, lang)}_")


def digest(
    session: Session, lang: Lang, now: datetime, days: int = 30, *, model: Model | None = None
) -> Document:
    """The monthly product digest: a summary, roadmap candidates, every other change of the month, and
    the operations appendix. Only what happened in the period is in it."""
    kb = current(session)
    since, until = now - timedelta(days=days), now + timedelta(seconds=1)
    doc = Document(_title("digest", lang, now), lang, f"digest-{lang}")
    _period_line(doc, since, now)
    period = _summary(doc, session, kb, since, until, model)
    features = [e for e in period if e.kind == "feature"]
    roadmap = [e for e in features if (e.data or {}).get("roadmap_candidate")]
    doc.add(f"## {label('roadmap', lang)}")
    _items_table(doc, roadmap, kb)
    doc.add(f"## {label('features', lang)}")
    _items_table(doc, [e for e in features if e not in roadmap], kb)
    sections.price_history_charts(doc, gather.price_history(session, now), kb, now)
    for key, kinds in (
        ("price_changes", ("price_change", "price_announcement")),
        ("offers_added", ("offer_added",)),
        ("offers_removed", ("offer_removed",)),
        ("funding", ("funding",)),
    ):
        doc.add(f"## {label(key, lang)}")
        sections.events_table(doc, [e for e in period if e.kind in kinds], kb)
    doc.add(f"## {label('incidents', lang)}")
    sections.incidents_block(doc, statistics(session, since=since, until=until), kb)
    doc.add(f"## {label('hiring', lang)}")
    sections.hiring_block(doc, session, now, kb)
    _operations_appendix(doc, period, kb)
    return doc


def _items_table(doc: Document, items: list[Any], kb: KnowledgeBase) -> None:
    lang = doc.lang
    if not items:
        doc.add(label("none", lang))
        return
    who = sections.names(kb)
    rows = [
        [
            fmt.day(e.occurred_at or e.detected_at, lang).replace(" ", NBSP),
            md_cell(who.get(e.competitor or "", e.competitor or "—")),
            md_link(e.title, e.url),
            md_cell(", ".join(word(tag, lang, AREA_WORDS) for tag in (e.data or {}).get("tags") or [])),
        ]
        for e in items
    ]
    doc.add(table([label(k, lang) for k in ("when", "competitor", "what", "tags")], rows))


def review(
    session: Session, lang: Lang, now: datetime, days: int = 91, *, model: Model | None = None
) -> Document:
    """The quarterly strategy review: a summary, positioning, incidents, ratings, hiring, threats."""
    kb = current(session)
    since, until = now - timedelta(days=days), now + timedelta(seconds=1)
    doc = Document(_title("review", lang, now), lang, f"review-{lang}")
    _period_line(doc, since, now)
    period = _summary(doc, session, kb, since, until, model)
    doc.add(f"## {label('live_positioning', lang)}")
    sections.positioning_table(doc, gather.positioning(session, now), kb)
    sections.price_history_charts(doc, gather.price_history(session, now), kb, now)
    doc.add(f"## {label('price_changes', lang)}")
    sections.events_table(doc, [e for e in period if e.kind in PRICE_KINDS], kb)
    doc.add(f"## {label('incidents', lang)}")
    sections.incidents_block(doc, statistics(session, since=since, until=until), kb)
    doc.add(f"## {label('ratings', lang)}")
    sections.ratings_block(doc, gather.ratings(session), kb)
    doc.add(f"## {label('hiring', lang)}")
    sections.hiring_block(doc, session, now, kb)
    doc.add(f"## {label('funding', lang)}")
    sections.events_table(doc, [e for e in period if e.kind == "funding"], kb)
    doc.add(f"## {label('positioning_reviews', lang)}")
    flagged = gather.actions(session, since, until, kinds=("positioning_review", "strategy_note"))
    doc.add("\n".join(f"- {md_text(a.title)}" for a in flagged) if flagged else label("none", lang))
    claims.changed_section(doc, session, since, lang)
    doc.add(f"## {label('threats', lang)}")
    _threats(doc, kb, lang)
    doc.chart(sections.matrix_chart(kb, lang))
    doc.chart(sections.segmentation_chart(kb, lang))
    _operations_appendix(doc, period, kb)
    return doc


def _threats(doc: Document, kb: KnowledgeBase, lang: Lang) -> None:
    for threat in kb.threats:
        doc.add(f"### {md_kb(threat.title.get(lang))}", "", md_kb(threat.scenario.get(lang)))
        doc.add(
            table(
                [label("what", lang), label("impact", lang), label("probability", lang)],
                [
                    [
                        md_cell(a.aspect.get(lang)),
                        md_cell(a.impact.get(lang)),
                        md_cell(level_word(a.probability, lang, PROBABILITY)),
                    ]
                    for a in threat.aspects
                ],
            )
        )


def battlecard(session: Session, lang: Lang, now: datetime, competitor: str) -> Document:
    """One page for sales (see ``reports.battlecard``)."""
    from veille.reports.battlecard import battlecard as card

    return card(session, lang, now, competitor)

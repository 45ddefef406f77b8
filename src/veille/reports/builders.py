"""The four reports: the whole analysis with live figures, the monthly digest, the quarterly review,
and a battlecard per competitor. Each builder reads the store and returns a ``Document``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.analysis.incidents import list_incidents, statistics
from veille.analysis.tagging import AREA_WORDS
from veille.errors import NotFoundError
from veille.kb.labels import LEVEL_EMOJI, PROBABILITY, THREAT
from veille.kb.markdown_export import render_markdown
from veille.kb.schema import KnowledgeBase, Lang, Money
from veille.kb.store import current
from veille.reports import claims, editions, fmt, gather, sections
from veille.reports.document import Document, md_cell, md_kb, md_link, md_text, table
from veille.reports.labels import label, level_word
from veille.reports.wording import impact_word, word

PRICE_KINDS = ("price_change", "offer_added", "offer_removed", "spec_change")
SIGNAL_KINDS = ("incident", "incident_resolved", "feature", "funding", "hiring", "rating_change")


def _title(kind: str, lang: str, now: datetime) -> str:
    return f"{label(kind, lang)} — VMCloud ({fmt.day(now, lang)})"


def _with_live_prices(kb: KnowledgeBase, pos: dict[str, Any] | None) -> KnowledgeBase:
    """A copy of the knowledge base whose price table carries the live figures (EUR per month)."""
    if not pos:
        return kb
    prices = {product: dict(cells) for product, cells in kb.price_table.prices.items()}
    columns = {c.competitor for c in kb.price_table.columns}
    for row in pos["rows"]:
        if row.get("basis") != "live" or row.get("billing", "on_demand") != "on_demand":
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
        if changed:
            sections.events_table(doc, changed, kb)
        else:
            doc.add(label("nothing_changed", lang))
    return doc


def digest(session: Session, lang: Lang, now: datetime, days: int = 30) -> Document:
    """The monthly product digest: roadmap candidates first, then every other change of the month."""
    kb = current(session)
    since = now - timedelta(days=days)
    doc = Document(_title("digest", lang, now), lang, f"digest-{lang}")
    doc.add(f"# {doc.title}", "", f"_{label('period', lang)}: {fmt.day(since, lang)} → {fmt.day(now, lang)}_")
    until = now + timedelta(seconds=1)
    features = gather.events(session, since, until, kinds=("feature",))
    roadmap = [e for e in features if (e.data or {}).get("roadmap_candidate")]
    doc.add(f"## {label('roadmap', lang)}")
    _items_table(doc, roadmap, kb)
    doc.add(f"## {label('features', lang)}")
    _items_table(doc, [e for e in features if e not in roadmap], kb)
    sections.price_history_charts(doc, gather.price_history(session, now), kb, now)
    for key, kinds in (
        ("price_changes", ("price_change",)),
        ("offers_added", ("offer_added",)),
        ("offers_removed", ("offer_removed",)),
        ("funding", ("funding",)),
    ):
        doc.add(f"## {label(key, lang)}")
        sections.events_table(doc, gather.events(session, since, until, kinds=kinds), kb)
    doc.add(f"## {label('incidents', lang)}")
    sections.incidents_block(doc, statistics(session, since=since, until=until), kb)
    doc.add(f"## {label('hiring', lang)}")
    sections.hiring_block(doc, session, now, kb)
    doc.add(f"## {label('source_health', lang)}")
    sections.events_table(
        doc, gather.events(session, since, until, kinds=("source_failure", "price_review")), kb
    )
    return doc


def _items_table(doc: Document, items: list[Any], kb: KnowledgeBase) -> None:
    lang = doc.lang
    if not items:
        doc.add(label("none", lang))
        return
    who = sections.names(kb)
    rows = [
        [
            fmt.day(e.occurred_at or e.detected_at, lang),
            md_cell(who.get(e.competitor or "", e.competitor or "—")),
            md_link(e.title, e.url),
            md_cell(", ".join(word(tag, lang, AREA_WORDS) for tag in (e.data or {}).get("tags") or [])),
        ]
        for e in items
    ]
    doc.add(table([label(k, lang) for k in ("when", "competitor", "what", "tags")], rows))


def review(session: Session, lang: Lang, now: datetime, days: int = 91) -> Document:
    """The quarterly strategy review: positioning then and now, incidents, ratings, hiring, threats."""
    kb = current(session)
    since = now - timedelta(days=days)
    until = now + timedelta(seconds=1)
    doc = Document(_title("review", lang, now), lang, f"review-{lang}")
    doc.add(f"# {doc.title}", "", f"_{label('period', lang)}: {fmt.day(since, lang)} → {fmt.day(now, lang)}_")
    doc.add(f"## {label('live_positioning', lang)}")
    sections.positioning_table(doc, gather.positioning(session, now), kb)
    sections.price_history_charts(doc, gather.price_history(session, now), kb, now)
    doc.add(f"## {label('price_changes', lang)}")
    sections.events_table(doc, gather.events(session, since, until, kinds=PRICE_KINDS), kb)
    doc.add(f"## {label('incidents', lang)}")
    sections.incidents_block(doc, statistics(session, since=since, until=until), kb)
    doc.add(f"## {label('ratings', lang)}")
    sections.ratings_block(doc, gather.ratings(session), kb)
    doc.add(f"## {label('hiring', lang)}")
    sections.hiring_block(doc, session, now, kb)
    doc.add(f"## {label('funding', lang)}")
    sections.events_table(doc, gather.events(session, since, until, kinds=("funding",)), kb)
    doc.add(f"## {label('positioning_reviews', lang)}")
    flagged = gather.actions(session, since, until, kinds=("positioning_review", "strategy_note"))
    doc.add("\n".join(f"- {md_text(a.title)}" for a in flagged) if flagged else label("none", lang))
    claims.changed_section(doc, session, since, lang)
    doc.add(f"## {label('threats', lang)}")
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
    doc.chart(sections.matrix_chart(kb, lang))
    doc.chart(sections.segmentation_chart(kb, lang))
    return doc


def battlecard(session: Session, lang: Lang, now: datetime, competitor: str) -> Document:
    """One page for sales: their strategy and key message, live price gaps, incidents, ratings, where we win."""
    kb = current(session)
    them = next((c for c in kb.competitors if c.id == competitor), None)
    if them is None:
        raise NotFoundError(f"no competitor {competitor!r} in the knowledge base")
    doc = Document(f"{label('battlecard', lang)} — {them.name}", lang, f"battlecard-{competitor}-{lang}")
    doc.add(f"# {md_text(doc.title)}", "", f"_{label('generated', lang)} {fmt.moment(now, lang)}_")
    facts = []
    if them.threat:
        facts.append(
            f"**{label('threat', lang)}:** {LEVEL_EMOJI.get(them.threat, '')} {level_word(them.threat, lang, THREAT)}"
            + (f" — {md_kb(them.threat_reason.get(lang))}" if them.threat_reason else "")
        )
    if them.positioning:
        facts.append(f"**{label('positioning_line', lang)}:** {md_kb(them.positioning.get(lang))}")
    if them.strategy:
        facts.append(f"**{label('strategy', lang)}:** {md_kb(them.strategy.get(lang))}")
    if them.key_message:
        facts.append(
            f"**{label('key_message', lang)}:** « {md_kb(them.key_message.get(lang))} »"
            if lang == "fr"
            else f'**{label("key_message", lang)}:** "{md_kb(them.key_message.get(lang))}"'
        )
    doc.add("\n\n".join(facts) or "—")
    for key, texts in (
        ("where_we_win", them.our_advantages),
        ("their_strengths", them.strengths),
        ("their_weaknesses", them.weaknesses),
    ):
        doc.add(f"## {label(key, lang)}")
        doc.add("\n".join(f"- {md_kb(t.get(lang))}" for t in texts) if texts else "—")
    if them.verdict:
        doc.add(f"**{label('verdict', lang)}:** {md_kb(them.verdict.get(lang))}")
    doc.add(f"## {label('price_gaps', lang)}")
    sections.positioning_table(doc, gather.positioning(session, now), kb, competitor=competitor)
    doc.add(f"## {label('recent_incidents', lang)}")
    records = list_incidents(session, competitor=competitor, since=now - timedelta(days=90))
    if records:
        doc.add(
            table(
                [label("when", lang), label("what", lang), label("impact", lang), label("status", lang)],
                [
                    [
                        fmt.day(r.started_at, lang),
                        md_link(r.title, r.url),
                        md_cell(impact_word(r.impact, lang)),
                        label("resolved", lang) if r.resolved_at else label("unresolved", lang),
                    ]
                    for r in records[:15]
                ],
            )
        )
    else:
        doc.add(label("none", lang))
    doc.add(f"## {label('rating_trend', lang)}")
    sections.ratings_block(doc, gather.ratings(session, competitor), kb)
    drafts = gather.actions(
        session,
        now - timedelta(days=90),
        now + timedelta(seconds=1),
        kinds=("comms_draft",),
        competitor=competitor,
    )
    if drafts:
        doc.add(f"## {label('comms_drafts', lang)}", "", f"_{label('draft_not_sent', lang)}_")
        for action in drafts[:3]:
            text = ((action.body or {}).get("draft") or {}).get(lang) or action.title
            doc.add("\n".join("> " + md_text(line) for line in str(text).splitlines()))
    doc.add(f"## {label('funding', lang)}")
    sections.events_table(
        doc,
        gather.events(
            session,
            now - timedelta(days=365),
            now + timedelta(seconds=1),
            kinds=("funding",),
            competitor=competitor,
        ),
        kb,
    )
    return doc

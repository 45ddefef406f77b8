"""The battlecard: one printed page for sales about one competitor.

Who they are for us (threat, positioning, strategy, key message), where we win and what they are good
and bad at, the live price gaps, and the sales material the watch holds: their latest outages, their
worst recent reviews, the most discussed mentions, their rating, funding, and one communication draft.
Lists are capped and long titles shortened so that the card stays on one A4 page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from veille.analysis.incidents import list_incidents
from veille.errors import NotFoundError
from veille.kb import ids
from veille.kb.labels import LEVEL_EMOJI, THREAT
from veille.kb.schema import Competitor, KnowledgeBase, Lang, sheet_of
from veille.kb.store import current
from veille.reports import gather
from veille.reports.document import Document, md_cell, md_kb, md_link, md_text, table
from veille.reports.labels import label, level_word
from veille.wording import PLATFORMS, fmt, impact_word

RECENT = timedelta(days=90)
ITEMS = 3  # rows per sales-material table
POINTS = 5  # bullets per list of the knowledge base
TITLE_CHARS = 70
BAD_RATING = Decimal(3)  # out of 5: the reviews sales can quote
# Lines of a communication draft that the card already shows above it (strategy, key message).
_REPEATED = ("angle", "key message", "message clé")


def _short(text: object, limit: int = TITLE_CHARS) -> str:
    words = " ".join(str(text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _quoted(text: str, lang: str) -> str:
    return f"« {text} »" if lang == "fr" else f'"{text}"'


def _facts(them: Competitor, lang: Lang) -> str:
    facts = []
    if them.threat:
        reason = f" — {md_kb(them.threat_reason.get(lang))}" if them.threat_reason else ""
        level = level_word(them.threat, lang, THREAT)
        facts.append(f"**{label('threat', lang)}:** {LEVEL_EMOJI.get(them.threat, '')} {level}{reason}")
    if them.positioning:
        facts.append(f"**{label('positioning_line', lang)}:** {md_kb(them.positioning.get(lang))}")
    if them.strategy:
        facts.append(f"**{label('strategy', lang)}:** {md_kb(them.strategy.get(lang))}")
    if them.key_message:
        facts.append(f"**{label('key_message', lang)}:** {_quoted(md_kb(them.key_message.get(lang)), lang)}")
    return "\n\n".join(facts) or "—"


def _bullets(key: str, texts: Sequence[Any], lang: Lang) -> str:
    items = "\n".join(f"- {md_kb(t.get(lang))}" for t in texts[:POINTS]) if texts else "—"
    return f"## {label(key, lang)}\n\n{items}"


def _gap(them: Any, us: Any, lang: str) -> str:
    try:
        ratio = Decimal(str(them)) / Decimal(str(us))
    except (InvalidOperation, ArithmeticError, TypeError):
        return "—"
    return fmt.percent((ratio - 1) * 100, lang)


def price_gaps(doc: Document, pos: dict[str, Any] | None, kb: KnowledgeBase, competitor: str) -> None:
    """Per reference product: their cheapest offer against our reference price, and the gap."""
    lang = doc.lang
    rows = [r for r in (pos or {}).get("rows", []) if r.get("billing", "on_demand") == "on_demand"]
    ours = {r["product"]: r for r in rows if r["competitor"] == "vmcloud"}
    products = {p["id"]: p for p in (pos or {}).get("products", [])}
    out = []
    for row in (r for r in rows if r["competitor"] == competitor):
        product = products.get(row["product"], {}).get("label") or row["product"]
        if isinstance(product, dict):
            product = product.get(lang) or product.get("fr")
        offer = row.get("offer") or {}
        name = md_text(offer.get("name") or offer.get("sku") or "")
        if row.get("basis") != "live":
            name = f"{name} _({label('basis_kb', lang)})_".strip()
        us = ours.get(row["product"], {}).get("monthly_eur")
        out.append(
            [
                md_cell(product),
                name,
                fmt.money(row.get("monthly_eur"), "EUR", lang),
                fmt.money(us, "EUR", lang),
                _gap(row.get("monthly_eur"), us, lang) if us else "—",
            ]
        )
    header = [label(k, lang) for k in ("product", "offer", "their_price", "our_price", "gap")]
    doc.add(
        f"## {label('price_gaps', lang)}", "", table(header, out) if out else label("no_positioning", lang)
    )


def price_moves(session: Session, competitor: str, now: datetime, lang: str) -> str | None:
    """Their recent price changes, one line per offer and move (regions together), newest first."""
    found = gather.events(
        session, now - RECENT, now + timedelta(seconds=1), kinds=("price_change",), competitor=competitor
    )
    moves: dict[tuple[str, str, str], list[str]] = {}
    for e in found:
        data = e.data or {}
        offer, old, new = data.get("offer") or {}, data.get("old") or {}, data.get("new") or {}
        if not isinstance(offer, dict) or not isinstance(old, dict) or not isinstance(new, dict):
            continue
        name = str(offer.get("name") or offer.get("sku") or "")
        arrow = (
            f"{fmt.money(old.get('monthly'), old.get('currency', 'EUR'), lang)} → "
            f"{fmt.money(new.get('monthly'), new.get('currency', 'EUR'), lang)}"
        )
        pct = f" ({fmt.percent(data['pct_change'], lang)})" if data.get("pct_change") else ""
        when = fmt.day(e.occurred_at or e.detected_at, lang)
        regions = moves.setdefault((name, arrow + pct, when), [])
        if offer.get("region"):
            regions.append(str(offer["region"]))
    if not moves:
        return None
    lines = [
        f"{md_text(name)}{' (' + md_text(', '.join(sorted(regions))) + ')' if regions else ''}: {arrow}, {when}"
        for (name, arrow, when), regions in list(moves.items())[:ITEMS]
    ]
    return f"**{label('recent_price_moves', lang)}:** " + "; ".join(lines) + "."


def _outages(session: Session, competitor: str, now: datetime, lang: str) -> str:
    records = [
        r
        for r in list_incidents(session, competitor=competitor, since=now - RECENT, until=now)
        if r.kind == "incident"
    ]
    records.sort(key=lambda r: r.started_at or now, reverse=True)
    rows = [
        [
            fmt.day(r.started_at, lang),
            md_link(_short(r.title, 48), r.url),
            md_cell(impact_word(r.impact, lang)),
            label("resolved", lang) if r.resolved_at else label("unresolved", lang),
        ]
        for r in records[:ITEMS]
    ]
    header = [label(k, lang) for k in ("when", "what", "impact", "status")]
    return f"## {label('latest_outages', lang)}\n\n" + (table(header, rows) if rows else label("none", lang))


def _rating(event: Any) -> Decimal:
    try:
        return Decimal(str((event.data or {}).get("rating")))
    except (InvalidOperation, ValueError):
        return Decimal(99)


def _reviews(session: Session, competitor: str, now: datetime, lang: str) -> str:
    found = gather.events(
        session, now - RECENT, now + timedelta(seconds=1), kinds=("review",), competitor=competitor
    )
    bad = [e for e in found if _rating(e) <= BAD_RATING]
    worst = sorted(bad, key=lambda e: (_rating(e), -(e.occurred_at or e.detected_at).timestamp()))[:ITEMS]
    lines = []
    for e in worst:
        data = e.data or {}
        stars = f"**{fmt.number(data['rating'], lang)}★** " if data.get("rating") is not None else ""
        platform = PLATFORMS.get(str(data.get("platform")), str(data.get("platform") or ""))
        text = md_link(_short(data.get("headline") or e.title, 60), e.url)
        lines.append(
            f"- {stars}{text} — {md_text(platform)}, {fmt.day(e.occurred_at or e.detected_at, lang)}"
        )
    return f"## {label('worst_reviews', lang)}\n\n" + ("\n".join(lines) or label("none", lang))


def _count(event: Any, key: str) -> int:
    value = (event.data or {}).get(key)
    return value if isinstance(value, int) else 0


def _mentions(session: Session, competitor: str, now: datetime, lang: str) -> str:
    found = gather.events(
        session, now - RECENT, now + timedelta(seconds=1), kinds=("mention",), competitor=competitor
    )
    top = sorted(found, key=lambda e: (_count(e, "comments"), _count(e, "score")), reverse=True)[:ITEMS]
    lines = [
        f"- **{fmt.number(_count(e, 'comments'), lang)} {label('comments', lang)}** — "
        f"{md_link(_short(e.title, 64), e.url)} ({fmt.day(e.occurred_at or e.detected_at, lang)})"
        for e in top
    ]
    return f"## {label('most_discussed', lang)}\n\n" + ("\n".join(lines) or label("none", lang))


def _rating_and_funding(session: Session, competitor: str, now: datetime, lang: str) -> str:
    ratings = gather.ratings(session, competitor)
    latest: dict[str, Any] = {}
    for row in ratings:
        latest.setdefault(row.platform, []).append(row)
    lines = []
    for platform, rows in sorted(latest.items()):
        last = rows[-1]
        trend = ""
        if len(rows) > 1:
            delta = last.score - rows[-2].score
            trend = f" ({'+' if delta >= 0 else ''}{fmt.number(delta, lang, '0.0')})"
        count = (
            f", {fmt.number(last.count, lang, '#,##0')} {label('reviews_count', lang).lower()}"
            if last.count
            else ""
        )
        name = PLATFORMS.get(platform, platform)
        lines.append(
            f"- {md_text(name)}: **{fmt.number(last.score, lang, '0.0')}/{fmt.number(last.scale, lang, '0')}**"
            f"{trend}{count} ({fmt.day(last.as_of, lang)})"
        )
    text = f"## {label('rating_trend', lang)}\n\n" + ("\n".join(lines) or label("none", lang))
    funding = gather.events(
        session,
        now - timedelta(days=365),
        now + timedelta(seconds=1),
        kinds=("funding",),
        competitor=competitor,
    )
    text += f"\n\n## {label('funding', lang)}\n\n"
    text += "\n".join(
        f"- {fmt.day(e.occurred_at or e.detected_at, lang)}: {md_link(_short(e.title), e.url)}"
        for e in funding[:2]
    ) or label("none", lang)
    return text


def draft_lines(text: str) -> list[str]:
    """A communication draft's lines, without those repeating what the card shows above it."""
    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    return [line for line in lines if line and not line.lower().startswith(_REPEATED)]


def _draft(doc: Document, session: Session, competitor: str, now: datetime) -> None:
    lang = doc.lang
    drafts = gather.actions(
        session, now - RECENT, now + timedelta(seconds=1), kinds=("comms_draft",), competitor=competitor
    )
    if not drafts:
        return
    text = ((drafts[0].body or {}).get("draft") or {}).get(lang) or drafts[0].title
    quote = "\n>\n".join(f"> {md_text(line)}" for line in draft_lines(text))
    doc.add(f"## {label('comms_draft', lang)}", "", f"_{label('draft_not_sent', lang)}_", "", quote)


def battlecard(session: Session, lang: Lang, now: datetime, competitor: str) -> Document:
    """One page for sales about ``competitor``."""
    kb = current(session)
    them = next((c for c in kb.competitors if c.id == competitor), None)
    record = ids.record(competitor)
    if them is None and record is not None:
        them = sheet_of(record)  # a competitor added as a record: its facts and the live data
    if them is None:
        raise NotFoundError(f"no competitor {competitor!r} (`veille competitors list`)")
    doc = Document(
        f"{label('battlecard', lang)} — {them.name}", lang, f"battlecard-{competitor}-{lang}", layout="card"
    )
    doc.add(f"# {md_text(doc.title)}", "", f"_{label('generated', lang)} {fmt.moment(now, lang)}_")
    doc.add(_facts(them, lang))
    doc.columns(
        _bullets("where_we_win", them.our_advantages, lang),
        _bullets("their_strengths", them.strengths, lang),
        _bullets("their_weaknesses", them.weaknesses, lang),
    )
    if them.verdict:
        doc.add(f"**{label('verdict', lang)}:** {md_kb(them.verdict.get(lang))}")
    price_gaps(doc, gather.positioning(session, now), kb, competitor)
    if moves := price_moves(session, competitor, now, lang):
        doc.add(moves)
    doc.columns(_outages(session, competitor, now, lang), _reviews(session, competitor, now, lang))
    doc.columns(
        _mentions(session, competitor, now, lang), _rating_and_funding(session, competitor, now, lang)
    )
    _draft(doc, session, competitor, now)
    return doc

"""Blocks several reports share: positioning tables, event lists, incidents, ratings, hiring, charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from veille.kb.schema import KnowledgeBase
from veille.normalise.jobs import FUNCTION_WORDS
from veille.reports import charts
from veille.reports.document import Chart, Document, md_cell, md_link, md_text, table
from veille.reports.labels import label
from veille.store.models import EventRow, RatingRow
from veille.wording import event_title, fmt, impact_word, word

_PRICE_AXIS = {"premium": -1.0, "mid": 0.0, "low_cost": 1.0}
_SCOPE_AXIS = {"specialist": -1.0, "balanced": 0.0, "generalist": 1.0}


def names(kb: KnowledgeBase) -> dict[str, str]:
    """Competitor id -> display name."""
    return {c.id: c.name for c in kb.competitors}


def _fx_note(row: dict[str, Any], lang: str) -> str:
    """`` (1 € = 1.0858 USD, 6 Dec 2026)`` beside a figure converted from another currency."""
    native = (row.get("offer") or row.get("kb_price") or {}).get("currency", "EUR")
    if native == "EUR" or not row.get("fx_rate") or row.get("monthly_eur") is None:
        return ""
    when = fmt.day(datetime.fromisoformat(row["fx_date"]), lang) if row.get("fx_date") else "—"
    return f" (1 € = {fmt.number(row['fx_rate'], lang, '0.0#####')} {native}, {when})"


def positioning_table(
    doc: Document, pos: dict[str, Any] | None, kb: KnowledgeBase, *, competitor: str | None = None
) -> None:
    """The live positioning: per reference product, each competitor's cheapest matching offer."""
    lang = doc.lang
    if not pos or not pos.get("rows"):
        doc.add(label("no_positioning", lang))
        return
    who = names(kb)
    products = {p["id"]: p for p in pos["products"]}
    rows = []
    for row in pos["rows"]:
        if competitor and row["competitor"] not in (competitor, "vmcloud"):
            continue
        product = products.get(row["product"], {})
        product_label = product.get("label")
        if isinstance(product_label, dict):
            product_label = product_label.get(lang) or product_label.get("fr")
        offer = row.get("offer") or {}
        offer_text = md_text(offer.get("name") or offer.get("sku") or "")
        if offer.get("region"):
            offer_text += f" ({md_text(offer['region'])})"
        if row.get("billing") and row["billing"] != "on_demand":
            months = (row.get("terms") or {}).get("commitment_months")
            commitment = f", {months} {'mois' if lang == 'fr' else 'months'}" if months else ""
            offer_text += f" [{md_text(row['billing'])}{commitment}]"
        basis = label("basis_live" if row.get("basis") == "live" else "basis_kb", lang)
        if row.get("stale"):
            basis += f" ({label('stale', lang)})"
        rows.append(
            [
                md_cell(product_label or row["product"]),
                md_cell(who.get(row["competitor"], row["competitor"])),
                offer_text or "—",
                fmt.money(row.get("monthly_eur"), "EUR", lang) + _fx_note(row, lang),
                fmt.number(row.get("ratio_to_self"), lang, "0.00") if row.get("ratio_to_self") else "—",
                basis,
            ]
        )
    header = [label(k, lang) for k in ("product", "competitor", "offer", "monthly_eur", "ratio", "basis")]
    doc.add(table(header, rows) if rows else label("no_positioning", lang))


def events_table(doc: Document, items: Sequence[EventRow], kb: KnowledgeBase) -> None:
    lang = doc.lang
    if not items:
        doc.add(label("none", lang))
        return
    who = names(kb)
    rows = [
        [
            fmt.day(e.occurred_at or e.detected_at, lang).replace(" ", "\u00a0"),
            md_cell(who.get(e.competitor or "", e.competitor or "—")),
            md_link(event_title(e, lang), e.url),
        ]
        for e in items
    ]
    doc.add(table([label("when", lang), label("competitor", lang), label("what", lang)], rows))


def incidents_block(doc: Document, stats: dict[str, Any], kb: KnowledgeBase) -> None:
    """Counts per competitor with mean time to resolve, and a chart of incidents per month."""
    lang = doc.lang
    entries = [c for c in stats.get("competitors", []) if c["incidents"]]
    if not entries:
        doc.add(label("none", lang))
        return
    who = names(kb)
    rows = []
    for entry in entries:
        impacts = ", ".join(f"{impact_word(k, lang)} {v}" for k, v in sorted(entry["by_impact"].items()))
        mttr = entry.get("mttr_minutes")
        rows.append(
            [
                md_cell(who.get(entry["competitor"], entry["competitor"])),
                str(entry["incidents"]),
                md_cell(impacts),
                f"{fmt.number(mttr, lang, '#,##0')} {label('minutes', lang)}" if mttr is not None else "—",
            ]
        )
    doc.add(
        table(
            [label("competitor", lang), label("count", lang), label("impact", lang), label("mttr", lang)],
            rows,
        )
    )
    months: dict[str, int] = defaultdict(int)
    for entry in entries:
        for month, counts in entry["per_month"].items():
            months[month] += sum(counts.values()) if isinstance(counts, dict) else int(counts)
    bars = sorted(months.items())[-12:]
    doc.chart(
        Chart(
            charts.bar_chart(bars, title=label("incidents_over_time", lang), color="#dc2626"),
            f"{label('incidents_over_time', lang)}: " + ", ".join(f"{m} {n}" for m, n in bars),
        )
    )


def ratings_block(doc: Document, rows: Sequence[RatingRow], kb: KnowledgeBase) -> None:
    """Latest score per competitor and platform, with the previous one for the trend."""
    lang = doc.lang
    if not rows:
        doc.add(label("none", lang))
        return
    who = names(kb)
    series: dict[tuple[str, str], list[RatingRow]] = defaultdict(list)
    for row in rows:
        series[(row.competitor or "", row.platform)].append(row)
    out = []
    for (competitor, platform), items in sorted(series.items()):
        last = items[-1]
        trend = ""
        if len(items) > 1:
            delta = last.score - items[-2].score
            trend = f" ({'+' if delta >= 0 else ''}{fmt.number(delta, lang, '0.0')})"
        out.append(
            [
                md_cell(who.get(competitor, competitor)),
                md_cell(platform),
                f"{fmt.number(last.score, lang, '0.0')}/{fmt.number(last.scale, lang, '0')}{trend}",
                fmt.number(last.count, lang, "#,##0") if last.count is not None else "—",
                fmt.day(last.as_of, lang),
            ]
        )
    header = [label(k, lang) for k in ("competitor", "platform", "score", "reviews_count", "observed")]
    doc.add(table(header, out))


FULL_WINDOW = timedelta(days=90)


def hiring_change(count: int, old: int | None, baseline: datetime | None, now: datetime, lang: str) -> str:
    """The change of open roles since the baseline: over 90 days, or since the first observation when data is younger (said so)."""
    if baseline is None or old is None:
        return "—"
    text = label("new_function", lang) if old == 0 else fmt.percent(Decimal(count - old) * 100 / old, lang)
    if baseline > now - FULL_WINDOW + timedelta(days=1):
        text += f" ({label('since', lang)} {fmt.day(baseline, lang)})"
    return text


def hiring_block(
    doc: Document, session: Session, now: datetime, kb: KnowledgeBase, competitor: str | None = None
) -> None:
    """Open roles per competitor and function, with their change over 90 days (or since data began)."""
    from veille.analysis.hiring import hiring_summary

    lang = doc.lang
    rows = []
    short = False
    who = names(kb)
    for entry in hiring_summary(session, now, competitor):
        now_counts: dict[str, int] = entry["by_function"]  # type: ignore[assignment]
        before: dict[str, int] = entry["by_function_90d_ago"]  # type: ignore[assignment]
        baseline = datetime.fromisoformat(str(entry["baseline_at"])) if entry.get("baseline_at") else None
        short = short or (baseline is not None and baseline > now - FULL_WINDOW + timedelta(days=1))
        for function, count in sorted(now_counts.items()):
            if not count and not before.get(function):
                continue
            rows.append(
                [
                    md_cell(who.get(str(entry["competitor"]), entry["competitor"])),
                    md_cell(word(function, lang, FUNCTION_WORDS)),
                    str(count),
                    hiring_change(count, before.get(function, 0) if baseline else None, baseline, now, lang),
                ]
            )
    if not rows:
        doc.add(label("none", lang))
        return
    header = [label(k, lang) for k in ("competitor", "function", "open_now")]
    doc.add(table([*header, label("change" if short else "change_90d", lang)], rows))
    if short:
        doc.add(f"_{label('change_short', lang)}_")


def segmentation_chart(kb: KnowledgeBase, lang: str) -> Chart:
    """The price x scope map, each player a point; the text version names the players of each segment."""
    who = names(kb)
    points = [
        charts.MapPoint(
            who.get(p.competitor, p.competitor),
            _PRICE_AXIS[p.price],
            _SCOPE_AXIS[p.scope],
            p.competitor == "vmcloud",
            charts.competitor_colour(p.competitor),
        )
        for p in kb.segmentation.placements
    ]
    axis = {k: label(k, lang) for k in ("premium", "low_cost", "specialist", "generalist")}
    svg = charts.segmentation_map(points, title=label("segmentation", lang), axis_labels=axis)
    segments: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in kb.segmentation.placements:
        segments[(p.price, p.scope)].append(who.get(p.competitor, p.competitor))
    alt = "; ".join(
        f"{label(price, lang).lower()} / {label(scope, lang).lower()}: {', '.join(members)}"
        for (price, scope), members in segments.items()
    )
    return Chart(svg, f"{label('segmentation', lang)} — {alt}")


def matrix_chart(kb: KnowledgeBase, lang: str) -> Chart:
    columns = [c.label for c in kb.matrix.columns]
    criteria = [c.label.get(lang) for c in kb.matrix.criteria]  # type: ignore[arg-type]
    scores = {
        c.label.get(lang): [kb.matrix.scores.get(col.competitor, {}).get(c.id) for col in kb.matrix.columns]  # type: ignore[arg-type]
        for c in kb.matrix.criteria
    }
    return Chart(
        charts.matrix_heatmap(criteria, columns, scores, title=label("matrix", lang)), label("matrix", lang)
    )


def price_history_charts(
    doc: Document,
    history: dict[str, dict[str, list[tuple[datetime, Decimal]]]],
    kb: KnowledgeBase,
    end: datetime,
) -> None:
    lang = doc.lang
    who = names(kb)
    product_labels = {p.id: p.label.get(lang) for p in kb.price_table.products}  # type: ignore[arg-type]
    for product, per_competitor in history.items():
        if not any(len(v) for v in per_competitor.values()):
            continue
        title = f"{label('price_history', lang)} — {product_labels.get(product, product)}"
        series = {who.get(c, c): v for c, v in sorted(per_competitor.items())}
        colours = {who.get(c, c): charts.competitor_colour(c) for c in per_competitor}
        alt = "; ".join(f"{name}: {fmt.money(v[-1][1], 'EUR', lang)}" for name, v in series.items() if v)
        svg = charts.line_chart(series, title=title, end=end, colours=colours)
        doc.chart(Chart(svg, f"{title} ({alt})"))

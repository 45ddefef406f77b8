"""The analysis's section "where the analysis no longer holds": its contradicted claims, with the offers
that refute them and the revision proposed, and a mark in place on each contradicted sentence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from veille.analysis.claims import stored
from veille.reports.document import Document, md_cell, md_kb, table
from veille.reports.labels import label

SENTENCE_SECTIONS = ("strengths", "weaknesses", "our_advantages")
MAX_OFFERS = 4


def contradicted(session: Session) -> list[dict[str, Any]]:
    """The contradicted claims nobody dismissed, in the order of the analysis."""
    return [c for c in stored(session, verdict="contradicted") if c["status"] != "dismissed"]


def _item(e: dict[str, Any]) -> str | None:
    """One evidence item in a few words: an offer, a price cut, an event, an incident or a rating."""
    kind = e.get("type")
    if kind == "offer":
        price = e.get("price_monthly") or e["monthly_eur"]
        return f"{e['competitor']} {e['sku']}: {price} {e.get('currency') or 'EUR'} ({str(e.get('observed_at') or '')[:10]})"
    if kind == "price_cut":
        return f"{e['competitor']} {e['sku']}: {e['pct']}%"
    if kind == "event":
        return f"{e.get('competitor')}: {str(e.get('title') or '')[:80]} ({str(e.get('detected_at') or '')[:10]})"
    if kind == "incident":
        return f"{str(e.get('title') or '')[:60]} ({str(e.get('started_at') or '')[:10]})"
    if kind == "rating":
        return f"{e.get('platform')} {e.get('score')}/{e.get('scale')}"
    return None


def _offers(claim: dict[str, Any]) -> str:
    items = [text for text in (_item(e) for e in claim["evidence"]) if text]
    shown = items[:MAX_OFFERS]
    more = len(items) - len(shown)
    return "; ".join(shown) + (f" (+{more})" if more > 0 else "")


def claims_section(doc: Document, claims: list[dict[str, Any]], lang: str) -> None:
    """The section's heading, then a table: the claim, why it no longer holds, the evidence, the revision."""
    doc.add(f"## {label('claims_heading', lang)}")
    if not claims:
        doc.add(label("claims_none", lang))
        return
    doc.add(label("claims_intro", lang))
    header = [label(k, lang) for k in ("claims_claim", "claims_reason", "claims_evidence", "claims_proposal")]
    rows = [
        [
            md_cell(f"{c['text'][lang]} ({c['section'].replace('_', ' ')})"),
            md_cell(c["reason"][lang]),
            md_cell(_offers(c)),
            md_cell((c["proposal"] or {}).get("text", {}).get(lang)),
        ]
        for c in claims
    ]
    doc.add(table(header, rows))


def mark_in_place(body: str, claims: list[dict[str, Any]], lang: str) -> str:
    """``body`` (the analysis in Markdown) with each contradicted sentence of a competitor's sheet marked."""
    mark = f" [{label('claims_mark', lang).upper()}]"  # plain: the sheets are drawn in code blocks
    for claim in claims:
        if claim["section"] not in SENTENCE_SECTIONS:
            continue
        text = md_kb(claim["text"][lang])
        lines = body.split("\n")
        for i, line in enumerate(lines):
            if not line.startswith("#") and line.rstrip().endswith(text):
                lines[i] = line.rstrip() + mark
                break
        body = "\n".join(lines)
    return body


def changed_section(doc: Document, session: Session, since: datetime, lang: str) -> None:
    """The claims whose verdict changed since ``since`` (the quarterly review): was, is, why."""
    doc.add(f"## {label('claims_changed', lang)}")
    moved = [
        c
        for c in stored(session)
        if c["previous_verdict"] and datetime.fromisoformat(c["verdict_since"]) >= since
    ]
    if not moved:
        doc.add(label("none", lang))
        return
    header = [label(k, lang) for k in ("claims_claim", "claims_was", "claims_is", "claims_reason")]
    rows = [
        [
            md_cell(c["text"][lang]),
            md_cell(c["previous_verdict"]),
            md_cell(c["verdict"]),
            md_cell(c["reason"][lang]),
        ]
        for c in moved
    ]
    doc.add(table(header, rows))

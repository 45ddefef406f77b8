"""Checking every claim and keeping the verdicts (``claim_checks``).

``refresh`` re-reads the live data once, and re-checks only the claims whose inputs changed (their
digest differs from the stored one): a claim whose offers, incidents and ratings did not move is not
rewritten. A claim that turns contradicted (or stays contradicted while its data moved after it was
dismissed) raises a ``claim_contradicted`` event with the proposed revision, routed to alerts, and the
action the seed's table implies (``price_review``: adjust if needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from veille.analysis.claims import market as market_mod
from veille.analysis.claims import prices, signals, threats
from veille.analysis.claims.derive import derive
from veille.analysis.claims.model import Check, Claim, digest
from veille.events import EventDraft
from veille.store.models import Action, ClaimCheck, EventRow

SIGNAL_KINDS = ("incident_sentence", "review_sentence")
THREAT_KIND = "threat_probability"


@dataclass
class Refresh:
    """What a check did: claims seen, re-checked (inputs changed), and the events it raised."""

    claims: int = 0
    rechecked: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


def evaluate(session: Session, now: datetime) -> list[tuple[Claim, dict[str, Any], str]]:
    """(claim, inputs, digest) of every claim of the current knowledge base, the live data read once."""
    from veille.analysis.claims.tagging import chosen
    from veille.kb.store import current

    kb = current(session)
    claims = derive(kb, chosen(session))
    market = market_mod.load(session, now, kb.price_table.prices)
    wanted = {c.competitor for c in claims if c.kind in SIGNAL_KINDS}
    found = signals.load(session, now, wanted)
    scenarios = {c.expected["scenario"] for c in claims if c.kind == THREAT_KIND}
    threat_signals = threats.load(session, now, kb, scenarios)
    out = []
    for claim in claims:
        if claim.kind == THREAT_KIND:
            data = threats.inputs(claim, threat_signals)
        elif claim.kind in SIGNAL_KINDS:
            data = signals.inputs(claim, found, now)
        else:
            data = prices.inputs(claim, market)
        out.append((claim, data, digest(claim, data)))
    return out


def judge(claim: Claim, data: dict[str, Any]) -> Check:
    """The verdict of ``claim`` on ``data`` (its inputs)."""
    if claim.kind == THREAT_KIND:
        return threats.judge(claim, data)
    return signals.judge(claim, data) if claim.kind in SIGNAL_KINDS else prices.judge(claim, data)


def refresh(session: Session, now: datetime) -> Refresh:
    """Check every claim whose inputs changed since its last check; store the verdicts; raise events."""
    stored = {row.claim_id: row for row in session.scalars(select(ClaimCheck))}
    result = Refresh()
    turned: list[tuple[ClaimCheck, Check]] = []
    for claim, data, key in evaluate(session, now):
        result.claims += 1
        row = stored.pop(claim.id, None)
        if row is not None and row.inputs_digest == key:
            continue
        check = judge(claim, data)
        result.rechecked.append(claim.id)
        if row is None:
            row = ClaimCheck(claim_id=claim.id, status="open", verdict_since=now)
            session.add(row)
        if _raises(row, check):
            turned.append((row, check))
        _write(row, claim, check, key, now)
    if stored:  # claims the knowledge base no longer makes
        session.execute(delete(ClaimCheck).where(ClaimCheck.claim_id.in_(list(stored))))
    session.flush()
    result.events = _raise_events(session, turned, now)
    return result


def _raises(row: ClaimCheck, check: Check) -> bool:
    if check.verdict != "contradicted":
        return False
    return row.verdict != "contradicted" or row.status == "dismissed"


def _write(row: ClaimCheck, claim: Claim, check: Check, key: str, now: datetime) -> None:
    if row.verdict != check.verdict:
        row.previous_verdict = row.verdict
        row.verdict_since = now
    if row.status == "dismissed" and row.dismissed_digest != key:
        row.status = "open"  # the data moved: a dismissal holds only until then
    if row.status == "accepted" and check.verdict == "contradicted":
        row.status = "open"  # contradicted again after its revision was accepted
    row.competitor, row.section, row.kind, row.text = claim.competitor, claim.section, claim.kind, claim.text
    row.verdict, row.reason, row.evidence = check.verdict, check.reason, _jsonable(check.evidence)
    row.proposal, row.inputs_digest, row.checked_at = check.proposal, key, now


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def draft(row: ClaimCheck) -> EventDraft:
    """The ``claim_contradicted`` event of a claim the live data now contradicts."""
    where = row.section.replace("_", " ")
    return EventDraft(
        kind="claim_contradicted",
        competitor=row.competitor,
        title=f"Analysis contradicted ({where}): {row.text['en']} — {row.reason['en']}"[:500],
        importance="medium",
        dedup_key=f"claim_contradicted:{row.claim_id}:{row.inputs_digest[:16]}",
        data={
            "claim_id": row.claim_id,
            "claim_kind": row.kind,
            "section": row.section,
            "text": row.text,
            "reason": row.reason,
            "previous_verdict": row.previous_verdict,
            "evidence": row.evidence,
            "proposal": row.proposal,
        },
    )


def _raise_events(session: Session, turned: Sequence[tuple[ClaimCheck, Check]], now: datetime) -> list[int]:
    from veille.act import route_events

    drafts = [draft(row) for row, _ in turned]
    keys = [d.dedup_key for d in drafts]
    known = (
        set(session.scalars(select(EventRow.dedup_key).where(EventRow.dedup_key.in_(keys))))
        if keys
        else set()
    )
    rows = [_event_row(d, now) for d in drafts if d.dedup_key not in known]
    if not rows:
        return []
    session.add_all(rows)
    session.flush()
    route_events(session, rows, now)
    actions = [_action(row, now) for row in rows]
    session.execute(insert(Action), actions)
    return [row.id for row in rows]


def _event_row(d: EventDraft, now: datetime) -> EventRow:
    return EventRow(
        kind=d.kind,
        competitor=d.competitor,
        title=d.title,
        importance=d.importance,
        occurred_at=now,
        detected_at=now,
        url=None,
        dedup_key=d.dedup_key,
        data=_jsonable(d.data),
        source_id=None,
        run_id=None,
        capture_id=None,
        status="open",
    )


def _action(event: EventRow, now: datetime) -> dict[str, Any]:
    """The seed's action: "adjust if needed" (``price_review``) for the price claims, "adapt our
    positioning" (``positioning_review``) for the others."""
    price = str(event.data.get("claim_kind", "")).startswith("price")
    return {
        "kind": "price_review" if price else "positioning_review",
        "event_id": event.id,
        "competitor": event.competitor,
        "created_at": now,
        "status": "open",
        "title": event.title,
        "body": {"pct": None, "data": event.data, "claim": event.data.get("claim_id")},
    }


def as_dict(row: ClaimCheck) -> dict[str, Any]:
    """A stored check as the JSON of ``veille claims --json`` and ``/api/v1/claims`` (docs/claims.md)."""
    return {
        "id": row.claim_id,
        "competitor": row.competitor,
        "section": row.section,
        "kind": row.kind,
        "text": row.text,
        "verdict": row.verdict,
        "previous_verdict": row.previous_verdict,
        "reason": row.reason,
        "evidence": row.evidence,
        "proposal": row.proposal,
        "status": row.status,
        "dismissed_reason": row.dismissed_reason,
        "checked_at": row.checked_at.isoformat(),
        "verdict_since": row.verdict_since.isoformat(),
    }


def stored(
    session: Session, *, competitor: str | None = None, verdict: str | None = None, section: str | None = None
) -> list[dict[str, Any]]:
    """The stored checks, in claim order (price table, segmentation, matrix, sentences), filtered."""
    query = select(ClaimCheck).order_by(ClaimCheck.claim_id)
    if competitor:
        query = query.where(ClaimCheck.competitor == competitor)
    if verdict:
        query = query.where(ClaimCheck.verdict == verdict)
    if section:
        query = query.where(ClaimCheck.section == section)
    order = {k: i for i, k in enumerate(("price_cell", "price_level", "price_score", "price_sentence"))}
    rows = sorted(session.scalars(query), key=lambda r: (order.get(r.kind, 9), r.claim_id))
    return [as_dict(row) for row in rows]


CHANGING = ("ok", "suspect")  # run statuses that stored new data


def after_collection(store: Any, now: datetime, statuses: Sequence[str] = CHANGING) -> Refresh | None:
    """Re-check the claims after a collection, in a transaction of its own; None when no run of
    ``statuses`` (the run statuses of the collection) stored anything new. Faces call it (the watch,
    ``veille replay``, ``veille prices add``): collection sits below the analysis and cannot."""
    if not any(status in CHANGING for status in statuses):
        return None
    with store.session() as session:
        return refresh(session, now)

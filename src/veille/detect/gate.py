"""The plausibility gate: nothing a snapshot says about prices is believed before it passes.

A snapshot is held as suspect when it has no offers, has over 20% fewer offers than the last one,
changes an offer's currency, or moves any price by 1.5x or more (or to half or less) in its own
currency (which nets out currency moves). Every snapshot, the first one included, also passes
absolute checks: an offer with an impossible price (negative, zero without ``free_tier``, NaN or
past ``MAX_PRICE``: ``veille.observations.price_problem``) is never stored, and the snapshot that
carried it is held. A held snapshot is stored (its versions flagged ``held``,
the versions it would replace left current, its events kept with status ``held``) and one
``price_review`` event (high) is raised instead. It is settled by a person (``veille review accept`` /
``reject``) or by the next run: the same snapshot again (same fingerprint) confirms it, a different one
supersedes it. A snapshot held for a person (``Review.holds``: a model's first reading of a page) is
not confirmed by the same snapshot again: only ``veille review accept`` believes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from veille.detect.offer_fields import PRICE_FIELDS, SPEC_FIELDS, canon, version_summary
from veille.detect.version_rows import version_dict
from veille.events import EventDraft
from veille.normalise import money
from veille.store.models import EventRow, OfferVersion

if TYPE_CHECKING:
    from veille.detect.prices import OfferSnapshot

MAX_DROP = Decimal("0.20")
MAX_RISE = Decimal("1.5")
MIN_FALL = Decimal("0.5")
MAX_EVENTS_PER_KIND = 500


@dataclass
class Review:
    """What the gate has seen of a snapshot so far: suspicious moves and the events drafted (capped)."""

    currency_moves: list[str] = field(default_factory=list)
    jumps: list[str] = field(default_factory=list)
    impossible: list[str] = field(default_factory=list)  # offers refused (``price_problem``): not stored
    holds: list[str] = field(
        default_factory=list
    )  # held for a person whatever the figures (a model's first reading)
    drafts: list[EventDraft] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def full(self, kind: str) -> bool:
        """Count one more ``kind`` event and say whether the cap is reached (then it is not drafted)."""
        total = self.counts.get(kind, 0)
        if total < MAX_EVENTS_PER_KIND:
            return False
        self.counts[kind] = total + 1
        return True

    def emit(self, draft: EventDraft) -> None:
        """Keep ``draft`` unless its kind already has MAX_EVENTS_PER_KIND events (then only count it)."""
        self.counts[draft.kind] = self.counts.get(draft.kind, 0) + 1
        if self.counts[draft.kind] <= MAX_EVENTS_PER_KIND:
            self.drafts.append(draft)


def note_added(snap: OfferSnapshot, values: Sequence[Any]) -> None:
    """A new offer (its version's values in ``_COLUMNS`` order): an ``offer_added`` event."""
    if snap.review.full("offer_added"):  # past the cap only the count matters: no draft to build
        return
    version = version_dict(values)
    snap.review.emit(_offer_event(snap, "offer_added", version, "medium", "new offer", {}))


def note_changes(snap: OfferSnapshot, changes: Sequence[Any]) -> None:
    """Compare a batch of changed offers with their old versions: suspicious moves and events."""
    review = snap.review
    old_rows = _load(snap.session, [c.old_id for c in changes], _CHANGED)
    for change in changes:
        old, new = old_rows[change.old_id], change.version
        if _differs(old, new, PRICE_FIELDS):
            if old.currency != new["currency"]:
                review.currency_moves.append(f"{new['sku']} {old.currency}->{new['currency']}")
            ratio = _ratio(_monthly(old), money.monthly(change.offer))
            if ratio is not None and (ratio >= MAX_RISE or ratio <= MIN_FALL):
                review.jumps.append(f"{new['sku']} x{ratio.quantize(Decimal('0.01'))}")
            if not review.full("price_change"):
                review.emit(_price_event(snap, old, change))
        if not _differs(old, new, SPEC_FIELDS):
            continue
        if review.counts.get("spec_change", 0) >= MAX_EVENTS_PER_KIND:
            review.counts["spec_change"] += 1
            continue
        spec = {f: [_s(getattr(old, f)), _s(new[f])] for f in SPEC_FIELDS if _differs(old, new, (f,))}
        if spec:
            what = f"specs changed: {', '.join(spec)}"
            review.emit(_offer_event(snap, "spec_change", new, "low", what, {"changes": spec}))


def settle(snap: OfferSnapshot) -> list[EventDraft]:
    """Decide on a finished snapshot: write it as believed, or hold it; returns the events."""
    session, ctx, review = snap.session, snap.ctx, snap.review
    reasons: list[str] = []
    if not snap.partial and snap.previous_count:
        if snap.count == 0:
            reasons.append(f"the snapshot has no offers (the last one had {snap.previous_count})")
        elif Decimal(snap.count) < Decimal(snap.previous_count) * (1 - MAX_DROP):
            drop = (Decimal(snap.previous_count - snap.count) * 100 / snap.previous_count).quantize(
                Decimal(1)
            )
            reasons.append(
                f"{snap.count} offers, {drop}% fewer than the {snap.previous_count} of the last snapshot"
            )
    if review.currency_moves:
        moves = review.currency_moves
        reasons.append(f"currency changed on {len(moves)} offer(s): {', '.join(moves[:5])}")
    if review.jumps:
        reasons.append(
            f"{len(review.jumps)} price(s) moved by 1.5x or more, or halved: {', '.join(review.jumps[:5])}"
        )
    if review.impossible:  # absolute checks: a first snapshot passes them too
        bad = review.impossible
        reasons.append(f"{len(bad)} offer(s) with an impossible price, not stored: {'; '.join(bad[:5])}")
    reasons.extend(review.holds)
    removed = snap.removed_ids()
    for row in _load(session, removed[:MAX_EVENTS_PER_KIND]).values():
        review.emit(
            _offer_event(snap, "offer_removed", row, "medium", "offer withdrawn", {"version_id": row.id})
        )
    review.counts["offer_removed"] = len(removed)
    drafts = review.drafts + _summaries(snap)

    fingerprint = f"{snap.fingerprint:016x}"
    if snap.partial:  # manual entries: the same figure entered again confirms it; others leave it be
        pending = next(
            (r for r in open_reviews(session, snap.source_id) if r.data.get("fingerprint") == fingerprint),
            None,
        )
    else:
        pending = pending_review(session, snap.source_id)
    if pending is not None:
        if pending.data.get("fingerprint") == fingerprint:
            _forget_run(session, snap)
            if not pending.data.get("needs_person"):  # else the same reading again: still a person's call
                ctx.released.extend(accept(session, pending, ctx.now, "confirmed by the next run"))
            return []
        reject(session, pending, ctx.now, f"superseded by run {ctx.run_id}")
    if not reasons:
        snap.close(snap.close_ids + removed)
        return drafts
    _hold_run(session, snap)
    held = EventDraft(
        kind="price_review",
        competitor=ctx.source.competitor,
        title=f"Suspect price snapshot from {snap.source_id} held for review: {'; '.join(reasons)}",
        importance="high",
        dedup_key=f"price_review:{snap.source_id}:{ctx.run_id}:{ctx.now.isoformat()}",
        occurred_at=ctx.now,
        url=ctx.url,
        data={
            "run_id": ctx.run_id,
            "source_id": snap.source_id,
            "fingerprint": fingerprint,
            "reasons": reasons,
            "offers": snap.count,
            "previous_offers": snap.previous_count,
            "changed": snap.changed,
            "added": review.counts.get("offer_added", 0),
            "removed_version_ids": removed,
            "held_events": len(drafts),
            "needs_person": bool(review.holds),
        },
    )
    return [replace(d, status="held") for d in drafts] + [held]


# --- resolution ---------------------------------------------------------------------------------------


def open_reviews(session: Session, source_id: str) -> list[EventRow]:
    """Every open ``price_review`` of ``source_id``, newest first."""
    return list(
        session.scalars(
            select(EventRow)
            .where(
                EventRow.kind == "price_review", EventRow.source_id == source_id, EventRow.status == "open"
            )
            .order_by(EventRow.id.desc())
        )
    )


_PENDING_REVIEW_ID = (
    select(EventRow.id)
    .where(
        EventRow.kind == "price_review",
        EventRow.source_id == bindparam("source_id"),
        EventRow.status == "open",
    )
    .order_by(EventRow.id.desc())
    .limit(1)
)  # built once: every prices run asks


def pending_review(session: Session, source_id: str) -> EventRow | None:
    """The open ``price_review`` of ``source_id``, if a snapshot of it is held."""
    event_id = session.execute(_PENDING_REVIEW_ID, {"source_id": source_id}).scalar()
    return session.get(EventRow, event_id) if event_id is not None else None


def find_review(session: Session, ident: str) -> EventRow | None:
    """The ``price_review`` named by an event id (the review or one of its held events) or ``run:N``."""
    text = ident.strip().lower()
    run_id = int(text[4:]) if text.startswith("run:") and text[4:].isdigit() else None
    if run_id is None and text.isdigit():
        event = session.get(EventRow, int(text))
        if event is not None and event.kind == "price_review":
            return event
        if event is not None and event.run_id is not None:
            run_id = event.run_id
        elif event is None:
            run_id = int(text)
    if run_id is None:
        return None
    return session.scalars(
        select(EventRow)
        .where(EventRow.kind == "price_review", EventRow.run_id == run_id)
        .order_by(EventRow.id.desc())
    ).first()


def accept(session: Session, review: EventRow, now: datetime, note: str = "accepted") -> list[EventRow]:
    """Believe a held snapshot: its versions become current, its events open; returns them, for the
    caller to route (``veille.collect.record.record_events``, ``released=``)."""
    run_id, source_id = review.data.get("run_id"), review.source_id
    held = session.scalars(
        select(OfferVersion).where(
            OfferVersion.run_id == run_id,
            OfferVersion.source_id == source_id,
            OfferVersion.held.is_(True),
            OfferVersion.valid_to.is_(None),
        )
    ).all()
    for version in held:
        session.execute(
            update(OfferVersion)
            .where(
                OfferVersion.source_id == source_id,
                OfferVersion.competitor == version.competitor,
                OfferVersion.sku == version.sku,
                OfferVersion.region == version.region,
                OfferVersion.billing == version.billing,
                OfferVersion.valid_to.is_(None),
                OfferVersion.held.is_(False),
                OfferVersion.id != version.id,
            )
            .values(valid_to=version.valid_from)
        )
        version.held = False
    removed = list(review.data.get("removed_version_ids") or [])
    closed_at = review.occurred_at or review.detected_at
    for start in range(0, len(removed), 1000):
        session.execute(
            update(OfferVersion)
            .where(OfferVersion.id.in_(removed[start : start + 1000]), OfferVersion.valid_to.is_(None))
            .values(valid_to=closed_at)
        )
    events = _held_events(session, run_id, source_id)
    for event in events:
        event.status = "open"
    _resolve(review, "accepted", now, note)
    session.flush()
    return events


def reject(session: Session, review: EventRow, now: datetime, note: str = "rejected") -> None:
    """Disbelieve a held snapshot: its versions end where they began, its events are dismissed."""
    run_id, source_id = review.data.get("run_id"), review.source_id
    for version in session.scalars(
        select(OfferVersion).where(
            OfferVersion.run_id == run_id,
            OfferVersion.source_id == source_id,
            OfferVersion.held.is_(True),
            OfferVersion.valid_to.is_(None),
        )
    ):
        version.valid_to = version.valid_from
    for event in _held_events(session, run_id, source_id):
        event.status = "dismissed"
    _resolve(review, "dismissed", now, note)
    session.flush()


def _resolve(review: EventRow, status: str, now: datetime, note: str) -> None:
    review.status = status
    review.data = {**review.data, "resolution": note, "resolved_at": now.isoformat()}


def _held_events(session: Session, run_id: Any, source_id: str | None) -> list[EventRow]:
    return list(
        session.scalars(
            select(EventRow).where(
                EventRow.run_id == run_id, EventRow.source_id == source_id, EventRow.status == "held"
            )
        )
    )


# --- helpers ------------------------------------------------------------------------------------------


def _run_filter(snap: OfferSnapshot) -> Any:
    if snap.ctx.run_id is not None:
        return OfferVersion.run_id == snap.ctx.run_id
    return OfferVersion.valid_from == snap.ctx.now


def _hold_run(session: Session, snap: OfferSnapshot) -> None:
    session.execute(
        update(OfferVersion)
        .where(OfferVersion.source_id == snap.source_id, _run_filter(snap))
        .values(held=True)
    )


def _forget_run(session: Session, snap: OfferSnapshot) -> None:
    """Drop the versions this (uncommitted) run wrote: the held snapshot it confirms already has them."""
    session.execute(delete(OfferVersion).where(OfferVersion.source_id == snap.source_id, _run_filter(snap)))


def _load(session: Session, ids: list[int], query: Any = None) -> dict[int, Any]:
    """The version rows ``ids`` (Core rows with the columns as attributes: no ORM object per row)."""
    rows: dict[int, Any] = {}
    for start in range(0, len(ids), 1000):
        for row in session.execute(_VERSIONS if query is None else query, {"ids": ids[start : start + 1000]}):
            rows[row.id] = row
    return rows


_VERSIONS = select(*OfferVersion.__table__.c).where(
    OfferVersion.__table__.c.id.in_(bindparam("ids", expanding=True))
)  # built once: the removed versions' rows (their events' evidence)
# the columns a change is compared on and its price event reads (no times or JSON to convert)
_CHANGED = select(
    *(c for c in OfferVersion.__table__.c if c.key not in ("valid_from", "valid_to", "extra", "manual_url"))
).where(OfferVersion.__table__.c.id.in_(bindparam("ids", expanding=True)))


def _s(value: Any) -> Any:
    return money.plain(value) if isinstance(value, Decimal) else value


def _differs(old: OfferVersion, new: dict[str, Any], fields: tuple[str, ...]) -> bool:
    """Whether any of ``fields`` differs once canonical (``canon``: None as "", Decimals normalised)."""
    for f in fields:
        a, b = getattr(old, f), new[f]
        if (
            a is b
            or (type(a) is str and type(b) is str and a == b)
            or (type(a) is Decimal and type(b) is Decimal and not a.compare_total(b))
        ):
            continue  # the same text, or decimals written alike (-0, NaN too): the usual case, cheaply
        if canon(a) != canon(b):
            return True
    return False


def _monthly(row: OfferVersion) -> Decimal | None:
    if row.price_monthly is not None:
        return row.price_monthly
    return row.price_hourly * money.HOURS_PER_MONTH if row.price_hourly is not None else None


def _ratio(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    if old is None or new is None or old == 0:
        return None
    return new / old


def _dedup(kind: str, snap: OfferSnapshot, version: Any) -> str:
    get = version.get if isinstance(version, dict) else lambda k: getattr(version, k)
    key = f"{kind}:{snap.source_id}:{get('competitor')}:{get('sku')}:{get('region')}:{get('billing')}:{snap.ctx.now.isoformat()}"
    if len(key) > 400:
        key = key[:300] + ":" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _offer_event(
    snap: OfferSnapshot, kind: str, version: Any, importance: str, what: str, data: dict[str, Any]
) -> EventDraft:
    summary = version_summary(version)
    get = version.get if isinstance(version, dict) else lambda k: getattr(version, k)
    region = f" ({summary['region']})" if summary.get("region") else ""
    url = (get("extra") or {}).get("url") or snap.ctx.url
    return EventDraft(
        kind=kind,
        competitor=get("competitor"),
        title=f"{get('competitor')} {summary['name']}{region}: {what}",
        importance=importance,
        dedup_key=_dedup(kind, snap, version),
        occurred_at=snap.ctx.now,
        url=url,
        data={
            **data,
            "offer": summary,
            "capture_id": get("capture_id"),
            "url": url,
            "observed_at": snap.ctx.now.isoformat(),
        },
    )


def _price_event(snap: OfferSnapshot, old: OfferVersion, change: Any) -> EventDraft:
    new = change.version
    old_m, new_m = _monthly(old), money.monthly(change.offer)
    same_currency = old.currency == new["currency"]
    delta, pct = (
        money.change(old_m, new_m) if same_currency else money.change(old.monthly_eur, new["monthly_eur"])
    )
    size = abs(pct) if pct is not None else Decimal(100)
    importance = "high" if size >= 10 else "medium" if size >= 2 else "low"
    currency = new["currency"] if same_currency else "EUR"
    arrow = f"{money.fmt(old_m)} {old.currency} -> {money.fmt(new_m)} {new['currency']}/month"
    change_text = f" ({pct:+}%)" if pct is not None else ""
    return _offer_event(
        snap,
        "price_change",
        new,
        importance,
        f"{arrow}{change_text}",
        {
            "old": {
                "price_hourly": _s(old.price_hourly),
                "price_monthly": _s(old.price_monthly),
                "monthly": _s(old_m),
                "currency": old.currency,
                "version_id": old.id,
                "capture_id": old.capture_id,
            },
            "new": {
                "price_hourly": _s(new["price_hourly"]),
                "price_monthly": _s(new["price_monthly"]),
                "monthly": _s(new_m),
                "currency": new["currency"],
            },
            "currency": currency,
            "abs_change": _s(delta),
            "pct_change": _s(pct),
            "monthly_eur_old": _s(old.monthly_eur),
            "monthly_eur_new": _s(new["monthly_eur"]),
        },
    )


def _summaries(snap: OfferSnapshot) -> list[EventDraft]:
    """One event per kind that had more than MAX_EVENTS_PER_KIND, summing up the rest."""
    out = []
    for kind, total in snap.review.counts.items():
        if total <= MAX_EVENTS_PER_KIND:
            continue
        rest = total - MAX_EVENTS_PER_KIND
        out.append(
            EventDraft(
                kind=kind,
                competitor=snap.ctx.source.competitor,
                title=f"{snap.source_id}: {rest} more {kind.replace('_', ' ')} event(s) in this snapshot",
                importance="medium",
                dedup_key=f"{kind}:{snap.source_id}:summary:{snap.ctx.now.isoformat()}",
                occurred_at=snap.ctx.now,
                url=snap.ctx.url,
                data={"summary": True, "count": rest, "total": total},
            )
        )
    return out

"""The price positioning table (CONTRACT shape), from ``veille.analysis.positioning``.

Building it reads every current offer, so the result is cached until something it depends on changes
(a new offer version, source run, knowledge-base revision or exchange rate) or five minutes pass (its
``stale`` flags depend on the time). While the analysis module is not installed, the table shows the
knowledge base's own price table (basis ``kb``).
"""

from __future__ import annotations

import importlib
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.store.models import FxRateRow, KbRevision, OfferVersion, SourceRun
from veille.web import kbview

TTL_SECONDS = 300.0
_lock = threading.Lock()
_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}


def _analysis() -> Any | None:
    try:
        return importlib.import_module("veille.analysis.positioning")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("veille.analysis"):
            return None
        raise


def _version(session: Session) -> tuple[Any, ...]:
    """What the table depends on: the newest row of each input (primary-key lookups, cheap)."""
    row = session.execute(
        select(
            select(func.max(OfferVersion.id)).scalar_subquery(),
            select(func.max(SourceRun.id)).scalar_subquery(),
            select(func.max(KbRevision.id)).scalar_subquery(),
            select(func.max(FxRateRow.id)).scalar_subquery(),
        )
    ).one()
    return (session.get_bind().url.render_as_string(), *row)


def table(session: Session, at: datetime | None = None) -> dict[str, Any]:
    """``{"as_of", "currency", "products", "rows"}`` as ``veille positioning --json`` prints it."""
    module = _analysis()
    if module is None or not hasattr(module, "positioning"):
        return _from_kb(session, at)
    if at is not None:
        return dict(module.positioning(session, at=at))
    key = _version(session)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < TTL_SECONDS:
            return hit[1]
    result = dict(module.positioning(session))
    with _lock:
        _cache.clear()
        _cache[key] = (now, result)
    return result


def _from_kb(session: Session, at: datetime | None) -> dict[str, Any]:
    kb = kbview.current(session)
    prices = (kb.get("price_table") or {}).get("prices") or {}
    products = (kb.get("price_table") or {}).get("products") or []
    me = kbview.self_id(kb)
    rows = []
    for product in products:
        cells = prices.get(product.get("id"), {}) or {}
        own_amount = _eur(cells.get(me))
        for competitor_id, cell in cells.items():
            amount = _eur(cell)
            if amount is None:
                continue
            ratio = (amount / own_amount).quantize(Decimal("0.001")) if own_amount else None
            rows.append(
                {
                    "product": product.get("id"),
                    "competitor": competitor_id,
                    "monthly_eur": str(amount),
                    "offer": None,
                    "basis": "kb",
                    "observed_at": None,
                    "ratio_to_self": str(ratio) if ratio is not None else None,
                }
            )
    return {
        "as_of": (at or datetime.now(UTC)).isoformat(),
        "currency": "EUR",
        "products": [
            {"id": p.get("id"), "label": p.get("label"), "spec": p.get("spec", {})} for p in products
        ],
        "rows": rows,
    }


def _eur(cell: Any) -> Decimal | None:
    if not isinstance(cell, dict) or cell.get("currency", "EUR") != "EUR":
        return None
    try:
        return Decimal(str(cell["amount"]))
    except (KeyError, InvalidOperation):
        return None

"""The price positioning table (CONTRACT shape), from ``veille.analysis.positioning``.

While that module is not installed, the table shows the knowledge base's price table (basis ``kb``).
"""

from __future__ import annotations

import importlib
import inspect
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from veille.web import kbview


def _analysis() -> Any | None:
    try:
        return importlib.import_module("veille.analysis.positioning")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("veille.analysis"):
            return None
        raise


def table(session: Session, at: datetime | None = None) -> dict[str, Any]:
    """``{"as_of", "currency", "products", "rows"}`` as ``veille positioning --json`` prints it."""
    module = _analysis()
    if module is not None:
        fn = next(
            (
                getattr(module, n)
                for n in ("positioning_json", "positioning", "table", "build")
                if hasattr(module, n)
            ),
            None,
        )
        if fn is not None:
            params = inspect.signature(fn).parameters
            result = fn(session, at=at) if "at" in params else fn(session)
            if hasattr(result, "model_dump"):
                result = result.model_dump(mode="json")
            elif hasattr(result, "to_json"):
                result = result.to_json()
            return dict(result)
    return _from_kb(session, at)


def _from_kb(session: Session, at: datetime | None) -> dict[str, Any]:
    kb = kbview.current(session)
    prices = (kb.get("price_table") or {}).get("prices") or {}
    products = (kb.get("price_table") or {}).get("products") or []
    me = kbview.self_id(kb)
    rows = []
    for product in products:
        cells = prices.get(product.get("id"), {}) or {}
        own = cells.get(me)
        own_amount = _eur(own)
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

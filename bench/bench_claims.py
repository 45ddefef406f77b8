"""Checking every claim of the analysis after a collection (``veille.analysis.claims.refresh``).

Builds (or reuses, ``--keep DIR``) the web benchmark's SQLite workspace: 1,000,000 price-history rows
(20,000 offers of 17 competitors, 50 versions each), 100,000 events, 5,000 incidents and the bundled
knowledge base. Times, each in its own transaction as the watch runs it: the first check (every claim
checked and stored), a check after a collection that changed nothing, and a check after a collection
that moved one competitor's cheapest VPS price (a new version of one offer). Target: < 200 ms.

    python -m bench claims          # or: python bench/bench_claims.py [--keep DIR] [--runs N]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET_MS = 200.0


def _cheapest_vps(session: Any, at: datetime) -> Any:
    """The current version of Hetzner's offer the positioning finds cheapest for VPS Entry at ``at``."""
    from sqlalchemy import select

    from veille.analysis.positioning import positioning
    from veille.store.models import OfferVersion as Ov

    wanted = ("vps-entry", "hetzner", "live", "on_demand")
    rows = positioning(session, at=at)["rows"]
    row = next(r for r in rows if (r["product"], r["competitor"], r["basis"], r["billing"]) == wanted)
    offer = row["offer"]
    query = select(Ov).where(
        Ov.valid_to.is_(None),
        Ov.competitor == row["competitor"],
        Ov.sku == offer["sku"],
        Ov.region == (offer["region"] or ""),
        Ov.billing == "on_demand",
    )
    return session.scalars(query).first()


def _move_price(session: Any, now: datetime, step: int) -> str:
    """Store a new version of Hetzner's cheapest VPS Entry offer, twice as dear; returns its sku."""
    from veille.store.models import OfferVersion

    row = _cheapest_vps(session, now)
    row.valid_to = now
    data = {c.key: getattr(row, c.key) for c in OfferVersion.__table__.columns if c.key != "id"}
    price = (row.monthly_eur or Decimal(1)) * 2 + Decimal("0.01") * step  # no longer the cheapest
    data.update(valid_from=now, valid_to=None, price_monthly=price, monthly_eur=price, price_hourly=None)
    session.add(OfferVersion(**data))
    session.flush()
    return str(row.sku)


def _timed(ws: Any, now: datetime, change: Any = None) -> tuple[float, Any]:
    from veille.analysis.claims import refresh

    with ws.store.session() as session:
        if change is not None:
            change(session)
        started = time.perf_counter()
        result = refresh(session, now)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, result


def measure(home: Path, runs: int) -> None:
    from veille.settings import Settings
    from veille.workspace import Workspace

    ws = Workspace(Settings(home=home, database_url=None))
    now = datetime.now(UTC)
    first, result = _timed(ws, now)
    print(
        f"first check in this process (cold caches): {result.claims} claims, {len(result.rechecked)} checked, {len(result.events)} events: {first:.1f} ms"
    )
    unchanged = [_timed(ws, now + timedelta(minutes=i + 1))[0] for i in range(runs)]
    moved: list[float] = []
    rechecked: list[int] = []
    for i in range(runs):
        at = now + timedelta(hours=i + 1)
        elapsed, result = _timed(ws, at, lambda s, at=at, i=i: _move_price(s, at, i))
        moved.append(elapsed)
        rechecked.append(len(result.rechecked))
    for name, timings in (("after a collection that changed nothing", unchanged),
                          ("after a collection that moved a price", moved)):  # fmt: skip
        verdict = "OK" if statistics.median(timings) < TARGET_MS else "OVER"
        print(
            f"{name:<42} median {statistics.median(timings):7.1f} ms   max {max(timings):7.1f} ms"
            f"   target < {TARGET_MS:.0f} ms: {verdict}"
        )
    print(f"claims re-checked after a price move: {min(rechecked)} to {max(rechecked)} of {result.claims}")
    ws.store.dispose()


def main(argv: list[str] | None = None) -> None:
    from bench.bench_web import on_built_workspace

    on_built_workspace(__doc__, measure, argv, 10, "veille-bench-claims-")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])

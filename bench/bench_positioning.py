"""The live positioning table (``veille positioning --json``) on a big price history.

Builds (or reuses, ``--keep DIR``) the web benchmark's SQLite workspace: 1,000,000 price-history rows
(20,000 offers of 17 competitors, 50 versions each) and the bundled knowledge base's reference products.
"Before" runs on today's schema, whose indexes (ix_offer_live_rule, ix_offer_closed) help it too.
Times ``veille.analysis.positioning.positioning`` as it is (the rule in SQL) and the plain way it was
first written ("before": every valid version loaded into Python, then matched product by product),
checks both give the same document, and prints the median and worst of each, at now (the target:
< 200 ms) and 30 days ago (versions closed since are matched in Python: about as slow as before).

    python -m bench positioning          # or: python bench/bench_positioning.py [--keep DIR] [--runs N]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

TARGET_MS = 200.0


@contextmanager
def plain_python() -> Iterator[None]:
    """Swap the SQL matching for the first implementation: load every valid version, match in Python."""
    from sqlalchemy import or_, select

    from veille.analysis import positioning as pos
    from veille.normalise import money
    from veille.store.fx import FxResolver
    from veille.store.models import OfferVersion

    loaded: dict[datetime, list[Any]] = {}

    def offers(session: Any, at: datetime) -> list[Any]:
        if at not in loaded:
            fx = FxResolver(session)
            cols = [c for c in OfferVersion.__table__.columns if c.key != "extra"]
            query = select(*cols).where(
                OfferVersion.valid_from <= at,
                or_(OfferVersion.valid_to.is_(None), OfferVersion.valid_to > at),
                OfferVersion.held.is_(False),
                OfferVersion.category.in_(pos._LIVE_CATEGORIES),
            )
            rows: list[Any] = []
            for row in session.execute(query.order_by(OfferVersion.id)):
                # every figure at the rate of the day asked about (exact, rounded once chosen)
                quote = fx.quote(row.currency, at.date())
                amount = money.monthly(row)
                if quote is None or amount is None or not quote.rate:
                    continue
                eur = amount / quote.rate
                fields = {**row._asdict(), "monthly_eur": eur, "fx_rate": quote.rate, "fx_date": quote.day}
                rows.append(SimpleNamespace(**fields))
            loaded[at] = rows
        return loaded[at]

    def best(session: Any, rule: Any, at: datetime, *_: Any) -> dict[tuple[str, str], tuple[Decimal, Any]]:
        out: dict[tuple[str, str], tuple[Decimal, Any]] = {}
        for offer in offers(session, at):
            value = rule.monthly_eur(offer)
            if value is None:
                continue
            key = (offer.competitor, offer.billing)
            if key not in out or (value, offer.sku) < (out[key][0], out[key][1].sku):
                out[key] = (value, offer)
        return {k: (v.quantize(money.EUR_PLACES, ROUND_HALF_EVEN), o) for k, (v, o) in out.items()}

    saved = pos._best, pos._in_python, pos._gpu_models
    pos._best, pos._in_python, pos._gpu_models = best, lambda *_: [], lambda *_: {}  # type: ignore[assignment]
    try:
        yield
    finally:
        pos._best, pos._in_python, pos._gpu_models = saved
        loaded.clear()


def _time(run: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, result


def measure(home: Path, runs: int) -> None:
    from veille.analysis import positioning as pos
    from veille.settings import Settings
    from veille.workspace import Workspace

    ws = Workspace(Settings(home=home, database_url=None))
    now = datetime.now(UTC)
    identical = True
    with ws.store.session() as session:
        pos.positioning(session, at=now)  # warm up: source registry, caches
        for label, at, runs_here in (("now", now, runs), ("30 days ago", now - timedelta(days=30), 3)):
            run = partial(pos.positioning, session, at=at)
            with plain_python():
                before, expected = _time(run, max(1, runs_here // 4))
            after, got = _time(run, runs_here)
            identical = identical and got == expected
            print(
                f"at {label}: {len(got['rows'])} rows, {len(got['products'])} products; "
                f"identical to the plain way: {got == expected}"
            )
            for name, timings in (("before (plain Python)", before), ("after (rule in SQL)", after)):
                print(
                    f"  {name:<22} median {statistics.median(timings):7.1f} ms   max {max(timings):7.1f} ms"
                )
            if at is now:
                verdict = "OK" if statistics.median(after) < TARGET_MS else "OVER"
                print(f"  target < {TARGET_MS:.0f} ms: {verdict}")
    ws.store.dispose()
    if not identical:
        raise SystemExit("the SQL positioning differs from the plain Python one")


def main(argv: list[str] | None = None) -> None:
    from bench.bench_web import on_built_workspace

    on_built_workspace(__doc__, measure, argv, 20, "veille-bench-positioning-")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])

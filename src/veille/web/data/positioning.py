"""The price positioning table (CONTRACT shape), from ``veille.analysis.positioning``.

Building it reads every current offer, so the result is cached until something it depends on changes
(a new offer version, source run, knowledge-base revision or exchange rate) or five minutes pass (its
``stale`` flags depend on the time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.analysis import positioning as analysis
from veille.store.models import FxRateRow, KbRevision, OfferVersion, SourceRun
from veille.web import analysis_doc

log = logging.getLogger("veille.web")
TTL_SECONDS = 300.0
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], float, dict[str, Any]]] = {}  # database -> (inputs, when, table)
_refreshing: set[str] = set()


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
    return (analysis_doc._database(session), *row)


def table(session: Session, at: datetime | None = None) -> dict[str, Any]:
    """``{"as_of", "currency", "products", "rows"}`` as ``veille positioning --json`` prints it.

    The current table is cached per database; when its inputs change, the previous table is served
    while a background thread builds the new one (only the very first request waits).
    """
    if at is not None:
        return dict(analysis.positioning(session, at=at))
    key = _version(session)
    database = key[0]
    now = time.monotonic()
    with _lock:
        entry = _cache.get(database)
    if entry is not None:
        if entry[0] != key or now - entry[1] > TTL_SECONDS:
            _refresh_in_background(session.get_bind(), database, key)
        return entry[2]
    result = dict(analysis.positioning(session))
    with _lock:
        _cache[database] = (key, now, result)
    return result


def _refresh_in_background(bind: Any, database: str, key: tuple[Any, ...]) -> None:
    with _lock:
        if database in _refreshing:
            return
        _refreshing.add(database)

    def work() -> None:
        try:
            with Session(bind) as session:
                result = dict(analysis.positioning(session))
            with _lock:
                _cache[database] = (key, time.monotonic(), result)
        except Exception:  # keep serving the previous table; the next request tries again
            log.exception("refreshing the positioning table failed")
        finally:
            with _lock:
                _refreshing.discard(database)

    threading.Thread(target=work, name="veille-positioning-refresh", daemon=True).start()


_derived: OrderedDict[tuple[Any, ...], Any] = OrderedDict()  # (inputs, what) -> value, newest last
DERIVED_MOST = 256


def derived(session: Session, what: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()``, kept for as long as the table's inputs (``_version``) stay the same.

    For what is computed from the same rows as the table (a product's price history chart): a write
    changes the key, so nothing stale is served; at most DERIVED_MOST values are kept."""
    key = (*_version(session), *what)
    with _lock:
        if key in _derived:
            _derived.move_to_end(key)
            return _derived[key]
    value = build()
    with _lock:
        _derived[key] = value
        while len(_derived) > DERIVED_MOST:
            _derived.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget every cached table and derived value (tests, imports)."""
    with _lock:
        _cache.clear()
        _derived.clear()

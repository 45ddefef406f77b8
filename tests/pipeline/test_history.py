"""Offer history (SCD), detection and the plausibility gate, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.pipeline.conftest import T0, catalogue, item, toy_spec

from veille.collect.replay import replay_one
from veille.collect.result import RunResult
from veille.detect import gate
from veille.detect.prices import OfferSnapshot
from veille.ingest import IngestContext
from veille.settings import Settings
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request
from veille.store.db import Store
from veille.store.models import EventRow, FxRateRow, OfferVersion, SourceRun
from veille.workspace import Workspace

SPEC = toy_spec()


@pytest.fixture
def ws(any_store: Store, tmp_path: Path, toy_registry: Any) -> Workspace:
    w = Workspace(Settings(home=tmp_path / "ws", database_url=any_store.url))
    w.__dict__["store"] = any_store
    return w


def snap(ws: Workspace, body: bytes, hours: int) -> RunResult:
    page = Page(
        SPEC.url, 200, {}, T0 + timedelta(hours=hours), "0" * 64, len(body), Request(SPEC.url), body=body
    )
    return replay_one(ws, SPEC, FetchResult(pages=[page]), T0 + timedelta(hours=hours))


def events(ws: Workspace, **where: Any) -> list[EventRow]:
    with ws.store.session() as s:
        q = select(EventRow).order_by(EventRow.id)
        for key, value in where.items():
            q = q.where(getattr(EventRow, key) == value)
        return list(s.scalars(q))


def versions(ws: Workspace, sku: str) -> list[OfferVersion]:
    with ws.store.session() as s:
        return list(s.scalars(select(OfferVersion).where(OfferVersion.sku == sku).order_by(OfferVersion.id)))


def test_history_and_detection(ws: Workspace) -> None:
    first = catalogue(
        item("cx22", "0.006", monthly="3.79"), item("cx32", "0.012", monthly="6.80"), item("cx42", "0.02")
    )
    second = catalogue(
        item("cx22", "0.0065", monthly="4.15"),  # price change (+9.5 %)
        item("cx32", "0.012", monthly="6.80", ram_gb=16),  # spec change
        item("cpx11", "0.007"),  # added; cx42 removed
    )
    assert snap(ws, first, 0).events == 0  # the first snapshot is the baseline: no events
    result = snap(ws, second, 1)
    assert result.status == "ok"
    kinds = sorted(e.kind for e in events(ws))
    assert kinds == ["offer_added", "offer_removed", "price_change", "spec_change"]
    change = events(ws, kind="price_change")[0]
    assert change.status == "open" and change.competitor == "hetzner" and change.capture_id is not None
    data = change.data
    assert data["old"]["monthly"] == "3.79" and data["new"]["monthly"] == "4.15" and data["currency"] == "EUR"
    assert data["abs_change"] == "0.36" and data["pct_change"] == "9.5"
    assert data["monthly_eur_old"] == "3.79" and data["monthly_eur_new"] == "4.15" and data["url"] == SPEC.url
    assert events(ws, kind="spec_change")[0].data["changes"] == {"ram_gb": ["4", "16"]}
    cx22 = versions(ws, "cx22")
    assert [v.valid_to for v in cx22] == [T0 + timedelta(hours=1), None]
    assert versions(ws, "cx42")[0].valid_to == T0 + timedelta(hours=1)  # closed, never deleted
    # a third identical snapshot: no new version, no event
    before = len(events(ws))
    assert snap(ws, second, 2).events == 0 and len(events(ws)) == before
    assert len(versions(ws, "cx22")) == 2


def test_eur_conversion_uses_the_rate_of_the_day_and_a_currency_move_is_no_change(ws: Workspace) -> None:
    with ws.store.session() as s:
        s.add(FxRateRow(day="2026-11-26", currency="USD", rate=Decimal("1.05"), source="ecb.daily"))
        s.add(FxRateRow(day="2026-11-27", currency="USD", rate=Decimal("1.25"), source="ecb.daily"))
    body = catalogue(item("s-1vcpu", "0.00893", monthly="6.00"), currency="USD")
    snap(ws, body, 0)
    (version,) = versions(ws, "s-1vcpu")
    assert version.fx_rate == Decimal("1.05") and version.fx_date == "2026-11-26"
    assert version.monthly_eur == Decimal("5.7143") and version.currency == "USD"
    assert snap(ws, body, 24).events == 0  # the dollar moved 19 %: not a price change
    assert len(versions(ws, "s-1vcpu")) == 1


def test_no_rate_means_no_eur_figure(ws: Workspace) -> None:
    snap(ws, catalogue(item("x", "0.01"), currency="XTS"), 0)
    (version,) = versions(ws, "x")
    assert version.monthly_eur is None and version.fx_rate is None


def test_a_big_jump_is_held_until_the_next_run_confirms_it(ws: Workspace) -> None:
    snap(ws, catalogue(item("cx22", "0.006", monthly="3.79"), item("cx32", "0.01")), 0)
    jump = catalogue(item("cx22", "0.012", monthly="7.99"), item("cx32", "0.01"))
    assert snap(ws, jump, 1).status == "suspect"
    (review,) = events(ws, kind="price_review")
    assert review.importance == "high" and review.status == "open" and "1.5x" in review.title
    assert [e.status for e in events(ws, kind="price_change")] == ["held"]
    current = [v for v in versions(ws, "cx22") if v.valid_to is None]
    assert sorted((v.held, v.price_monthly) for v in current) == [
        (False, Decimal("3.79")),
        (True, Decimal("7.99")),
    ]
    # the next run sees the same figures: the held snapshot is believed
    assert snap(ws, jump, 2).status == "ok"
    assert [e.status for e in events(ws, kind="price_change")] == ["open"]
    assert events(ws, kind="price_review")[0].status == "accepted"
    current = [v for v in versions(ws, "cx22") if v.valid_to is None]
    assert [(v.held, v.price_monthly) for v in current] == [(False, Decimal("7.99"))]
    assert len(versions(ws, "cx22")) == 2
    assert snap(ws, jump, 3).events == 0


def test_a_shrunk_snapshot_is_held_and_can_be_rejected(ws: Workspace) -> None:
    full = catalogue(*(item(f"s{i}", "0.01") for i in range(10)))
    snap(ws, full, 0)
    assert snap(ws, catalogue(*(item(f"s{i}", "0.01") for i in range(7))), 1).status == "suspect"
    (review,) = events(ws, kind="price_review")
    assert "30% fewer" in review.title
    assert all(v.valid_to is None for i in range(10) for v in versions(ws, f"s{i}"))  # nothing closed
    with ws.store.session() as s:
        gate.reject(s, s.get(EventRow, review.id), T0 + timedelta(hours=2))  # type: ignore[arg-type]
    assert [e.status for e in events(ws, kind="offer_removed")] == ["dismissed"] * 3
    assert snap(ws, full, 3).events == 0  # back to normal


def test_a_changed_currency_is_held(ws: Workspace) -> None:
    snap(ws, catalogue(item("a", "0.01")), 0)
    assert snap(ws, catalogue(item("a", "0.0101"), currency="USD"), 1).status == "suspect"
    assert "currency changed" in events(ws, kind="price_review")[0].title


def test_an_empty_snapshot_is_held(ws: Workspace) -> None:
    snap(ws, catalogue(item("a", "0.01")), 0)
    with ws.store.session() as s:
        run = SourceRun(source_id=SPEC.id, started_at=T0, status="running", observations=0, events=0)
        s.add(run)
        s.flush()
        ctx = IngestContext(s, SPEC, run.id, T0 + timedelta(hours=1), ws.settings)
        drafts = OfferSnapshot(ctx).finish()
    assert [d.kind for d in drafts] == ["offer_removed", "price_review"]
    assert drafts[0].status == "held" and "no offers" in drafts[1].title


def test_the_fast_insert_writes_every_column() -> None:
    from veille.detect.prices import _COLUMNS

    model = {c.name for c in OfferVersion.__table__.columns if c.name != "id"}
    assert set(_COLUMNS) == model, "offer_versions changed: update veille.detect.prices._PLAIN/_DECIMALS"

"""Positioning rules (VPS, GPU per GPU-hour, spot rows, kb fallback, freshness) and the fx/availability ingestors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.pipeline.conftest import T0, catalogue, item, toy_spec

from veille.analysis.positioning import positioning
from veille.collect.replay import replay_one
from veille.detect.prices import availability, ingest_availability, ingest_fx_rates
from veille.ingest import IngestContext
from veille.observations import Availability, FxRate
from veille.settings import Settings
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request
from veille.store.models import FxRateRow
from veille.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, toy_registry: Any) -> Workspace:
    w = Workspace(Settings(home=tmp_path / "ws"))
    w.init_store()
    return w


def load(ws: Workspace, competitor: str, body: bytes, hours: int = 0) -> None:
    spec = toy_spec(f"toy.{competitor}", f"https://api.{competitor}.example/catalog", competitor=competitor)
    when = T0 + timedelta(hours=hours)
    page = Page(spec.url, 200, {}, when, "0" * 64, len(body), Request(spec.url), body=body)
    assert replay_one(ws, spec, FetchResult(pages=[page]), when).status == "ok"


def rows(doc: dict[str, Any], product: str) -> list[dict[str, Any]]:
    return [r for r in doc["rows"] if r["product"] == product]


def test_positioning_rules_gpu_spot_kb_and_freshness(ws: Workspace) -> None:
    load(ws, "hetzner", catalogue(
        item("cx22", "0.006", monthly="3.79", vcpu=2, ram_gb=4),
        item("cx11", "0.004", monthly="2.49", vcpu=1, ram_gb=2),  # too small for VPS Entry
        item("ccx33", "0.08", monthly="47.99", vcpu=8, ram_gb=32),
    ))  # fmt: skip
    load(ws, "lambda", catalogue(
        item("gpu_1x_a100", "1.29", category="gpu", gpu_model="NVIDIA A100 40GB", gpu_count=1, vcpu=30, ram_gb=200),
        item("gpu_8x_a100", "10.32", category="gpu", gpu_model="NVIDIA A100 80GB", gpu_count=8, vcpu=240, ram_gb=1800),
        item("gpu_1x_a100", "0.60", category="gpu", gpu_model="NVIDIA A100 40GB", gpu_count=1, billing="spot"),
    ))  # fmt: skip
    with ws.store.session() as session:
        doc = positioning(session, now=T0 + timedelta(minutes=30))
    assert doc["currency"] == "EUR" and [p["id"] for p in doc["products"]][:2] == ["vps-entry", "vps-pro"]
    entry = {r["competitor"]: r for r in rows(doc, "vps-entry")}
    assert entry["hetzner"]["basis"] == "live" and entry["hetzner"]["offer"]["sku"] == "cx22"
    assert entry["hetzner"]["monthly_eur"] == "3.79" and entry["hetzner"]["ratio_to_self"] == "0.077"
    assert entry["hetzner"]["stale"] is False
    assert entry["vmcloud"]["basis"] == "kb" and entry["vmcloud"]["ratio_to_self"] == "1.000"
    assert entry["ovhcloud"]["basis"] == "kb" and entry["ovhcloud"]["offer"] is None
    assert {r["offer"]["sku"] for r in rows(doc, "vps-pro") if r["basis"] == "live"} == {"ccx33"}
    a100 = [r for r in rows(doc, "gpu-a100") if r["competitor"] == "lambda"]
    on_demand = next(r for r in a100 if r["billing"] == "on_demand")
    spot = next(r for r in a100 if r["billing"] == "spot")
    assert on_demand["offer"]["sku"] == "gpu_1x_a100" and on_demand["monthly_eur"] == "941.70"
    assert on_demand["per_gpu_hour_eur"] == "1.2900" and spot["per_gpu_hour_eur"] == "0.6000"
    assert rows(doc, "gpu-a100")[-1]["billing"] == "spot"  # spot rows after the on-demand ones
    # three cadences later (unregistered sources: one day), the data is stale; before it was collected, it is not there
    with ws.store.session() as session:
        assert all(
            r["stale"]
            for r in rows(positioning(session, now=T0 + timedelta(days=4)), "vps-entry")
            if r["basis"] == "live"
        )
        past = positioning(session, at=T0 - timedelta(days=1))
    assert not [r for r in past["rows"] if r["basis"] == "live"]


def test_fx_rates_are_upserted(ws: Workspace) -> None:
    spec = toy_spec("ecb.test", "https://www.ecb.europa.eu/x", kind="fx", competitor=None)
    with ws.store.session() as session:
        ctx = IngestContext(session, spec, None, T0, ws.settings)
        ingest_fx_rates(ctx, [FxRate("EUR", "USD", Decimal("1.0523"), date(2026, 11, 26))])
        ingest_fx_rates(ctx, [FxRate("EUR", "USD", Decimal("1.0530"), date(2026, 11, 26)),
                              FxRate("EUR", "CHF", Decimal("0.9312"), date(2026, 11, 26))])  # fmt: skip
    with ws.store.session() as session:
        got = {(r.currency, r.rate, r.source) for r in session.scalars(select(FxRateRow))}
    assert got == {("USD", Decimal("1.0530"), "ecb.test"), ("CHF", Decimal("0.9312"), "ecb.test")}


def test_availability_is_kept_apart_from_prices(ws: Workspace) -> None:
    spec = toy_spec("scw.avail", "https://api.scaleway.com/x", kind="availability", competitor="scaleway")
    with ws.store.session() as session:
        ctx = IngestContext(session, spec, None, T0, ws.settings)
        events = ingest_availability(ctx, [Availability("scaleway", "H100-1-80G", "fr-par-2", "shortage")])
        assert events == []
        assert availability(session, "scw.avail")["items"] == {"scaleway|H100-1-80G|fr-par-2": "shortage"}

"""The gate's absolute checks: no negative, NaN or absurd price is ever stored, a zero price only with
the free tier flag, and a first snapshot is checked like the others (held, not the present)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.pipeline.conftest import T0, catalogue, item, toy_spec

from veille.analysis.positioning import positioning
from veille.collect.replay import replay_one
from veille.observations import Offer, price_problem
from veille.settings import Settings
from veille.sources import get_source
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request
from veille.store.models import EventRow, OfferVersion
from veille.workspace import Workspace

HETZNER = Path(__file__).resolve().parents[1] / "fixtures" / "hetzner"


@pytest.fixture
def ws(tmp_path: Path, toy_registry: Any) -> Workspace:
    w = Workspace(Settings(home=tmp_path / "ws", database_url=None))
    w.init_store()
    from veille.kb.store import load_bundled

    load_bundled(w.store)  # the reference products positioning compares with
    return w


def _negated(doc: Any) -> Any:
    """The document with every net and gross price negated (as the probe's capture had them)."""
    if isinstance(doc, dict):
        return {
            k: (f"-{v}" if k in ("net", "gross") and isinstance(v, str) else _negated(v))
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [_negated(v) for v in doc]
    return doc


def _replay_hetzner(ws: Workspace, negate: bool) -> str:
    spec = get_source("hetzner.server_types")
    pages = []
    for n in (1, 2):
        doc = json.loads((HETZNER / f"server_types_page{n}.json").read_bytes())
        body = json.dumps(_negated(doc) if negate else doc).encode()
        request = Request(spec.url, params={"page": str(n), "per_page": "50"})
        pages.append(Page(spec.url, 200, {}, T0, "0" * 64, len(body), request, body=body))
    return replay_one(ws, spec, FetchResult(pages=pages), T0).status


def _hetzner_rows(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.session() as session:
        doc = positioning(session, now=T0 + timedelta(minutes=5))
    return [r for r in doc["rows"] if r["competitor"] == "hetzner"]


def test_a_negated_first_hetzner_snapshot_never_reaches_positioning(ws: Workspace) -> None:
    assert _replay_hetzner(ws, negate=True) == "suspect"
    with ws.store.session() as session:
        prices = session.scalars(select(OfferVersion.price_monthly)).all()
        review = session.scalars(select(EventRow).where(EventRow.kind == "price_review")).one()
    assert not [p for p in prices if p is not None and p < 0]
    assert any("impossible price" in r and "negative" in r for r in review.data["reasons"])
    rows = _hetzner_rows(ws)
    assert rows and not [r for r in rows if r["basis"] == "live"]
    assert all(Decimal(r["monthly_eur"]) > 0 for r in rows if r["monthly_eur"] is not None)
    assert all(Decimal(r["ratio_to_self"]) > 0 for r in rows if r["ratio_to_self"] is not None)


def test_the_same_fixture_unnegated_is_believed_at_once(ws: Workspace) -> None:
    assert _replay_hetzner(ws, negate=False) == "ok"
    live = [r for r in _hetzner_rows(ws) if r["basis"] == "live"]
    assert live and all(Decimal(r["monthly_eur"]) > 0 for r in live)


def _toy(ws: Workspace, body: bytes, hours: int) -> str:
    spec = toy_spec()
    when = T0 + timedelta(hours=hours)
    page = Page(spec.url, 200, {}, when, "0" * 64, len(body), Request(spec.url), body=body)
    return replay_one(ws, spec, FetchResult(pages=[page]), when).status


def _current(ws: Workspace) -> dict[str, Decimal | None]:
    with ws.store.session() as session:
        rows = session.execute(
            select(OfferVersion.sku, OfferVersion.price_hourly).where(
                OfferVersion.valid_to.is_(None), OfferVersion.held.is_(False)
            )
        )
        return {sku: price for sku, price in rows}


def test_a_later_impossible_price_is_refused_and_the_old_one_stays(ws: Workspace) -> None:
    assert _toy(ws, catalogue(item("a", "0.0100"), item("b", "0.0200")), 0) == "ok"
    assert _toy(ws, catalogue(item("a", "-0.0100"), item("b", "0.0200")), 1) == "suspect"
    assert _toy(ws, catalogue(item("a", "0"), item("b", "0.0200")), 2) == "suspect"
    assert _current(ws) == {"a": Decimal("0.0100"), "b": Decimal("0.0200")}
    with ws.store.session() as session:
        stored = session.scalars(select(OfferVersion.price_hourly)).all()
    assert all(p is not None and p > 0 for p in stored)


def test_price_problem_names_what_is_impossible() -> None:
    def offer(hourly: str | None, monthly: str | None = None, **kw: Any) -> Offer:
        return Offer(
            competitor="hetzner", sku="x", name="x", category="vps", currency="EUR",
            price_hourly=Decimal(hourly) if hourly is not None else None,
            price_monthly=Decimal(monthly) if monthly is not None else None, **kw,
        )  # fmt: skip

    assert price_problem(offer("0.01", "7")) is None
    assert price_problem(offer(None, "-32.40")) == "negative monthly price -32.40"
    assert price_problem(offer("0")) == "zero hourly price without the free tier flag"
    assert price_problem(offer("0", free_tier=True)) is None
    assert "not a finite decimal" in (price_problem(offer("NaN")) or "")
    assert "past any plausible amount" in (price_problem(offer(None, "1e308")) or "")


def test_manual_entry_refuses_a_zero_price_without_the_free_tier_flag(ws: Workspace, cli: Any) -> None:
    base = ("--home", ws.home, "prices", "add", "hetzner", "free1", "--url", "https://www.hetzner.com/x")
    code, _, err = cli(*base, "--price-monthly", "0")
    assert code == 1 and "a free offer needs --free-tier" in err and "Traceback" not in err
    assert _current(ws) == {}
    code, _, err = cli(*base, "--price-monthly", "0", "--free-tier")
    assert code == 0, err
    with ws.store.session() as session:
        version = session.scalars(select(OfferVersion)).one()
    assert version.price_monthly == 0 and version.extra.get("free_tier") is True


def test_a_free_offer_flagged_by_its_parser_is_stored(ws: Workspace) -> None:
    spec = get_source("hetzner.pricing")
    body = (HETZNER / "pricing.json").read_bytes()
    page = Page(spec.url, 200, {}, T0, "0" * 64, len(body), Request(spec.url), body=body)
    assert replay_one(ws, spec, FetchResult(pages=[page]), T0).status == "ok"
    with ws.store.session() as session:
        ipv6 = session.scalars(select(OfferVersion).where(OfferVersion.sku == "primary_ip.ipv6")).one()
    assert ipv6.price_monthly == 0 and ipv6.extra.get("free_tier") is True and not ipv6.held

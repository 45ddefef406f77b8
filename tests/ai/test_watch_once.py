"""``veille watch --once`` over a pricing page whose selectors were removed, with the fake model on
loopback: the offers the page holds are stored (held for a person), the adversarial ones rejected with
their reasons in ``veille sources list``, and ``veille ai status`` says what was sent."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from tests.ai.conftest import FIXTURES, MODEL, FakeModel, MakeWorkspace, offer, serve_page

from veille.sources import pricing_pages
from veille.sources.pricing_pages import Selectors
from veille.store.models import OfferVersion

SOURCE = "pricing_page.contabo"
READING = [
    offer(
        "Cloud VPS 10",
        "4.50",
        "Cloud VPS 10 € 4.50 /month 4 vCPU Cores 8 GB RAM 75 GB NVMe",
        vcpu=4,
        ram_gb=8,
        disk_gb=75,
    ),
    offer("Cloud VPS 20", "7.00", "Cloud VPS 20\n€\n7.00\n/month", vcpu=None),
    offer("Cloud VPS 40", "1299.00", "Cloud VPS 40 € 1,299.00 /month 12 vCPU Cores", vcpu=12),
    offer("Cloud VPS 40 Promo", "999.99", "Cloud VPS 40 € 999.99 /month"),  # the figure of the page's script
    offer("Cloud VPS 20", "7.00", "Cloud VPS 20 € 7.00 /month", currency="CHF"),
]


def test_watch_once_reads_a_page_whose_selectors_were_removed(
    ai_workspace: MakeWorkspace,
    fake_model: FakeModel,
    httpserver: HTTPServer,
    cli: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    removed = dataclasses.replace(
        pricing_pages.PAGES["contabo"], selectors=Selectors(card="div.gone", name="h9", price="b")
    )
    monkeypatch.setitem(pricing_pages.PAGES, "contabo", removed)
    serve_page(httpserver, (FIXTURES / "pricing_pages" / "contabo_en.html").read_bytes())
    ws = ai_workspace()
    fake_model.answer(READING)
    env = {
        "VEILLE_AI_ENABLED": "true",
        "VEILLE_AI_BASE_URL": fake_model.base_url,
        "VEILLE_AI_MODEL": MODEL,
        "VEILLE_AI_RETRIES": "0",
        "VEILLE_HTTP_RETRIES": "0",
        "VEILLE_URL_MAP": json.dumps({"https://contabo.com": httpserver.url_for("/").rstrip("/")}),
    }
    assert cli("--home", ws.home, "sources", "enable", SOURCE, env=env)[0] == 0
    code, out, err = cli("--home", ws.home, "watch", "--once", "--source", SOURCE, env=env)
    assert code == 0, err
    code, out, _ = cli("--home", ws.home, "sources", "list", "--json", env=env)
    row = next(r for r in json.loads(out) if r["id"] == SOURCE)
    assert row["last_status"] == "suspect" and row["model"]["accepted"] == 3
    assert [r["reason"] for r in row["model"]["rejected"]] == [
        "quote not found on the page",
        "currency CHF but the quote shows EUR",
    ]
    with ws.store.session() as s:
        stored = {v.sku: v for v in s.scalars(select(OfferVersion).where(OfferVersion.source_id == SOURCE))}
        s.expunge_all()
    assert set(stored) == {"cloud-vps-10", "cloud-vps-20", "cloud-vps-40"} and all(
        v.held for v in stored.values()
    )
    assert stored["cloud-vps-40"].price_monthly == Decimal("1299") and stored["cloud-vps-20"].vcpu is None
    assert stored["cloud-vps-10"].extra["extracted_by"] == "model"
    code, out, _ = cli("--home", ws.home, "ai", "status", "--json", env=env)
    status = json.loads(out)
    assert (status["enabled"], status["model"], status["calls"], status["tokens"]) == (True, MODEL, 1, 1200)
    assert status["by_purpose"][0]["purpose"] == "prices" and status["budget_left"] == 2_000_000 - 1200

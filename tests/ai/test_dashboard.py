"""The dashboard's source page shows the model's readings of the page: kept, rejected and why."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.conftest import login, make_site

from veille.store.models import AiCall


def test_source_page_shows_model_readings(tmp_path: Path) -> None:
    site = make_site(tmp_path / "ws")
    with site.workspace.store.session() as s:
        s.add(
            AiCall(
                created_at=datetime(2026, 12, 7, 10, tzinfo=UTC), purpose="prices", endpoint="http://127.0.0.1:9/v1",
                model="mistral-small-latest", prompt_version="prices-1", cache_key="k" * 64, status="ok",
                prompt_tokens=900, completion_tokens=300, source_id="pricing_page.contabo", run_id=1,
                detail={"accepted": 1, "rejected": [{"offer": "Cloud VPS 20", "reason": "price 6.5 not in the quote"}]},
            )
        )  # fmt: skip
    with TestClient(site.app, base_url="http://127.0.0.1") as client:
        login(client, "viewer")
        page = client.get("/sources/pricing_page.contabo", headers={"Accept-Language": "en"})
        other = client.get("/sources/hetzner.server_types", headers={"Accept-Language": "en"})
        listing = client.get("/sources", headers={"Accept-Language": "en"})
        listing_fr = client.get("/sources", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and page.text.count("Model readings") == 1
    assert "<title>pricing_page.contabo · veille</title>" in page.text  # the readings are not in the title
    assert "Cloud VPS 20: price 6.5 not in the quote" in page.text and "mistral-small-latest" in page.text
    assert "The model is off now." in page.text
    assert other.status_code == 200 and "Model readings" not in other.text
    assert "Model: off. Nothing is sent to any model." in listing.text
    assert "Modèle : désactivé" in listing_fr.text
    site.workspace.store.dispose()


def test_sources_page_says_what_the_model_cost(tmp_path: Path) -> None:
    site = make_site(tmp_path / "ws")
    on = site.workspace.settings.model_copy(
        update={
            "ai_enabled": True,
            "ai_base_url": "http://127.0.0.1:9/v1",
            "ai_model": "mistral-small-latest",
        }
    )
    site.app.state.settings = on
    with site.workspace.store.session() as s:
        s.add(
            AiCall(
                created_at=datetime.now(UTC), purpose="prices", endpoint="http://127.0.0.1:9/v1",
                model="mistral-small-latest", prompt_version="prices-1", cache_key="k" * 64, status="ok",
                prompt_tokens=900, completion_tokens=300, cost_eur=Decimal("0.003"), source_id="pricing_page.contabo",
            )
        )  # fmt: skip
    with TestClient(site.app, base_url="http://127.0.0.1") as client:
        login(client, "viewer")
        text = client.get("/sources", headers={"Accept-Language": "en"}).text
    assert "Model: on" in text and "mistral-small-latest" in text
    assert (
        "this month: 1 call(s) sent, 0 from the cache, 1200 tokens, about 0.003 EUR; 1998800 tokens" in text
    )
    site.workspace.store.dispose()

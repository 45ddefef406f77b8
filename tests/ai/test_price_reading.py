"""The price-reading agent inside a source run, against the loopback fake: what the page proves is
stored (held for a person the first time), every adversarial answer ends rejected with its reason or as
a clear error, and with AI off nothing is ever sent."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from tests.ai.conftest import (
    CORRECT,
    DEDICATED,
    FIXTURES,
    REDESIGN,
    VPS10,
    VPS20,
    VPS40,
    FakeModel,
    MakeWorkspace,
    completion,
    serve_page,
)

from veille.collect import RunResult, run_source
from veille.settings import Settings
from veille.sources import get_source
from veille.store.models import AiCall, EventRow, OfferVersion, SourceState
from veille.workspace import Workspace

SOURCE = "pricing_page.contabo"


def _run(ws: Workspace) -> RunResult:
    return asyncio.run(run_source(ws, get_source(SOURCE)))


def _offers(ws: Workspace) -> list[OfferVersion]:
    with ws.store.session() as s:
        rows = list(
            s.scalars(select(OfferVersion).where(OfferVersion.source_id == SOURCE).order_by(OfferVersion.sku))
        )
        s.expunge_all()
    return rows


def _calls(ws: Workspace) -> list[AiCall]:
    with ws.store.session() as s:
        rows = list(s.scalars(select(AiCall).order_by(AiCall.id)))
        s.expunge_all()
    return rows


def _reviews(ws: Workspace) -> list[EventRow]:
    with ws.store.session() as s:
        rows = list(s.scalars(select(EventRow).where(EventRow.kind == "price_review").order_by(EventRow.id)))
        s.expunge_all()
    return rows


def test_ai_off_sends_nothing(
    tmp_path: Any, httpserver: HTTPServer, fake_model: FakeModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openai

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the openai client was constructed while AI is off")

    monkeypatch.setattr(openai, "OpenAI", never)
    serve_page(httpserver, REDESIGN.read_bytes())
    fake_model.answer(CORRECT)
    ws = Workspace(
        Settings(
            home=tmp_path / "ws",
            url_map={"https://contabo.com": httpserver.url_for("/").rstrip("/")},
            http_retries=0,
        )
    )
    ws.init_store()
    result = _run(ws)
    assert result.status == "failed" and "selectors 'div.product-card' matched nothing" in (
        result.error or ""
    )
    assert fake_model.requests == [] and _calls(ws) == [] and _offers(ws) == []
    assert not any(e.path == "/v1/chat/completions" for e, _ in httpserver.log)


def test_correct_reading_is_stored_and_held_for_a_person(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer, cli: Any
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace()
    fake_model.answer(CORRECT)
    first = _run(ws)
    assert first.status == "suspect", first.error
    offers = {o.sku: o for o in _offers(ws)}
    assert set(offers) == {"cloud-vps-10", "cloud-vps-20", "cloud-vps-40", "dedicated-server-l"}
    vps40, dedicated = offers["cloud-vps-40"], offers["dedicated-server-l"]
    assert (vps40.price_monthly, vps40.currency, vps40.vcpu, vps40.ram_gb, vps40.disk_gb) == (
        Decimal("1299"), "EUR", 12, 48, 250,
    )  # fmt: skip
    assert (
        dedicated.price_monthly == Decimal("1299.95") and dedicated.vcpu is None
    )  # 1.299,95 €: read, no guess
    assert all(o.held for o in offers.values())
    assert vps40.extra["extracted_by"] == "model" and vps40.extra["model"] == "mistral-small-latest"
    assert "€1,299.00 /month" in vps40.extra["quote"]
    (review,) = _reviews(ws)
    assert review.data["needs_person"] and any(
        "first reading of this page by a model" in r for r in review.data["reasons"]
    )

    again = _run(ws)  # the same page: answered from the cache, and still a person's call
    assert len(fake_model.requests) == 1 and [c.cached for c in _calls(ws)] == [False, True]
    assert again.status == "ok" and [r.status for r in _reviews(ws)] == ["open"]
    assert all(o.held for o in _offers(ws))

    code, out, _ = cli("--home", ws.home, "review", "list", "--json", env=_env(ws))
    assert code == 0 and [r["id"] for r in json.loads(out)] == [review.id]
    assert cli("--home", ws.home, "review", "accept", str(review.id), env=_env(ws))[0] == 0
    assert not any(o.held for o in _offers(ws))
    third = _run(ws)  # accepted once: later readings pass the gate like any other snapshot
    assert third.status == "ok" and len(_reviews(ws)) == 1 and len(fake_model.requests) == 1


def test_adversarial_offers_are_rejected_with_their_reasons(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer, cli: Any
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace()
    fake_model.answer(
        [
            VPS10,
            {**VPS20, "price": 6.5},  # a price that is not on the page
            {**VPS40, "quote": "Cloud VPS 40 — €999.00 /month"},  # a quote that is not on the page
            {**DEDICATED, "currency": "USD"},  # a wrong currency
            {
                **VPS10,
                "name": "Cloud VPS 90",
                "quote": "Cloud VPS 90 €999.99",
            },  # from the script: not page text
            {**VPS20, "currency": "EURO"},  # not ISO 4217
            {**VPS20, "unit": "fortnight"},  # not a unit
            {**VPS20, "vcpu": 8},  # a spec not on the page (a guess)
        ]
    )
    result = _run(ws)
    assert result.status == "suspect" and result.observations == 1
    assert [(o.sku, o.price_monthly) for o in _offers(ws)] == [("cloud-vps-10", Decimal("4.50"))]
    (call,) = _calls(ws)
    reasons = [r["reason"] for r in (call.detail or {})["rejected"]]
    assert reasons == [
        "price 6.5 not in the quote",
        "quote not found on the page",
        "currency USD but the quote shows EUR",
        "quote not found on the page",
        "currency 'EURO' is not an ISO 4217 code",
        "unit 'fortnight' is not one of hour, month, minute, year",
        "vCPU 8 not in the quote",
    ]
    code, out, _ = cli("--home", ws.home, "sources", "list", "--json", env=_env(ws))
    row = next(r for r in json.loads(out) if r["id"] == SOURCE)
    assert code == 0 and row["model"]["accepted"] == 1 and len(row["model"]["rejected"]) == 7
    code, out, _ = cli("--home", ws.home, "sources", "show", SOURCE, "--json", env=_env(ws))
    shown = json.loads(out)
    assert code == 0 and shown["runs"][0]["status"] == "suspect"
    assert shown["model_readings"][0]["rejected"][0] == {
        "offer": "Cloud VPS 20",
        "reason": "price 6.5 not in the quote",
    }
    code, out, _ = cli("--home", ws.home, "sources", "show", SOURCE, env=_env(ws))
    assert code == 0 and "rejected Cloud VPS 40: quote not found on the page" in out


def _env(ws: Workspace) -> dict[str, str]:
    s = ws.settings
    return {
        "VEILLE_AI_ENABLED": "true",
        "VEILLE_AI_BASE_URL": s.ai_base_url or "",
        "VEILLE_AI_MODEL": s.ai_model or "",
    }


def test_nothing_proved_fails_the_run_and_keeps_the_paid_call(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace()
    fake_model.answer([{**VPS10, "price": 3.99}])  # on the page (the nav), but not in the offer's quote
    result = _run(ws)
    assert result.status == "failed" and "1 rejected: Cloud VPS 10: price 3.99 not in the quote" in (
        result.error or ""
    )
    assert _offers(ws) == []
    with ws.store.session() as s:
        state = s.get(SourceState, SOURCE)
        assert state is not None and "price 3.99 not in the quote" in (state.last_error or "")
    (call,) = _calls(ws)
    assert call.status == "ok" and call.prompt_tokens == 900  # rolled back with the run, written again
    assert _run(ws).status == "failed" and len(fake_model.requests) == 1  # never paid twice


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        ('{"offers": [{"name": "Cloud VPS 10", "price": ', 200, "not the JSON asked for"),
        (completion(None, refusal="I cannot read pricing pages."), 200, "the model refused: I cannot read"),
        ({"error": {"message": "rate limited"}}, 429, "answered HTTP 429"),
    ],
)
def test_a_failed_answer_is_a_clear_error_and_stores_nothing(
    ai_workspace: MakeWorkspace,
    fake_model: FakeModel,
    httpserver: HTTPServer,
    answer: Any,
    status: int,
    message: str,
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace()
    fake_model.answer(answer, status=status)
    result = _run(ws)
    assert result.status == "failed" and message in (result.error or "") and _offers(ws) == []


def test_a_timeout_fails_the_run_clearly(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace(ai_timeout=0.5)
    fake_model.answer(CORRECT, delay=2.0)
    result = _run(ws)
    assert result.status == "failed" and "did not answer within 0.5 s" in (result.error or "")
    assert _offers(ws) == []


def test_429_then_success_stores_the_reading(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace(ai_retries=2)
    fake_model.answer({"error": {"message": "slow down"}}, status=429)
    fake_model.answer(CORRECT)
    assert _run(ws).status == "suspect" and len(_offers(ws)) == 4 and len(fake_model.requests) == 2


def test_selectors_failed_generic_reading_stands_when_the_model_proves_nothing(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, (FIXTURES / "pricing_pages" / "generic_de_cards.html").read_bytes())
    ws = ai_workspace()
    fake_model.answer([])
    result = _run(ws)
    assert result.status == "ok" and len(fake_model.requests) == 1
    assert _offers(ws) and {o.extra["extractor"] for o in _offers(ws)} == {"card"}


def test_declared_selectors_that_work_never_ask_the_model(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, (FIXTURES / "pricing_pages" / "contabo_en.html").read_bytes())
    ws = ai_workspace()
    assert _run(ws).status == "ok" and fake_model.requests == [] and len(_offers(ws)) == 3


def test_past_the_budget_the_run_says_so_and_nothing_is_sent(
    ai_workspace: MakeWorkspace, fake_model: FakeModel, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, REDESIGN.read_bytes())
    ws = ai_workspace(ai_monthly_tokens=100)  # less than the page's prompt
    fake_model.answer(CORRECT)
    result = _run(ws)
    assert result.status == "failed" and "the monthly model budget is spent: 0 of 100 tokens" in (
        result.error or ""
    )
    assert fake_model.requests == [] and _offers(ws) == []
    assert [c.status for c in _calls(ws)] == ["over_budget"]  # kept although the run rolled back

"""Grounded summaries: a model's summary is kept only when every number and name is in the events."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.ai.fakes import failing, saying
from tests.web import seed

from veille import reports
from veille.ai.grounding import Evidence, names_in, numbers_in, summarise
from veille.settings import Settings
from veille.workspace import Workspace

PRICE_CUT = {
    "kind": "price_change",
    "competitor": "Hetzner",
    "title": "Hetzner lowers CX22 price",
    "date": "2026-11-20",
    "data": {
        "old": {"monthly": "4.15"},
        "new": {"monthly": "3.79"},
        "currency": "EUR",
        "pct_change": "-8.67",
    },
}
FAITHFUL = {
    "fr": "Hetzner baisse le prix du CX22 de 4,15 € à 3,79 € (−8,67 %) le 20 novembre.",
    "en": "Hetzner cut the CX22 price from €4.15 to €3.79 (-8.67%) on November 20.",
}


def test_a_faithful_summary_is_kept() -> None:
    model = saying(**FAITHFUL)
    found = summarise([PRICE_CUT], model)
    assert found is not None and found.fr == FAITHFUL["fr"] and found.en == FAITHFUL["en"]
    assert len(model.calls) == 1 and '"Hetzner lowers CX22 price"' in model.calls[0]["user"]


@pytest.mark.parametrize(
    ("lang", "text", "why"),
    [
        ("en", "Hetzner cut the CX22 price from €4.15 to €3.49.", "number '3.49'"),
        ("fr", "Hetzner baisse le CX22 de 12 %.", "number '12'"),
        ("en", "Hetzner cut the CX22 price to €3.79; Scaleway followed.", "name 'Scaleway'"),
        ("fr", "Hetzner baisse le prix du CX32 à 3,79 €.", "name 'CX32'"),
    ],
)
def test_a_summary_with_an_invented_number_or_name_is_dropped(
    lang: str, text: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    answer = {**FAITHFUL, lang: text}
    with caplog.at_level(logging.WARNING, logger="veille.ai.grounding"):
        assert summarise([PRICE_CUT], saying(**answer)) is None
    assert f"{lang}: {why} is not in the events" in caplog.text


def test_no_call_for_an_empty_period_or_without_a_model() -> None:
    model = saying(**FAITHFUL)
    assert summarise([], model) is None
    assert model.calls == []
    assert summarise([PRICE_CUT], None) is None


def test_a_model_that_gives_no_answer_gives_no_summary(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="veille.ai.grounding"):
        assert summarise([PRICE_CUT], failing()) is None
    assert "the endpoint timed out" in caplog.text


def test_numbers_are_read_in_either_locale() -> None:
    assert numbers_in("4,15 €") == numbers_in("4.15") == numbers_in("−4.15") == numbers_in("-4,15")
    assert numbers_in("1 299,95 €") & numbers_in("1,299.95") & numbers_in("1.299,95")
    assert numbers_in("−8.67 %") == numbers_in("-8.67%")
    assert not numbers_in("CX22") and numbers_in("$0.0119/hr") == numbers_in("0,0119")
    assert Evidence.of([{"title": "cut to 4.15"}]).problems("à 4,150 €") == []
    assert Evidence.of([{"title": "cut to 4.15"}]).problems("à 4,16 €") == [
        "number '4,16' is not in the events"
    ]


def test_names_are_capitalised_words_less_common_ones() -> None:
    assert names_in("Les prix de OVHcloud et Hetzner baissent en novembre. The H100 costs less.") == [
        "OVHcloud",
        "Hetzner",
        "H100",
    ]


# --- the digest and the review -----------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(Settings(home=tmp_path / "ws", database_url=None))
    ws.init_store()
    with ws.store.session() as session:
        seed.load_kb(session)
        seed.load_signals(session)
    return ws


def _report(ws: Workspace, kind: str, lang: str, **kw: object) -> str:
    with ws.store.session() as session:
        result = reports.produce(session, kind, lang, "md", seed.NOW, edition=False, **kw)  # type: ignore[arg-type]
    return result.content.decode()


@pytest.mark.parametrize("kind", ["digest", "review"])
def test_the_digest_and_the_review_open_with_a_checked_summary(workspace: Workspace, kind: str) -> None:
    model = saying(**FAITHFUL)
    plain = _report(workspace, kind, "fr")
    with_summary = _report(workspace, kind, "fr", model=model)
    assert f"> **En bref** — {FAITHFUL['fr']}\n" in with_summary
    assert "En bref" not in plain
    assert with_summary.replace(_summary_block(with_summary), "") == plain
    sent = model.calls[0]["user"]
    assert "Hetzner lowers CX22 price" in sent and "javascript:" not in sent
    assert _report(workspace, kind, "en", model=model).count("**In brief** — Hetzner cut the CX22 price") == 1


def _summary_block(text: str) -> str:
    start = text.index("> **En bref**")
    end = text.index("\n\n", text.index("> _rédigé par un modèle", start))
    return text[start : end + 2]


@pytest.mark.parametrize("kind", ["digest", "review"])
def test_an_unfaithful_summary_leaves_the_report_as_it_was(workspace: Workspace, kind: str) -> None:
    invented = saying(fr="Scaleway baisse ses prix de 20 %.", en="Scaleway cut prices by 20%.")
    assert _report(workspace, kind, "fr", model=invented) == _report(workspace, kind, "fr")
    assert len(invented.calls) == 1


@pytest.mark.parametrize("kind", ["digest", "review"])
def test_no_summary_and_no_call_for_an_empty_period(workspace: Workspace, kind: str) -> None:
    model = saying(**FAITHFUL)
    later = seed.NOW + timedelta(days=400)
    with workspace.store.session() as session:
        text = reports.produce(session, kind, "en", "md", later, edition=False, model=model).content.decode()
    assert "In brief" not in text
    assert model.calls == []


def test_veille_report_asks_the_workspace_model_and_none_while_ai_is_off(
    workspace: Workspace, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veille.ai import grounding

    home = str(workspace.home)
    code, off, _ = cli("--home", home, "report", "digest", "--lang", "en", "--at", "2026-11-20T12:00:00Z")
    assert code == 0 and "In brief" not in off  # AI off (the default): no model, no summary
    model = saying(**FAITHFUL)
    monkeypatch.setattr(grounding, "workspace_model", lambda settings, store: model)
    code, on, _ = cli("--home", home, "report", "review", "--lang", "en", "--at", "2026-11-20T12:00:00Z")
    assert code == 0 and f"**In brief** — {FAITHFUL['en']}" in on
    code, card, _ = cli(
        "--home", home, "report", "battlecard", "--competitor", "hetzner", "--at", "2026-11-20"
    )
    assert code == 0 and "In brief" not in card and len(model.calls) == 1  # battlecards: no summary


def test_the_digest_summary_comes_through_the_real_client_and_the_fake_endpoint(
    ai_workspace: Any, fake_model: Any
) -> None:
    """AI on: the model client sends the period's events to the OpenAI-compatible endpoint (a loopback
    fake) and the digest opens with the answer, checked; the call is logged; AI off sends nothing."""
    import json

    from sqlalchemy import func, select
    from tests.ai.conftest import completion

    from veille.ai.grounding import workspace_model
    from veille.store.models import AiCall

    ws = ai_workspace()
    with ws.store.session() as session:
        seed.load_kb(session)
        seed.load_signals(session)
    fake_model.answer(completion(json.dumps(FAITHFUL)))
    model = workspace_model(ws.settings, ws.store)
    assert model is not None
    text = _report(ws, "digest", "en", model=model)
    assert f"> **In brief** — {FAITHFUL['en']}\n" in text
    assert len(fake_model.requests) == 1 and "Hetzner lowers CX22 price" in json.dumps(fake_model.requests[0])
    with ws.store.session() as session:
        assert (
            session.scalar(select(func.count()).select_from(AiCall).where(AiCall.purpose == "summary")) >= 1
        )
    off = Settings(home=ws.home, ai_enabled=False, ai_base_url=fake_model.base_url, ai_model="m")
    assert workspace_model(off, ws.store) is None and len(fake_model.requests) == 1

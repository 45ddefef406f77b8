"""The model client against the loopback fake: validated JSON, cache, budget, retries, clear errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from sqlalchemy import select
from tests.ai.conftest import CORRECT, FakeModel, MakeWorkspace, completion

from veille.ai.client import BadAnswer, OverBudget, Refused, Unavailable, client_for, tokens_this_month
from veille.ai.prices import PriceAnswer
from veille.settings import Settings
from veille.store.models import AiCall
from veille.workspace import Workspace


class Verdict(BaseModel):
    kind: str


def _ask(ws: Workspace, text: str = "a page", schema: type[BaseModel] = PriceAnswer) -> BaseModel:
    client = client_for(ws.settings, ws.store)
    assert client is not None
    return client.complete_json(schema, "system", text, purpose="test")


def _calls(ws: Workspace) -> list[AiCall]:
    with ws.store.session() as s:
        rows = list(s.scalars(select(AiCall).order_by(AiCall.id)))
        s.expunge_all()
    return rows


def test_off_by_default_builds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import openai

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the openai client was constructed while AI is off")

    monkeypatch.setattr(openai, "OpenAI", never)
    assert Settings().ai_enabled is False
    assert client_for(Settings()) is None


def test_a_valid_answer_is_parsed_logged_and_cached(
    ai_workspace: MakeWorkspace, fake_model: FakeModel
) -> None:
    ws = ai_workspace(ai_eur_per_million_tokens="2.5")
    fake_model.answer(CORRECT)
    first = _ask(ws)
    second = _ask(ws)  # the same content again: answered from the cache, nothing sent
    assert isinstance(first, PriceAnswer) and first == second and len(first.offers) == 4
    assert len(fake_model.requests) == 1
    sent = fake_model.requests[0]
    assert sent["model"] == "mistral-small-latest" and sent["response_format"] == {"type": "json_object"}
    paid, cached = _calls(ws)
    assert (paid.status, paid.cached, paid.prompt_tokens, paid.completion_tokens) == ("ok", False, 900, 300)
    assert str(paid.cost_eur) == "0.003" and cached.cached and cached.prompt_tokens == 0
    with ws.store.session() as s:
        assert tokens_this_month(s, paid.created_at) == (1, 1200)


def test_another_prompt_version_is_paid_again(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace()
    fake_model.answer(CORRECT)
    fake_model.answer(CORRECT)
    client = client_for(ws.settings, ws.store)
    assert client is not None
    client.complete(PriceAnswer, "s", "u", purpose="t", version="1")
    client.complete(PriceAnswer, "s", "u", purpose="t", version="2")
    assert len(fake_model.requests) == 2


def test_malformed_json_is_a_clear_rejection(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace()
    fake_model.answer('{"offers": [{"name": "Cloud VPS 10", "price": 4.5')  # cut short
    with pytest.raises(BadAnswer, match="not the JSON asked for"):
        _ask(ws)
    fake_model.answer('```json\n{"kind": "incident"}\n```')  # a fenced answer is still JSON
    assert _ask(ws, "other", Verdict) == Verdict(kind="incident")
    fake_model.answer('{"offers": [{"name": "x"}]}')  # JSON, but not the shape asked for
    with pytest.raises(BadAnswer, match=r"offers\.0\.price"):
        _ask(ws, "third")
    statuses = [c.status for c in _calls(ws)]
    assert statuses == ["invalid", "ok", "invalid"]
    assert _calls(ws)[0].prompt_tokens == 900  # a bad answer was still paid for: it counts


def test_a_refusal_is_a_clear_error(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace()
    fake_model.answer(completion(None, refusal="I can't help with reading this page."))
    with pytest.raises(Refused, match="the model refused: I can't help"):
        _ask(ws)
    assert [(c.status, c.prompt_tokens) for c in _calls(ws)] == [("refused", 900)]  # paid for: counted


def test_429_then_success_is_retried(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace(ai_retries=2)
    fake_model.answer({"error": {"message": "rate limited", "type": "rate_limit"}}, status=429)
    fake_model.answer(CORRECT)
    assert len(_ask(ws).offers) == 4  # type: ignore[attr-defined]
    assert len(fake_model.requests) == 2


def test_5xx_past_the_retries_is_a_clear_error(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace(ai_retries=1)
    for _ in range(2):
        fake_model.answer({"error": {"message": "overloaded"}}, status=503)
    with pytest.raises(Unavailable, match="answered HTTP 503"):
        _ask(ws)
    assert len(fake_model.requests) == 2 and [c.status for c in _calls(ws)] == ["error"]


def test_a_timeout_is_a_clear_error(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace(ai_timeout=0.5, ai_retries=0)
    fake_model.answer(CORRECT, delay=2.0)
    with pytest.raises(Unavailable, match=r"did not answer within 0\.5 s"):
        _ask(ws)


def test_the_monthly_budget_stops_calls(ai_workspace: MakeWorkspace, fake_model: FakeModel) -> None:
    ws = ai_workspace(ai_monthly_tokens=1500)
    fake_model.answer(CORRECT)  # 1,200 tokens
    _ask(ws)
    with pytest.raises(OverBudget, match="1200 of 1500 tokens used this month"):
        _ask(ws, "x" * 2000)  # about 500 more tokens: past the budget, nothing is sent
    assert len(fake_model.requests) == 1
    assert _ask(ws) is not None  # a cached answer costs nothing: still given
    assert [c.status for c in _calls(ws)] == ["ok", "over_budget", "ok"]


def test_enabled_without_endpoint_is_a_config_error() -> None:
    from veille.errors import ConfigError

    with pytest.raises(ConfigError, match="VEILLE_AI_BASE_URL"):
        client_for(Settings(ai_enabled=True))

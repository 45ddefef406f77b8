"""Triage of items, mentions and news: the word lists' reading always, a model's when one is on, both
recorded; an item judged irrelevant is kept but stays out of the digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from tests.ai.fakes import FakeModel, failing

from veille import reports
from veille.collect.runner import run_sources
from veille.detect.triage import TriageAnswer, triage_events, word_triage
from veille.settings import Settings
from veille.sources import get_source
from veille.store.models import EventRow
from veille.workspace import Workspace

FIX = Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
GPU = "Nouvelles instances GPU H200 disponibles à Gravelines"
STORAGE = "Évolution des tarifs du stockage objet au 1er janvier"


@pytest.mark.parametrize(
    ("title", "text", "kind", "relevant", "areas"),
    [
        (GPU, "", "feature", True, ("compute", "gpu_ai")),
        (STORAGE, "", "price_announcement", True, ("storage", "pricing")),
        ("Scaleway raises €100 million in a Series B round", "", "funding", True, ()),
        ("Outage in fsn1: degraded network", "", "incident", True, ("network",)),
        ("We're hiring SREs in Berlin", "", "hiring", False, ()),
        ("Retour sur notre conférence annuelle", "", "other", False, ()),
    ],
)
def test_the_word_lists_reading(
    title: str, text: str, kind: str, relevant: bool, areas: tuple[str, ...]
) -> None:
    found = word_triage(title, text)
    assert (found.kind, found.relevant, found.areas) == (kind, relevant, areas)
    assert all(t.startswith("area:") for t in found.touches)


@pytest.fixture
def watched(tmp_path: Path, httpserver: HTTPServer) -> Workspace:
    """OVHcloud's French blog (a real feed) fetched over loopback through the runner."""
    httpserver.expect_request("/feed/").respond_with_data(
        (FIX / "feeds" / "blog_fr_1.rss").read_bytes(), content_type="application/rss+xml"
    )
    base = httpserver.url_for("/").rstrip("/")
    ws = Workspace(
        Settings(home=tmp_path / "ws", url_map={"https://blog.ovhcloud.com": base}, http_retries=0)
    )
    ws.init_store()
    with ws.store.session() as session:
        from veille.kb.store import bundled, save

        save(session, bundled(), "test", "seed")
    [result] = run_sources(ws, [get_source("ovhcloud.blog")], now=NOW).results
    assert result.status == "ok", result.error
    return ws


def _features(ws: Workspace) -> dict[str, dict[str, Any]]:
    with ws.store.session() as session:
        rows = session.scalars(select(EventRow).where(EventRow.kind.in_(("feature", "price_announcement"))))
        return {r.title: dict(r.data) for r in rows}


def test_new_items_carry_the_word_lists_triage(watched: Workspace) -> None:
    features = _features(watched)
    assert set(features) == {GPU, STORAGE}
    gpu = features[GPU]["triage"]
    assert gpu["words"]["kind"] == "feature" and gpu["relevant"] is True and "model" not in gpu
    assert features[STORAGE]["triage"]["words"]["kind"] == "price_announcement"


def _judge(schema: type[Any], user: str) -> dict[str, Any]:
    """A model that finds the storage prices irrelevant and invents a target and an area for the GPUs."""
    assert schema is TriageAnswer
    title = json.loads(user)["title"]
    if title == STORAGE:
        return {"kind": "price_announcement", "relevant": False, "areas": ["storage"], "reason": "not ours"}
    return {
        "kind": "feature",
        "relevant": True,
        "touches": ["threat-2", "threat-99", "threat-2"],
        "areas": ["gpu_ai", "quantum"],
        "reason": "GPU instances compete with ours",
    }


def _digest(ws: Workspace) -> str:
    with ws.store.session() as session:
        return reports.produce(session, "digest", "en", "md", NOW, edition=False).content.decode()


def test_the_model_reading_is_recorded_beside_the_words_and_decides(watched: Workspace) -> None:
    assert STORAGE in _digest(watched)
    model = FakeModel(_judge)
    assert triage_events(watched.store, model) == 2
    assert {c["purpose"] for c in model.calls} == {"triage"}
    assert "threat-2" in model.calls[0]["system"]
    features = _features(watched)
    storage, gpu = features[STORAGE]["triage"], features[GPU]["triage"]
    assert storage["words"]["relevant"] is True and storage["model"]["relevant"] is False
    assert storage["relevant"] is False
    assert gpu["model"]["touches"] == ["threat-2"] and gpu["model"]["areas"] == ["gpu_ai"]
    digest = _digest(watched)
    assert STORAGE not in digest and GPU in digest  # kept in the store, out of the digest
    assert triage_events(watched.store, model) == 0  # read once: a second pass asks nothing
    assert len(model.calls) == 2


def test_without_a_model_or_with_a_failing_one_the_words_stand(watched: Workspace) -> None:
    assert triage_events(watched.store, None) == 0  # the words were recorded when the items came in
    assert triage_events(watched.store, failing()) == 2
    features = _features(watched)
    assert all("model" not in f["triage"] and f["triage"]["relevant"] for f in features.values())
    assert STORAGE in _digest(watched) and GPU in _digest(watched)


def test_watch_once_has_the_workspace_model_read_the_new_items(
    tmp_path: Path, httpserver: HTTPServer, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veille.ai import grounding

    httpserver.expect_request("/feed/").respond_with_data(
        (FIX / "feeds" / "blog_fr_1.rss").read_bytes(), content_type="application/rss+xml"
    )
    home = str(tmp_path / "ws")
    env = {"VEILLE_URL_MAP": json.dumps({"https://blog.ovhcloud.com": httpserver.url_for("/").rstrip("/")})}
    assert cli("--home", home, "init", env=env)[0] == 0
    model = FakeModel(_judge)
    monkeypatch.setattr(grounding, "workspace_model", lambda settings, store: model)
    code, _, err = cli("--home", home, "watch", "--once", "--source", "ovhcloud.blog", env=env)
    assert code == 0, err
    features = _features(Workspace(Settings(home=Path(home))))
    assert features[STORAGE]["triage"]["model"]["relevant"] is False and len(model.calls) == 2


def test_a_funding_event_stays_funding_news_whatever_its_words(tmp_path: Path) -> None:
    """An SEC filing's funding event names no amount: the words must not judge it irrelevant."""
    from veille.detect.triage import record_words

    ws = Workspace(Settings(home=tmp_path / "ws"))
    ws.init_store()
    with ws.store.session() as session:
        row = EventRow(
            kind="funding",
            competitor="digitalocean",
            title="digitalocean filed 8-K (Current report)",
            importance="high",
            occurred_at=NOW,
            detected_at=NOW,
            dedup_key="funding:digitalocean:edgar:1",
            data={"form": "8-K", "items": ["2.03"], "kind": "debt", "amount": None},
        )
        session.add(row)
        record_words([row])
        assert row.data["triage"]["words"]["kind"] == "funding" and row.data["triage"]["relevant"] is True
    assert "digitalocean filed 8-K" in _digest(ws)

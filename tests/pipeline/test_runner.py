"""The collection runner: all-or-nothing runs, failures recorded and isolated, retries, leases, captures."""

from __future__ import annotations

import gzip
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from tests.pipeline.conftest import T0, catalogue, item, toy_spec

from veille.capture import capture_path
from veille.collect import lease, run_sources
from veille.settings import Settings
from veille.store.models import Capture, EventRow, OfferVersion, SourceRun, SourceState
from veille.workspace import Workspace

BASE = "https://api.toy.example"


@pytest.fixture
def ws(tmp_path: Any, httpserver: HTTPServer) -> Workspace:
    w = Workspace(
        Settings(home=tmp_path / "ws", http_retries=0, url_map={BASE: httpserver.url_for("/").rstrip("/")})
    )
    w.init_store()
    return w


def serve(httpserver: HTTPServer, path: str, body: bytes, **kw: Any) -> None:
    httpserver.clear()
    httpserver.expect_request(path).respond_with_data(
        body, content_type=kw.pop("content_type", "application/json"), **kw
    )


def count(ws: Workspace, model: Any, *where: Any) -> int:
    with ws.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_failing_source_does_not_stop_the_others(
    ws: Workspace, httpserver: HTTPServer, toy_registry: Any
) -> None:
    httpserver.expect_request("/good").respond_with_data(catalogue(item("cx22", "0.006")))
    httpserver.expect_request("/bad").respond_with_data("<html>maintenance</html>", content_type="text/html")
    good = toy_spec("toy.good", BASE + "/good")
    bad = toy_spec("toy.bad", BASE + "/bad")
    summary = run_sources(ws, [good, bad], now=T0)
    by_id = {r.source_id: r for r in summary.results}
    assert by_id["toy.good"].status == "ok" and by_id["toy.good"].observations == 1
    assert by_id["toy.bad"].status == "failed" and "ParseError" in (by_id["toy.bad"].error or "")
    assert not summary.all_failed
    assert count(ws, OfferVersion, OfferVersion.source_id == "toy.bad") == 0
    with ws.store.session() as s:
        state = s.get(SourceState, "toy.bad")
        assert state is not None and state.consecutive_failures == 1 and state.last_status == "failed"
        assert "not JSON" in (state.last_error or "") and state.running_token is None
        run = s.scalars(select(SourceRun).where(SourceRun.source_id == "toy.bad")).one()
        assert run.status == "failed" and "not JSON" in (run.error or "")
        failure = s.scalars(select(EventRow).where(EventRow.kind == "source_failure")).one()
        assert failure.importance == "medium" and failure.source_id == "toy.bad"
        # the body that failed to parse is kept as evidence
        assert s.scalar(select(func.count()).select_from(Capture).where(Capture.source_id == "toy.bad")) == 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"currency": "EUR", "items": [{"sku": "a", "hourly": "0.01"}, {"sku": "b", "hour',
        b"<!doctype html><p>Login</p>",
        b"",
    ],
    ids=["truncated-json", "html-instead-of-json", "empty"],
)
def test_bad_bodies_store_nothing_partial(
    ws: Workspace, httpserver: HTTPServer, toy_registry: Any, body: bytes
) -> None:
    spec = toy_spec(url=BASE + "/cat")
    serve(httpserver, "/cat", catalogue(item("a", "0.01"), item("b", "0.02")))
    assert run_sources(ws, [spec], now=T0).results[0].status == "ok"
    serve(httpserver, "/cat", body)
    result = run_sources(ws, [spec], now=T0 + timedelta(hours=1)).results[0]
    assert result.status == "failed"
    assert count(ws, OfferVersion) == 2 and count(ws, OfferVersion, OfferVersion.valid_to.is_not(None)) == 0
    assert count(ws, EventRow, EventRow.kind != "source_failure") == 0
    # the next run retries and succeeds
    serve(httpserver, "/cat", catalogue(item("a", "0.01"), item("b", "0.021")))
    assert run_sources(ws, [spec], now=T0 + timedelta(hours=2)).results[0].status == "ok"
    with ws.store.session() as s:
        assert s.get(SourceState, spec.id).consecutive_failures == 0  # type: ignore[union-attr]
    assert count(ws, EventRow, EventRow.kind == "price_change") == 1


def test_failure_storm_is_one_event_then_high(
    ws: Workspace, httpserver: HTTPServer, toy_registry: Any
) -> None:
    spec = toy_spec(url=BASE + "/down")
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    for hour in range(4):
        run_sources(ws, [spec], now=T0 + timedelta(hours=hour))
    with ws.store.session() as s:
        events = s.scalars(
            select(EventRow).where(EventRow.kind == "source_failure").order_by(EventRow.id)
        ).all()
        assert [e.importance for e in events] == ["medium", "high"]
        assert s.get(SourceState, spec.id).consecutive_failures == 4  # type: ignore[union-attr]


def test_captures_are_content_addressed_and_kept_once(
    ws: Workspace, httpserver: HTTPServer, toy_registry: Any
) -> None:
    spec = toy_spec(url=BASE + "/cat")
    body = catalogue(item("a", "0.01"))
    serve(httpserver, "/cat", body)
    run_sources(ws, [spec], now=T0)
    run_sources(ws, [spec], now=T0 + timedelta(hours=1))
    with ws.store.session() as s:
        rows = s.scalars(select(Capture)).all()
    assert len(rows) == 2 and rows[0].sha256 == rows[1].sha256
    assert rows[0].url == BASE + "/cat" and rows[0].status == 200 and rows[0].size == len(body)
    path = capture_path(ws.settings.captures_dir, rows[0].sha256)
    assert gzip.decompress(path.read_bytes()) == body
    assert len(list(ws.settings.captures_dir.rglob("*.gz"))) == 1


def test_304_is_unchanged_without_parse_or_events(
    ws: Workspace, httpserver: HTTPServer, toy_registry: Any
) -> None:
    spec = toy_spec(url=BASE + "/cat")
    httpserver.expect_request("/cat", headers={"If-None-Match": '"e1"'}).respond_with_data("", status=304)
    httpserver.expect_request("/cat").respond_with_data(
        catalogue(item("a", "0.01")), headers={"ETag": '"e1"'}
    )
    assert run_sources(ws, [spec], now=T0).results[0].status == "ok"
    second = run_sources(ws, [spec], now=T0 + timedelta(hours=1)).results[0]
    assert second.status == "unchanged" and second.events == 0
    assert count(ws, Capture) == 1


def test_a_source_never_runs_twice_at_once(ws: Workspace, httpserver: HTTPServer, toy_registry: Any) -> None:
    spec = toy_spec(url=BASE + "/cat")
    serve(httpserver, "/cat", catalogue(item("a", "0.01")))
    token = lease.acquire(ws.store, spec.id)
    assert token is not None
    assert lease.acquire(ws.store, spec.id) is None
    result = run_sources(ws, [spec], now=T0).results[0]
    assert result.status == "busy"
    lease.release_now(ws.store, spec.id, token)
    assert run_sources(ws, [spec], now=T0).results[0].status == "ok"


def test_missing_credential_disables_the_source(ws: Workspace, toy_registry: Any) -> None:
    spec = toy_spec(url=BASE + "/cat", credential="hetzner_token")
    result = run_sources(ws, [spec], now=T0).results[0]
    assert result.status == "disabled" and result.error == "needs VEILLE_HETZNER_TOKEN"

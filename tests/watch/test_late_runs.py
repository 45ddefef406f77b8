"""A skewed clock (``watch --once`` on a machine behind the one that ran last) never rewrites history."""

from __future__ import annotations

from datetime import timedelta

from pytest_httpserver import HTTPServer
from sqlalchemy import select

from veille.collect import run_sources
from veille.store.models import EventRow, OfferVersion, SourceRun, SourceState
from veille.workspace import Workspace

from .conftest import T0, price_list, spec


def test_a_run_dated_before_the_stored_state_is_late(ws: Workspace, httpserver: HTTPServer) -> None:
    source = spec(1)
    serve = httpserver.expect_request("/p/1")
    serve.respond_with_data(price_list(cx22="0.0060", cx32="0.0100"))
    assert [r.status for r in run_sources(ws, [source], now=T0 + timedelta(hours=2)).results] == ["ok"]
    httpserver.clear()
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0055", cx32="0.0100"))
    late = run_sources(ws, [source], now=T0 + timedelta(hours=1)).results[0]
    assert late.status == "late" and late.events == 0 and "before the stored state" in (late.error or "")
    with ws.store.session() as session:
        assert session.scalars(select(EventRow)).all() == []  # the first run was the baseline
        versions = session.scalars(select(OfferVersion)).all()
        assert [(v.sku, v.valid_to) for v in versions] == [("cx22", None), ("cx32", None)]
        state = session.get(SourceState, source.id)
        assert state is not None and state.last_run_at == T0 + timedelta(hours=2)
        assert state.next_run_at == T0 + timedelta(hours=3) and state.running_token is None
        run = session.get(SourceRun, late.run_id)
        assert run is not None and run.status == "late"
    # the same snapshot fetched later is news: compared with the stored state, not with the late one
    now = T0 + timedelta(hours=3)
    assert run_sources(ws, [source], now=now).results[0].status == "ok"
    with ws.store.session() as session:
        kinds = sorted(e.kind for e in session.scalars(select(EventRow)))
        versions = session.scalars(select(OfferVersion).order_by(OfferVersion.id)).all()
    assert kinds == ["price_change"]
    assert [(v.sku, v.valid_from, v.valid_to) for v in versions] == [
        ("cx22", T0 + timedelta(hours=2), now),
        ("cx32", T0 + timedelta(hours=2), None),
        ("cx22", now, None),
    ]

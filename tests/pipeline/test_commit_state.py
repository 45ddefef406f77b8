"""``commit_run``'s last write: the source's state, its merged validators and its lease, in one UPDATE."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from tests.pipeline.conftest import T0, catalogue, item, toy_spec

from veille.collect import lease
from veille.collect.commit import commit_run
from veille.settings import Settings
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request
from veille.store.models import SourceRun, SourceState
from veille.workspace import Workspace


def _fetched(url: str, body: bytes, etag: str) -> FetchResult:
    page = Page(
        url=url,
        status=200,
        headers={"etag": etag},
        fetched_at=T0,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        request=Request(url),
        body=body,
    )
    return FetchResult(pages=[page], validators={url: {"etag": etag}})


def _start(ws: Workspace, source_id: str) -> tuple[str, int]:
    token = lease.acquire(ws.store, source_id)
    assert token is not None
    with ws.store.session() as s:
        run = SourceRun(source_id=source_id, started_at=T0, status="running", observations=0, events=0)
        s.add(run)
        s.flush()
        return token, run.id


def test_state_validators_cadence_and_lease(tmp_path: Any, toy_registry: Any) -> None:
    ws = Workspace(Settings(home=tmp_path / "ws"))
    ws.init_store()
    spec = toy_spec()
    token, run_id = _start(ws, spec.id)
    with ws.store.session() as s:
        st = s.get(SourceState, spec.id)
        assert st is not None
        st.cadence_seconds = 600  # an operator's cadence wins over the source's hour
        st.validators = {"https://other.example/": {"etag": '"o"'}}
        st.consecutive_failures, st.last_error = 2, "earlier failure"
    body = catalogue(item("cx11", "0.0050"))
    result = commit_run(ws, spec, run_id, token, _fetched(spec.url, body, '"v1"'), T0)
    assert result.status == "ok"
    with ws.store.session() as s:
        st = s.get(SourceState, spec.id)
        assert st is not None
        assert (st.last_status, st.last_error, st.consecutive_failures) == ("ok", None, 0)
        assert st.last_run_at is not None and st.last_run_at.replace(tzinfo=None) == T0.replace(tzinfo=None)
        assert st.next_run_at - st.last_run_at == timedelta(seconds=600)
        assert st.validators == {"https://other.example/": {"etag": '"o"'}, spec.url: {"etag": '"v1"'}}
        assert (st.running_token, st.running_since) == (None, None)
        assert s.get(SourceRun, run_id).status == "ok"

    # a run whose lease was taken over (it expired) writes its outcome but leaves the new holder's lease
    token, run_id = _start(ws, spec.id)
    with ws.store.session() as s:
        st = s.get(SourceState, spec.id)
        assert st is not None
        st.running_token = "someone-else"
    result = commit_run(ws, spec, run_id, token, FetchResult(not_modified=True), T0 + timedelta(hours=1))
    assert result.status == "unchanged"
    with ws.store.session() as s:
        st = s.get(SourceState, spec.id)
        assert st is not None
        assert (st.last_status, st.running_token) == ("unchanged", "someone-else")
        assert st.running_since is not None
        assert st.validators == {"https://other.example/": {"etag": '"o"'}, spec.url: {"etag": '"v1"'}}

"""Workers on Procrastinate (PostgreSQL): queued once, run once, a dead worker's job run again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, text
from tests.conftest import _postgres_database
from tests.watch.conftest import price_list, spec

from veille.act.rules import ensure_defaults
from veille.settings import Settings
from veille.sources import _registry
from veille.store.models import EventRow, OfferVersion, SourceRun
from veille.workspace import Workspace

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ws(
    tmp_path: Any, httpserver: HTTPServer, parser_registered: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Workspace]:
    gen = _postgres_database()
    url = next(gen)
    base = httpserver.url_for("/").rstrip("/")
    url_map = {f"https://{h}.prices.test": base for h in "abc"}
    w = Workspace(Settings(home=tmp_path / "ws", database_url=url, http_retries=0, url_map=url_map))
    w.init_store()
    with w.store.session() as session:
        ensure_defaults(session)
    for n in range(3):
        s = spec(n, host="abc"[n])
        monkeypatch.setitem(_registry._SOURCES, s.id, s)
        httpserver.expect_request(f"/p/{n}").respond_with_data(price_list(cx22="0.0060", cx32=f"0.01{n}"))
    yield w
    w.store.dispose()
    next(gen, None)


def _specs() -> list[Any]:
    return [_registry._SOURCES[f"watch.s{n}"] for n in range(3)]


def _jobs(ws: Workspace) -> list[tuple[str, str, str]]:
    with ws.store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT queueing_lock, queue_name, status FROM procrastinate_jobs ORDER BY id")
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def _schedule_and_work(ws: Workspace, count: int = 3) -> None:
    from veille.watch.tasks import make_app, run_scheduler, worker_options

    app = make_app(ws)
    await run_scheduler(ws, app, specs=_specs()[:count], passes=1)
    async with app.open_async():
        options = worker_options(ws, None, 2)
        options.update(wait=False, install_signal_handlers=False)
        await app.run_worker_async(**options)


def test_due_sources_are_queued_once_and_run_by_a_worker(pg_ws: Workspace) -> None:
    from veille.watch.tasks import ensure_queue_schema, make_app, run_scheduler

    assert ensure_queue_schema(pg_ws) is True and ensure_queue_schema(pg_ws) is False
    passes: list[Any] = []
    asyncio.run(
        run_scheduler(pg_ws, make_app(pg_ws), specs=_specs(), passes=2, tick=0.01, on_pass=passes.append)
    )
    assert sorted(passes[0].queued) == ["watch.s0", "watch.s1", "watch.s2"]
    assert passes[1].queued == [] and sorted(passes[1].waiting) == ["watch.s0", "watch.s1", "watch.s2"]
    assert sorted(_jobs(pg_ws)) == [(f"watch.s{n}", "sources", "todo") for n in range(3)]
    asyncio.run(_schedule_and_work(pg_ws))
    with pg_ws.store.session() as session:
        runs = session.execute(select(SourceRun.source_id, SourceRun.status)).all()
        versions = session.scalar(select(func.count()).select_from(OfferVersion))
    assert sorted(runs) == [(f"watch.s{n}", "ok") for n in range(3)]
    assert versions == 6
    assert _jobs(pg_ws) == []  # finished jobs are deleted
    asyncio.run(_schedule_and_work(pg_ws))  # nothing is due an hour before its cadence
    with pg_ws.store.session() as session:
        assert session.scalar(select(func.count()).select_from(SourceRun)) == 3


def test_a_silent_workers_job_is_queued_again_and_runs_once(pg_ws: Workspace) -> None:
    from veille.watch.tasks import ensure_queue_schema, make_app, requeue_stalled, run_scheduler

    ensure_queue_schema(pg_ws)
    asyncio.run(run_scheduler(pg_ws, make_app(pg_ws), specs=_specs()[:1], passes=1))
    with pg_ws.store.engine.begin() as conn:  # a worker took the job, then died: its heartbeat stopped
        worker = conn.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour') RETURNING id"
            )
        ).scalar()
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": worker})

    async def requeue() -> int:
        app = make_app(pg_ws)
        async with app.open_async():
            return await requeue_stalled(app, 30)

    assert asyncio.run(requeue()) == 1
    assert [status for _, _, status in _jobs(pg_ws)] == ["todo"]
    asyncio.run(_schedule_and_work(pg_ws, 1))
    with pg_ws.store.session() as session:
        assert session.scalar(select(func.count()).select_from(SourceRun)) == 1
        assert session.scalar(select(func.count()).select_from(OfferVersion)) == 2
    with pg_ws.store.engine.begin() as conn:  # due again: the same answer stores nothing and raises nothing
        conn.execute(text("UPDATE source_state SET last_run_at = last_run_at - interval '2 hours'"))
    asyncio.run(_schedule_and_work(pg_ws, 1))
    with pg_ws.store.session() as session:
        assert session.scalar(select(func.count()).select_from(SourceRun)) == 2
        assert session.scalar(select(func.count()).select_from(OfferVersion)) == 2
        assert (
            session.scalar(select(func.count()).select_from(EventRow).where(EventRow.kind == "price_change"))
            == 0
        )


def test_heavy_catalogues_go_to_their_own_queue() -> None:
    from veille.watch.tasks import HEAVY_QUEUE, LIGHT_QUEUE, queue_of

    assert queue_of(spec(1, streaming=True)) == HEAVY_QUEUE
    assert queue_of(spec(2, kind="incidents")) == LIGHT_QUEUE
    assert queue_of(spec(3)) == LIGHT_QUEUE


def test_worker_refuses_a_sqlite_workspace_and_an_unknown_queue(cli: Any, tmp_path: Any) -> None:
    assert cli("--home", tmp_path / "ws", "init")[0] == 0
    code, _, err = cli("--home", tmp_path / "ws", "worker")
    assert code == 1 and "workers need a PostgreSQL workspace" in err
    code, _, err = cli("--home", tmp_path / "ws", "worker", "--queue", "fast")
    assert code == 1 and "unknown queue 'fast'" in err


def test_a_busy_source_is_retried_not_skipped(pg_ws: Workspace) -> None:
    from veille.collect import lease
    from veille.watch.tasks import ensure_queue_schema

    ensure_queue_schema(pg_ws)
    token = lease.acquire(pg_ws.store, "watch.s0")  # a live process (this one) holds it
    assert token is not None
    asyncio.run(_schedule_and_work(pg_ws, 1))
    with pg_ws.store.engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, attempts, scheduled_at > now() FROM procrastinate_jobs")
        ).one()
    assert tuple(row) == ("todo", 1, True)  # waiting for its retry, not finished
    lease.release_now(pg_ws.store, "watch.s0", token)
    with pg_ws.store.engine.begin() as conn:
        conn.execute(text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
    asyncio.run(_schedule_and_work(pg_ws, 1))
    assert _jobs(pg_ws) == []
    with pg_ws.store.session() as session:
        assert session.execute(select(SourceRun.source_id, SourceRun.status)).all() == [("watch.s0", "ok")]


def test_a_worker_keeps_one_fetcher_for_all_its_jobs(
    pg_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building a fetcher (its TLS context) per job cost most of a worker's CPU: one per worker."""
    from veille.watch import tasks

    built: list[Any] = []
    real = tasks.shared_fetcher
    monkeypatch.setattr(tasks, "shared_fetcher", lambda ws: built.append(ws) or real(ws))
    tasks.ensure_queue_schema(pg_ws)
    asyncio.run(_schedule_and_work(pg_ws, 3))
    assert len(built) == 1
    with pg_ws.store.session() as session:
        assert session.scalar(select(func.count()).select_from(SourceRun)) == 3

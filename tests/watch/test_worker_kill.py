"""A worker SIGKILLed in the middle of a cycle (PostgreSQL workspace, Procrastinate queue).

The demo's fifteen real sources are served on loopback in their three weekly states. For each state the
scheduler queues every source, two ``veille worker`` processes take the jobs, and one of them is killed
once it has started runs. Its jobs go back to the queue when its heartbeat stops, and the survivor runs
them (the dead worker's leases are taken over at once: same machine, process gone). Afterwards: every
source ran in every state, no event of a run without kills is missing, no alert was written twice, and
no run is left ``running``.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from tests.conftest import _postgres_database
from tests.watch.test_kills import (
    VEILLE,
    Demo,
    a_week_passes,
    assert_nothing_lost_nor_sent_twice,
    demo,
    reference,
    run_count,
)

from veille.act.rules import ensure_defaults
from veille.demo import scenario
from veille.settings import Settings
from veille.store.models import SourceRun
from veille.watch.tasks import ensure_queue_schema, make_app, requeue_stalled, run_scheduler
from veille.workspace import Workspace

pytestmark = pytest.mark.postgres
__all__ = ["demo"]  # the fixture, imported from the kill test
STALLED_AFTER = 8.0  # seconds without a heartbeat (workers send one every 5 s)


@pytest.fixture
def pg_url() -> Iterator[str]:
    gen = _postgres_database()
    yield next(gen)
    next(gen, None)


def _workspace(demo: Demo, home: Path, url: str) -> Workspace:
    ws = Workspace(Settings(database_url=url, **demo.settings(home)))
    ws.init_store()
    with ws.store.session() as session:
        ensure_defaults(session)
    ensure_queue_schema(ws)
    return ws


def _jobs_left(ws: Workspace) -> int:
    with ws.store.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
            ).scalar()
            or 0
        )


async def _requeue(ws: Workspace) -> int:
    app = make_app(ws)
    async with app.open_async():
        return await requeue_stalled(app, STALLED_AFTER)


def _workers(demo: Demo, home: Path, url: str, log: Path) -> list[subprocess.Popen[bytes]]:
    env = {**demo.env(home), "VEILLE_DATABASE_URL": url, "VEILLE_HTTP_DEADLINE": "10"}
    return [
        subprocess.Popen(
            [*VEILLE, "worker", "--concurrency", "2"],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]


def _one_cycle(ws: Workspace, demo: Demo, home: Path, url: str, log: Path) -> tuple[int, int]:
    """Queue every source, start two workers, SIGKILL one mid-cycle, let the other finish.

    Returns the runs added and the jobs given back to the queue."""
    before = run_count(ws)
    asyncio.run(run_scheduler(ws, make_app(ws), specs=list(demo.specs.values()), passes=1))
    assert _jobs_left(ws) == len(demo.specs)
    workers = _workers(demo, home, url, log)
    try:
        deadline = time.monotonic() + 60
        while run_count(ws) - before < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        deadline = time.monotonic() + 120
        requeued = 0
        while _jobs_left(ws) and time.monotonic() < deadline:
            requeued += asyncio.run(_requeue(ws))
            time.sleep(0.5)
        assert _jobs_left(ws) == 0, log.read_text()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=90)
    return run_count(ws) - before, requeued


def test_a_killed_workers_sources_complete_on_the_other(demo: Demo, tmp_path: Path, pg_url: str) -> None:
    expected = reference(demo, tmp_path / "reference")
    home = tmp_path / "workers"
    ws = _workspace(demo, home, pg_url)
    requeued = 0
    for step in range(scenario.STEPS):
        demo.serve(step)
        if step:
            a_week_passes(ws)
        with ws.store.session() as session:
            first = session.scalar(select(func.max(SourceRun.id))) or 0
        runs, given_back = _one_cycle(ws, demo, home, pg_url, tmp_path / "workers.log")
        assert runs >= len(demo.specs)
        requeued += given_back
        with ws.store.session() as session:  # every source finished a run in this cycle
            ran = session.scalars(
                select(SourceRun.source_id).where(
                    SourceRun.id > first, SourceRun.status.in_(("ok", "unchanged", "failed", "suspect"))
                )
            ).all()
        assert set(ran) == set(demo.specs)
    assert requeued >= 1  # the killed worker had jobs in hand, and another ran them
    assert_nothing_lost_nor_sent_twice(ws, expected, home)
    ws.store.dispose()

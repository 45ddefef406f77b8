"""Leases with a holder and a heartbeat: a gone holder's lease is taken at once, a live one's is busy.

The holders are real processes (a child that is killed, this test process) or a holder on another
machine whose heartbeat stopped; the sources run over loopback.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, update

from veille.collect import lease, run_sources
from veille.store.models import SourceRun, SourceState
from veille.watch import ManualClock, Scheduler
from veille.workspace import Workspace

from .conftest import T0, price_list, spec


def hold(ws: Workspace, source_id: str, holder: str, beat: datetime, *, run: bool = True) -> None:
    """A lease left by ``holder`` (last heartbeat at ``beat``), with its run still ``running``."""
    with ws.store.session() as session:
        lease.state(session, source_id)
        session.execute(
            update(SourceState)
            .where(SourceState.source_id == source_id)
            .values(running_token="left", running_since=beat, running_holder=holder, running_heartbeat=beat)
        )
        if run:
            session.add(
                SourceRun(source_id=source_id, started_at=T0, status="running", observations=0, events=0)
            )


def lease_of(ws: Workspace, source_id: str) -> tuple[str | None, str | None]:
    with ws.store.session() as session:
        row = session.get(SourceState, source_id)
        assert row is not None
        return row.running_token, row.running_holder


def run_statuses(ws: Workspace) -> list[tuple[str, str]]:
    with ws.store.session() as session:
        return [(r.status, r.error or "") for r in session.scalars(select(SourceRun).order_by(SourceRun.id))]


@pytest.fixture
def child() -> Any:
    """A live process of this machine, as a lease holder (``host:pid:start``)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    info = lease._proc(proc.pid)
    assert info is not None
    yield proc, f"{lease.machine()}:{proc.pid}:{info[1]}"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_live_holder_keeps_its_lease_and_a_dead_one_loses_it_at_once(ws: Workspace, child: Any) -> None:
    proc, holder = child
    hold(ws, "watch.s1", holder, datetime.now(UTC) - timedelta(hours=1))
    assert lease.holder_alive(holder) is True
    # alive on this machine: busy, even with a late heartbeat (a long transaction elsewhere may block it)
    assert lease.acquire(ws.store, "watch.s1") is None
    proc.kill()
    proc.wait()
    assert lease.holder_alive(holder) is False
    token = lease.acquire(ws.store, "watch.s1")  # no need to wait for any timeout
    assert token is not None and lease_of(ws, "watch.s1") == (token, lease.holder())
    [(status, error)] = run_statuses(ws)
    assert status == "abandoned" and "taken over" in error


def test_a_recycled_pid_is_not_the_holder(ws: Workspace) -> None:
    """Same host and pid (this process) but another start time: the holder that took the lease is gone."""
    me = lease.holder()
    impostor = me.rsplit(":", 1)[0] + ":1"
    assert lease.holder_alive(me) is True and lease.holder_alive(impostor) is False
    hold(ws, "watch.s1", impostor, datetime.now(UTC), run=False)
    assert lease.acquire(ws.store, "watch.s1") is not None


def test_a_holder_elsewhere_loses_its_lease_when_its_heartbeat_stops(ws: Workspace) -> None:
    elsewhere = "another-machine.example:4242:99"
    assert lease.holder_alive(elsewhere) is None  # cannot be checked from here
    now = datetime.now(UTC)
    hold(ws, "watch.s1", elsewhere, now - timedelta(seconds=30), run=False)
    assert lease.acquire(ws.store, "watch.s1", stale_after=90) is None  # beat 30 s ago: alive
    hold(ws, "watch.s2", elsewhere, now - timedelta(seconds=120))
    assert lease.acquire(ws.store, "watch.s2", stale_after=90) is not None  # silent for 2 minutes
    assert run_statuses(ws)[0][0] == "abandoned"


def test_keep_alive_refreshes_the_heartbeat_of_this_process_leases(ws: Workspace) -> None:
    token = lease.acquire(ws.store, "watch.s1")
    assert token is not None
    old = datetime.now(UTC) - timedelta(hours=1)
    with ws.store.session() as session:
        session.execute(update(SourceState).values(running_heartbeat=old))

    def beat() -> datetime | None:
        with ws.store.session() as session:
            return session.scalar(select(SourceState.running_heartbeat))

    with lease.keep_alive(ws.store, stale_after=0.2):
        deadline = time.monotonic() + 30
        while (beat() or old) <= old and time.monotonic() < deadline:
            time.sleep(0.02)
    assert (beat() or old) > old
    # a process elsewhere (which cannot see whether this one lives) now finds it busy
    assert lease.acquire(ws.store, "watch.s1", stale_after=90) is None
    lease.release_now(ws.store, "watch.s1", token)
    assert lease_of(ws, "watch.s1") == (None, None)


def test_run_sources_takes_a_dead_holders_lease_and_reports_a_live_ones_busy(
    ws: Workspace, httpserver: HTTPServer, child: Any
) -> None:
    _, holder = child
    for n in (1, 2):
        httpserver.expect_request(f"/p/{n}").respond_with_data(price_list(cx22="0.0060"))
    gone = f"{lease.machine()}:{2**22 + 7}:1"  # above the kernel's largest pid: never alive
    hold(ws, "watch.s1", gone, datetime.now(UTC))
    hold(ws, "watch.s2", holder, datetime.now(UTC), run=False)
    summary = run_sources(ws, [spec(1), spec(2)])
    assert {r.source_id: r.status for r in summary.results} == {"watch.s1": "ok", "watch.s2": "busy"}
    assert lease_of(ws, "watch.s1") == (None, None) and lease_of(ws, "watch.s2") == ("left", holder)


def test_the_scheduler_claims_a_dead_holders_lease(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"))
    hold(ws, "watch.s1", f"{lease.machine()}:{2**22 + 7}:1", datetime.now(UTC))
    report = asyncio.run(Scheduler(ws, clock=ManualClock(T0), specs=[spec(1)]).run_cycle())
    assert [r.status for r in report.results] == ["ok"]
    assert [s for s, _ in run_statuses(ws)] == ["abandoned", "ok"]
    assert lease_of(ws, "watch.s1") == (None, None)

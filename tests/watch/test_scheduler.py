"""The scheduler in manual time: what is due, back-off, bounds, no double runs, clean stops."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from veille import plan
from veille.collect import RunResult
from veille.sources._registry import SourceSpec
from veille.store.models import Action, Alert, AlertRule, EventRow, SourceRun, SourceState
from veille.watch import ManualClock, Scheduler, retry_delay
from veille.workspace import Workspace

from .conftest import T0, price_list, spec


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_due_runs_then_waits_for_its_cadence(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"))
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    assert [s.id for s in sched.due()] == ["watch.s1"]  # never ran: due now
    report = run(sched.run_cycle())
    assert [r.status for r in report.results] == ["ok"]
    assert sched.due() == []
    clock.advance(timedelta(minutes=59))
    assert sched.due() == []
    clock.advance(timedelta(minutes=1))
    assert [s.id for s in sched.due()] == ["watch.s1"]
    with ws.store.session() as session:
        state = session.get(SourceState, "watch.s1")
        assert state is not None and state.last_run_at == T0 and state.next_run_at == T0 + timedelta(hours=1)


def test_plan_overrides_change_the_cadence(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"))
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    with ws.store.session() as session:
        plan.set_override(session, scope="competitor", key="hetzner", every=timedelta(minutes=10))
    run(sched.run_cycle())
    clock.advance(timedelta(minutes=10))
    assert [s.id for s in sched.due()] == ["watch.s1"]
    with ws.store.session() as session:
        plan.set_override(
            session, scope="source", key="watch.s1", every=timedelta(minutes=1)
        )  # floored at 5 min
    clock.advance(timedelta(minutes=-6))
    assert sched.due() == []
    clock.advance(timedelta(minutes=1))
    assert [s.id for s in sched.due()] == ["watch.s1"]


def test_failures_back_off_exponentially_up_to_six_hours(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data("oops", status=500)
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    for failures in (1, 2, 3):
        report = run(sched.run_cycle())
        assert [r.status for r in report.results] == ["failed"]
        with ws.store.session() as session:
            state = session.get(SourceState, "watch.s1")
            assert state is not None and state.consecutive_failures == failures
            assert state.next_run_at == clock.now() + retry_delay(failures)
        clock.advance(retry_delay(failures) - timedelta(seconds=1))
        assert sched.due() == []
        clock.advance(timedelta(seconds=1))
    assert [retry_delay(n) for n in (1, 2, 3, 4, 30)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40), timedelta(hours=6),
    ]  # fmt: skip
    with ws.store.session() as session:  # the third failure in a row reached the ops route
        alerts = session.scalars(select(Alert).where(Alert.channel == "ops")).all()
        assert [a.rule for a in alerts] == ["source-health"] and alerts[0].status == "sent"


def test_a_failing_source_never_stops_the_others(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data("<html>not json</html>")
    httpserver.expect_request("/p/2").respond_with_data(price_list(cx22="0.0060"))

    async def exploding(workspace: Workspace, s: SourceSpec, **kw: Any) -> Any:
        if s.id == "watch.s3":
            raise RuntimeError("bug in a runner")
        from veille.collect import run_source

        return await run_source(workspace, s, **kw)

    sched = Scheduler(ws, clock=ManualClock(T0), specs=[spec(1), spec(2), spec(3)], runner=exploding)
    report = run(sched.run_cycle())
    assert {r.source_id: r.status for r in report.results} == {
        "watch.s1": "failed",
        "watch.s2": "ok",
        "watch.s3": "failed",
    }


def test_bounded_globally_and_per_host(ws: Workspace) -> None:
    running: Counter[str] = Counter()
    peaks: Counter[str] = Counter()
    order: list[str] = []

    async def slow(workspace: Workspace, s: SourceSpec, **kw: Any) -> RunResult:
        host = s.url.split("/")[2]
        running[host] += 1
        running["*"] += 1
        order.append(s.id)
        peaks[host] = max(peaks[host], running[host])
        peaks["*"] = max(peaks["*"], running["*"])
        await asyncio.sleep(0.01)
        running[host] -= 1
        running["*"] -= 1
        return RunResult(s.id, "ok")

    specs = [spec(n, "a") for n in range(10)] + [spec(n, "b") for n in range(10, 13)] + [spec(13, "c")]
    sched = Scheduler(
        ws, clock=ManualClock(T0), specs=specs, runner=slow, concurrency=5, per_host=2, dispatch=False
    )
    report = run(sched.run_cycle())
    assert len(report.results) == 14 and all(r.status == "ok" for r in report.results)
    assert peaks["a.prices.test"] == 2 and peaks["b.prices.test"] == 2 and peaks["*"] == 5
    assert "watch.s13" in order[:5]  # host c was not kept waiting behind host a


def test_two_schedulers_on_one_database_never_run_a_source_twice(
    any_ws: Workspace, httpserver: HTTPServer
) -> None:
    ws = any_ws
    hits: Counter[str] = Counter()
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            hits[request.path] += 1
        time.sleep(0.1)
        return Response(price_list(cx22="0.0060"), content_type="application/json")

    for n in range(4):
        httpserver.expect_request(f"/p/{n}").respond_with_handler(handler)
    specs = [spec(n) for n in range(4)]
    clock = ManualClock(T0)
    first = Scheduler(ws, clock=clock, specs=specs, per_host=4)
    second = Scheduler(Workspace(ws.settings), clock=clock, specs=specs, per_host=4)

    async def both() -> list[Any]:
        return list(await asyncio.gather(first.run_cycle(), second.run_cycle()))

    reports = run(both())
    statuses = Counter(r.status for rep in reports for r in rep.results)
    assert statuses == {"ok": 4, "busy": 4}
    assert hits == {f"/p/{n}": 1 for n in range(4)}
    with ws.store.session() as session:
        assert session.scalar(select(func.count()).select_from(SourceRun)) == 4


def test_stop_lets_running_sources_finish_and_starts_no_more(ws: Workspace) -> None:
    started: list[str] = []

    async def slow(workspace: Workspace, s: SourceSpec, **kw: Any) -> RunResult:
        started.append(s.id)
        await asyncio.sleep(0.05)
        return RunResult(s.id, "ok")

    sched = Scheduler(
        ws, clock=ManualClock(T0), specs=[spec(n) for n in range(6)], runner=slow, concurrency=2, per_host=2
    )

    async def stop_soon() -> list[Any]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, sched.request_stop)
        return await sched.run(handle_signals=False)

    reports = run(stop_soon())
    assert Counter(r.status for rep in reports for r in rep.results) == {"ok": 2, "stopped": 4}
    assert len(started) == 2


def test_a_second_stop_abandons_running_sources(ws: Workspace) -> None:
    async def endless(workspace: Workspace, s: SourceSpec, **kw: Any) -> RunResult:
        await asyncio.sleep(30)
        return RunResult(s.id, "ok")

    sched = Scheduler(ws, clock=ManualClock(T0), specs=[spec(1)], runner=endless)

    async def stop_twice() -> list[Any]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, sched.request_stop)
        loop.call_later(0.04, sched.request_stop)
        return await sched.run(handle_signals=False)

    reports = run(stop_twice())
    assert [r.status for rep in reports for r in rep.results] == ["abandoned"]


def test_the_loop_sleeps_until_the_next_due_source(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"))
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1, cadence=timedelta(hours=2))], max_idle=3600)
    launches: list[Any] = []
    sched.progress = lambda stage, s, result: launches.append(clock.now()) if stage == "start" else None
    reports = run(sched.run(max_cycles=8, handle_signals=False))
    # starts at 0; waits at most max_idle (an hour) at a time; starts again when due, at 2 h and 4 h
    assert len(launches) >= 3
    assert [at - T0 for at in launches] == [timedelta(hours=2 * n) for n in range(len(launches))]
    assert all(r.status == "ok" for rep in reports for r in rep.results)


def test_recover_frees_the_leases_of_a_dead_process(ws: Workspace) -> None:
    from datetime import UTC, datetime

    wall = datetime.now(UTC)
    from veille.collect.lease import machine

    dead = f"{machine()}:{2**22 + 7}:123"  # a pid above the kernel's maximum
    with ws.store.session() as session:
        session.add(
            SourceState(source_id="watch.s1", consecutive_failures=0, running_since=wall, running_token="t",
                        running_holder=dead, running_heartbeat=wall)
        )  # fmt: skip
        session.add(
            SourceRun(source_id="watch.s1", started_at=T0, status="running", observations=0, events=0)
        )
    sched = Scheduler(ws, clock=ManualClock(T0), specs=[spec(1)])
    assert sched.recover() == ["watch.s1"]
    with ws.store.session() as session:
        state = session.get(SourceState, "watch.s1")
        assert state is not None and state.running_token is None and state.running_holder is None
        run_row = session.scalars(select(SourceRun)).one()
        assert run_row.status == "abandoned" and (run_row.error or "").startswith("abandoned")
    assert sched.recover() == []


def test_events_alerts_and_actions_flow_end_to_end(any_ws: Workspace, httpserver: HTTPServer) -> None:
    ws = any_ws
    httpserver.expect_ordered_request("/p/1").respond_with_data(price_list(cx22="0.0060", cx32="0.0100"))
    httpserver.expect_ordered_request("/p/1").respond_with_data(price_list(cx22="0.0066", cx32="0.0101"))
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    run(sched.run_cycle())
    clock.advance(timedelta(hours=1))
    report = run(sched.run_cycle())
    with ws.store.session() as session:
        changes = session.scalars(select(EventRow).where(EventRow.kind == "price_change")).all()
        assert len(changes) == 2
        alerts = session.scalars(select(Alert)).all()
    # cx22 moved +10%: alerted; cx32 moved +1%: below the 5% threshold
    assert [a.payload["data"]["offer"]["sku"] for a in alerts if a.rule == "prices"] == ["cx22"]
    with ws.store.session() as session:
        assert {a.kind for a in session.scalars(select(Action))} == {"price_review"}
    assert report.alerts_sent >= 1
    lines = (ws.home / "alerts.jsonl").read_text().splitlines()
    assert any('"rule":"prices"' in line for line in lines)


def test_a_failing_pass_is_retried_not_fatal(ws: Workspace, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"))
    errors: list[str] = []
    sched = Scheduler(ws, clock=ManualClock(T0), specs=[spec(1)], on_error=errors.append)
    real_due = sched.due
    calls = iter([RuntimeError("database is locked")])

    def flaky(now: Any = None) -> list[SourceSpec]:
        for exc in calls:
            raise exc
        return real_due(now)

    sched.due = flaky  # type: ignore[method-assign]
    run(sched.run(max_cycles=4, handle_signals=False))
    assert errors == ["RuntimeError: database is locked; retrying in 1 s"]
    assert sched.totals.runs["watch.s1"]["ok"] == 1


def test_next_run_follows_the_plan_cadence_for_changed_and_unchanged_pages(
    ws: Workspace, httpserver: HTTPServer
) -> None:
    """The claimed runs write their own next time: the plan's cadence (here a competitor override)."""
    httpserver.expect_request("/p/1").respond_with_data(price_list(cx22="0.0060"), headers={"ETag": '"a"'})
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    with ws.store.session() as session:
        plan.set_override(session, scope="competitor", key="hetzner", every=timedelta(minutes=10))
    assert [r.status for r in run(sched.run_cycle()).results] == ["ok"]
    with ws.store.session() as session:
        state = session.get(SourceState, "watch.s1")
        assert state is not None and state.next_run_at == T0 + timedelta(minutes=10)
    httpserver.clear()
    httpserver.expect_request("/p/1", headers={"If-None-Match": '"a"'}).respond_with_data("", status=304)
    clock.advance(timedelta(minutes=10))
    assert [r.status for r in run(sched.run_cycle()).results] == ["unchanged"]
    with ws.store.session() as session:
        state = session.get(SourceState, "watch.s1")
        assert state is not None and state.next_run_at == T0 + timedelta(minutes=20)


def test_a_pass_routes_with_the_rules_enabled_when_it_claimed_its_sources(
    ws: Workspace, httpserver: HTTPServer
) -> None:
    """The claim reads the enabled rules once for the runs it opens: a rule disabled before a pass alerts
    nobody in it, and the run still stores its event and its next conditional GET."""
    httpserver.expect_ordered_request("/p/1").respond_with_data(
        price_list(cx22="0.0060"), headers={"ETag": '"a"'}
    )
    httpserver.expect_ordered_request("/p/1", headers={"If-None-Match": '"a"'}).respond_with_data(
        price_list(cx22="0.0066"), headers={"ETag": '"b"'}
    )
    clock = ManualClock(T0)
    sched = Scheduler(ws, clock=clock, specs=[spec(1)])
    run(sched.run_cycle())
    with ws.store.session() as session:
        session.scalars(select(AlertRule).where(AlertRule.name == "prices")).one().enabled = False
    clock.advance(timedelta(hours=1))
    assert [r.status for r in run(sched.run_cycle()).results] == ["ok"]
    with ws.store.session() as session:
        assert session.scalar(select(func.count()).where(EventRow.kind == "price_change")) == 1
        assert [a.rule for a in session.scalars(select(Alert))] == []
        state = session.get(SourceState, "watch.s1")
        assert state is not None and state.validators is not None and '"b"' in str(state.validators)

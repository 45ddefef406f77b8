"""``veille watch`` as a real process: SIGKILL in the middle of a cycle loses nothing and sends nothing twice;
SIGTERM stops it cleanly.

The Vultr plan lists (``/v2/plans``, ``/v2/plans-metal``, their real format) are served over loopback
and the real sources are pointed there with ``VEILLE_URL_MAP``; the watch runs in accelerated time
(``--speed``) so the hourly sources come round every second.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from veille.act.channels import read_file_alerts
from veille.act.rules import ensure_defaults
from veille.settings import Settings
from veille.store.models import Alert, EventRow, SourceRun
from veille.workspace import Workspace

VEILLE = [sys.executable, "-m", "veille"]
SOURCES = ["--source", "vultr.plans", "--source", "vultr.metal"]
RAISED = {0, 3, 6, 9}  # plans whose price goes up 10% in the second state


def cost(i: int, raised: bool) -> tuple[str, str]:
    monthly = (5 + i) * (11 if raised else 10)  # tenths of a dollar
    return f"{monthly / 10:.2f}", f"{monthly / 10 / 730:.4f}"


def plans(state: str) -> bytes:
    items = []
    for i in range(12):
        monthly, hourly = cost(i, state == "B" and i in RAISED)
        items.append({
            "id": f"vc2-{i + 1}c-{2 * (i + 1)}gb", "vcpu_count": i + 1, "ram": 2048 * (i + 1), "disk": 25 * (i + 1),
            "bandwidth": 1024, "monthly_cost": float(monthly), "hourly_cost": float(hourly), "type": "vc2",
            "locations": ["fra", "ams"],
        })  # fmt: skip
    return orjson.dumps({"plans": items, "meta": {"total": len(items), "links": {"next": "", "prev": ""}}})


def metal(state: str) -> bytes:
    items = []
    for i in range(4):
        monthly = 120 + 40 * i + (12 + 4 * i if state == "B" and i % 2 == 0 else 0)
        items.append({
            "id": f"vbm-{4 * (i + 1)}c-{32 * (i + 1)}gb", "physical_cpus": 1, "cpu_count": 4 * (i + 1),
            "cpu_cores": 4 * (i + 1), "cpu_threads": 8 * (i + 1), "cpu_model": "E-2286G", "cpu_mhz": 4000,
            "ram": 32768 * (i + 1), "disk": 480, "disk_count": 2, "bandwidth": 5120, "monthly_cost": monthly,
            "hourly_cost": round(monthly / 730, 3), "type": "SSD", "locations": ["fra"],
        })  # fmt: skip
    return orjson.dumps(
        {"plans_metal": items, "meta": {"total": len(items), "links": {"next": "", "prev": ""}}}
    )


class Catalogue:
    """The loopback Vultr API: state A, then B; the first metal request in state B hangs until released."""

    def __init__(self) -> None:
        self.state = "A"
        self.metal_b_started = threading.Event()
        self.release_metal = threading.Event()

    def __call__(self, request: Request) -> Response:
        if request.path == "/v2/plans":
            return Response(plans(self.state), content_type="application/json")
        if self.state == "B" and not self.metal_b_started.is_set():
            self.metal_b_started.set()
            self.release_metal.wait(30)
        return Response(metal(self.state), content_type="application/json")


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded loopback server: one request may hang while the others are answered."""
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    if httpserver.is_running():
        httpserver.stop()


@pytest.fixture
def setup(tmp_path: Path, server: HTTPServer) -> Iterator[tuple[Workspace, dict[str, str], Catalogue]]:
    httpserver = server
    catalogue = Catalogue()
    httpserver.expect_request("/v2/plans").respond_with_handler(catalogue)
    httpserver.expect_request("/v2/plans-metal").respond_with_handler(catalogue)
    home = tmp_path / "ws"
    env = {
        **os.environ,
        "VEILLE_HOME": str(home),
        "VEILLE_DATABASE_URL": "",
        "VEILLE_URL_MAP": orjson.dumps(
            {"https://api.vultr.com": httpserver.url_for("/").rstrip("/")}
        ).decode(),
        "VEILLE_HTTP_RETRIES": "0",
        "COLUMNS": "200",
    }
    ws = Workspace(Settings(home=home, database_url=None))
    ws.init_store()
    with ws.store.session() as session:
        ensure_defaults(session)
    yield ws, env, catalogue
    catalogue.release_metal.set()


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*VEILLE, "watch", *SOURCES, "--speed", "3600"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(
    what: str, check: Callable[[], Any], proc: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            pytest.fail(
                f"veille watch exited ({proc.returncode}) while waiting for {what}:\n{log.read_text()}"
            )
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")


def ok_runs(ws: Workspace, source_id: str) -> int:
    with ws.store.session() as session:
        query = (
            select(func.count())
            .select_from(SourceRun)
            .where(SourceRun.source_id == source_id, SourceRun.status == "ok")
        )
        return int(session.scalar(query) or 0)


def price_changes(ws: Workspace) -> list[EventRow]:
    with ws.store.session() as session:
        return list(session.scalars(select(EventRow).where(EventRow.kind == "price_change")))


def test_sigkill_mid_cycle_then_restart_loses_nothing_and_sends_nothing_twice(
    setup: Any, tmp_path: Path
) -> None:
    ws, env, catalogue = setup
    log = tmp_path / "watch.log"
    first = start(env, log)
    try:
        wait_for(
            "the first state",
            lambda: ok_runs(ws, "vultr.plans") >= 1 and ok_runs(ws, "vultr.metal") >= 1,
            first,
            log,
        )
        catalogue.state = "B"
        wait_for(
            "plans stored in state B while metal is in flight",
            lambda: (
                catalogue.metal_b_started.is_set() and ok_runs(ws, "vultr.plans") >= 2 and price_changes(ws)
            ),
            first,
            log,
        )
        # metal's state-B request is held by the server: that run is in the middle of its fetch
        assert not any(e.data["offer"]["sku"].startswith("vbm-") for e in price_changes(ws))
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    catalogue.release_metal.set()

    expected_plans = {(f"vc2-{i + 1}c-{2 * (i + 1)}gb", loc) for i in RAISED for loc in ("fra", "ams")}
    expected_metal = {(f"vbm-{4 * (i + 1)}c-{32 * (i + 1)}gb", "fra") for i in (0, 2)}
    expected = expected_plans | expected_metal

    def seen() -> set[tuple[str, str]]:
        return {(e.data["offer"]["sku"], e.data["offer"]["region"]) for e in price_changes(ws)}

    def all_alerted() -> bool:
        lines = read_file_alerts(ws.home / "alerts.jsonl")
        return seen() == expected and {line["event_id"] for line in lines if line["rule"] == "prices"} == {
            e.id for e in price_changes(ws)
        }

    second = start(env, log)
    try:
        wait_for("every change detected and alerted after the restart", all_alerted, second, log)
        time.sleep(1.5)  # a few more accelerated cycles: nothing new may appear, nothing may be re-sent
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, log.read_text()
    finally:
        if second.poll() is None:
            second.kill()

    assert seen() == expected
    events = price_changes(ws)
    assert len(events) == len(expected)  # each change recorded once
    lines = read_file_alerts(ws.home / "alerts.jsonl")
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)), "an alert was written twice"
    per_event = Counter(line["event_id"] for line in lines if line["rule"] == "prices")
    assert per_event == {e.id: 1 for e in events}
    with ws.store.session() as session:
        assert set(session.scalars(select(Alert.status).where(Alert.rule == "prices"))) == {"sent"}
        abandoned = session.scalars(select(SourceRun).where(SourceRun.error.like("abandoned%"))).all()
    assert [r.source_id for r in abandoned] == [
        "vultr.metal"
    ]  # the run the kill interrupted, closed on restart
    output = log.read_text()
    assert "stopped:" in output and "vultr.metal" in output


def test_sigterm_stops_cleanly_between_cycles(setup: Any, tmp_path: Path) -> None:
    ws, env, _ = setup
    log = tmp_path / "watch.log"
    proc = start(env, log)
    try:
        wait_for("a first cycle", lambda: ok_runs(ws, "vultr.metal") >= 1, proc, log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with ws.store.session() as session:
        assert (
            session.scalar(select(func.count()).select_from(SourceRun).where(SourceRun.status == "running"))
            == 0
        )
    assert "stopped:" in log.read_text()

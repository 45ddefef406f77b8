"""Kills at random moments: SIGKILL and SIGTERM to ``veille watch --once`` and ``veille watch``.

The demo's fifteen real sources are served on loopback, in its three weekly states. For each state,
processes are started and killed at a seeded random moment (a random number of runs in, plus a
random delay: during start-up, mid-fetch, mid-store), then one clean ``--once`` pass follows.
Afterwards: that pass ran every source (none busy), SIGTERM always gave its leases back, no event of
a run without kills is missing (the events' dedup keys, their run times aside), no alert was written
twice, and SQLite's ``integrity_check`` says ``ok``.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, text

from veille.act.channels import read_file_alerts
from veille.act.outbox import dispatch
from veille.act.rules import ensure_defaults
from veille.collect import run_sources
from veille.demo import scenario, weeks
from veille.demo.server import DemoServer
from veille.settings import Settings
from veille.sources import get_source
from veille.sources._registry import SourceSpec
from veille.store.models import EventRow, SourceRun, SourceState
from veille.workspace import Workspace

VEILLE = [sys.executable, "-m", "veille"]
SEED = 20261208
KILLS_PER_STATE = 7  # 21 in all
ANSWER_DELAY = 0.05  # seconds each loopback answer takes, so that runs overlap and kills land mid-fetch
TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T[0-9:.+-]+)?|\d{4}-W\d{2}")  # run times inside dedup keys


class SlowDemoServer(DemoServer):
    def __init__(self) -> None:
        super().__init__()
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign, assignment]  # killed clients

    def _handler(self) -> Any:
        base = super()._handler()

        class Slow(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                time.sleep(ANSWER_DELAY)
                super().do_GET()

        return Slow


@dataclass
class Demo:
    server: DemoServer
    specs: dict[str, SourceSpec]
    times: list[datetime]
    tokens: dict[str, str]

    def serve(self, step: int) -> None:
        self.server.serve(scenario.state(step, self.times), self.specs, self.tokens)

    def settings(self, home: Path) -> dict[str, Any]:
        return {
            "home": home,
            "url_map": self.server.url_map(list(self.specs.values())),
            "http_retries": 0,
            **scenario.TOKENS,
        }

    def workspace(self, home: Path) -> Workspace:
        ws = Workspace(Settings(database_url=None, **self.settings(home)))
        ws.init_store()
        with ws.store.session() as session:
            ensure_defaults(session)
        return ws

    def env(self, home: Path) -> dict[str, str]:
        return {
            **os.environ,
            "VEILLE_HOME": str(home),
            "VEILLE_DATABASE_URL": "",
            "VEILLE_URL_MAP": orjson.dumps(self.server.url_map(list(self.specs.values()))).decode(),
            "VEILLE_HTTP_RETRIES": "0",
            "VEILLE_HETZNER_TOKEN": scenario.TOKENS["hetzner_token"],
            "VEILLE_DIGITALOCEAN_TOKEN": scenario.TOKENS["digitalocean_token"],
            "COLUMNS": "200",
        }


@pytest.fixture
def demo() -> Iterator[Demo]:
    server = SlowDemoServer()
    server.start()
    specs = {sid: get_source(sid) for sid in scenario.source_ids()}
    tokens = {
        "hetzner.server_types": scenario.TOKENS["hetzner_token"],
        "digitalocean.sizes": scenario.TOKENS["digitalocean_token"],
    }
    yield Demo(server, specs, weeks(), tokens)
    server.stop()


def event_keys(ws: Workspace) -> Counter[str]:
    with ws.store.session() as session:
        return Counter(TIME.sub("<t>", key) for key in session.scalars(select(EventRow.dedup_key)))


def run_count(ws: Workspace) -> int:
    with ws.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(SourceRun)) or 0)


def leases(ws: Workspace) -> list[tuple[str, str | None]]:
    with ws.store.session() as session:
        query = select(SourceState.source_id, SourceState.running_holder).where(
            SourceState.running_token.is_not(None)
        )
        return [(source_id, holder) for source_id, holder in session.execute(query)]


def reference(demo: Demo, home: Path) -> Counter[str]:
    """The events of the three states run once each, without kills (in this process)."""
    ws = demo.workspace(home)
    for step in range(scenario.STEPS):
        demo.serve(step)
        summary = run_sources(ws, list(demo.specs.values()))
        assert not [r for r in summary.results if r.status == "busy"]
        dispatch(ws.store, ws.home, datetime.now(UTC))
    keys = event_keys(ws)
    ws.store.dispose()
    return keys


def start(demo: Demo, home: Path, mode: str, log: Path) -> subprocess.Popen[bytes]:
    sources = [arg for sid in demo.specs for arg in ("--source", sid)]
    args = ["watch", "--once", *sources] if mode == "once" else ["watch", *sources]
    return subprocess.Popen(
        [*VEILLE, *args], env=demo.env(home), stdout=log.open("wb"), stderr=subprocess.PIPE
    )


def kill_at_random(
    ws: Workspace, demo: Demo, home: Path, rng: random.Random, log: Path
) -> tuple[str, int, int] | None:
    """Start a process and kill it at a random moment; (mode, signal, exit status), None if it ended first."""
    mode, sig = rng.choice(["once", "watch"]), rng.choice([signal.SIGKILL, signal.SIGTERM])
    runs_in, delay, twice = rng.randint(0, 12), rng.uniform(0, 0.4), rng.random() < 0.5
    if mode == "watch":
        a_week_passes(ws)  # so that it has every source to run
    before = run_count(ws)
    proc = start(demo, home, mode, log)
    try:
        deadline = time.monotonic() + 8
        while run_count(ws) - before < runs_in and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is not None:
            return None
        proc.send_signal(sig)
        if sig == signal.SIGTERM and mode == "watch" and twice:  # the second abandons the running runs
            time.sleep(0.05)
            if proc.poll() is None:
                proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = err.decode()
    assert "Traceback" not in stderr, stderr
    if sig == signal.SIGTERM:
        # every lease it held is given back (one killed by SIGKILL before may still hold some)
        assert not [s for s, holder in leases(ws) if holder and f":{proc.pid}:" in holder], stderr
        # -15: the signal came before its handlers were set (start-up) or after they were removed
        expected = {128 + sig, -sig} | ({0} if mode == "watch" else set())
        assert proc.returncode in expected, stderr
        if proc.returncode > 0:
            assert len([line for line in stderr.splitlines() if line.startswith("stopped by SIGTERM")]) == 1
    else:
        assert proc.returncode == -sig
    return mode, int(sig), proc.returncode


def clean_pass(ws: Workspace, demo: Demo, home: Path, log: Path) -> None:
    """A ``--once`` pass after the kills: every source runs, none is busy, nothing stays held."""
    proc = start(demo, home, "once", log)
    _, err = proc.communicate(timeout=120)
    output = log.read_text() + err.decode()
    assert proc.returncode == 0, output
    assert "busy" not in output, output
    assert f"{len(demo.specs)} source(s):" in output, output
    assert leases(ws) == []


def assert_nothing_lost_nor_sent_twice(ws: Workspace, expected: Counter[str], home: Path) -> None:
    """The events of a run without kills are all there (and no others but source failures), every
    alert was written once, and no run is left ``running``."""
    got = event_keys(ws)
    missing = set(expected) - set(got)
    assert not missing, f"events lost: {sorted(missing)}"
    extra = {key for key in set(got) - set(expected) if not key.startswith("source_failure:")}
    assert not extra, f"events that a run without kills does not find: {sorted(extra)}"
    lines = read_file_alerts(home / "alerts.jsonl")
    ids = [line["id"] for line in lines]
    assert lines and len(ids) == len(set(ids)), "an alert was written twice"
    assert len({(line["rule"], line["event_id"], line["channel"]) for line in lines}) == len(lines)
    with ws.store.session() as session:
        assert not session.scalar(
            select(func.count()).select_from(SourceRun).where(SourceRun.status == "running")
        )


def a_week_passes(ws: Workspace) -> None:
    """Every source falls due again for ``veille watch`` (its runs keep the wall clock's time)."""
    with ws.store.session() as session:
        for state in session.scalars(select(SourceState).where(SourceState.last_run_at.is_not(None))):
            state.last_run_at = (state.last_run_at or datetime.now(UTC)) - timedelta(days=7)
            state.next_run_at = None


def test_kills_at_random_moments_lose_nothing_and_leave_nothing_stuck(demo: Demo, tmp_path: Path) -> None:
    expected = reference(demo, tmp_path / "reference")
    home = tmp_path / "killed"
    ws = demo.workspace(home)
    rng = random.Random(SEED)
    kills: list[tuple[str, int, int]] = []
    for step in range(scenario.STEPS):
        demo.serve(step)
        for attempt in range(4 * KILLS_PER_STATE):
            if len(kills) >= KILLS_PER_STATE * (step + 1):
                break
            killed = kill_at_random(ws, demo, home, rng, tmp_path / f"kill-{step}-{attempt}.log")
            if killed is not None:
                kills.append(killed)
        clean_pass(ws, demo, home, tmp_path / f"clean-{step}.log")
    assert len(kills) >= 20
    assert {(mode, sig) for mode, sig, _ in kills} == {
        (mode, int(sig)) for mode in ("once", "watch") for sig in (signal.SIGKILL, signal.SIGTERM)
    }
    assert_nothing_lost_nor_sent_twice(ws, expected, home)
    with ws.store.session() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"

"""``veille watch --once`` and ``veille watch`` as real processes: SIGTERM gives every lease back and
exits 128 + 15 with one line; a source held by a live process makes ``--once`` exit 1 naming it.

The Vultr plan lists are served over loopback (``test_watch_process``); in state B the metal list
hangs, so a run is in the middle of its fetch when the signal comes.
"""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from veille.collect import lease
from veille.store.models import SourceRun, SourceState
from veille.workspace import Workspace

from . import test_watch_process as loopback
from .test_watch_process import SOURCES, VEILLE, ok_runs

server = loopback.server  # the fixtures of the loopback Vultr API, and a workspace pointed at it
setup = loopback.setup


def held_leases(ws: Workspace) -> list[str]:
    with ws.store.session() as session:
        return list(
            session.scalars(select(SourceState.source_id).where(SourceState.running_token.is_not(None)))
        )


def runs(ws: Workspace, status: str) -> list[str]:
    with ws.store.session() as session:
        return list(session.scalars(select(SourceRun.source_id).where(SourceRun.status == status)))


def wait_until(check: Any, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert proc.poll() is None, f"exited early ({proc.returncode})"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def signal_lines(stderr: bytes, sig: signal.Signals = signal.SIGTERM) -> list[str]:
    return [line for line in stderr.decode().splitlines() if line.startswith(f"stopped by {sig.name}")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_watch_once_mid_fetch_and_gives_every_lease_back(
    setup: Any, sig: signal.Signals
) -> None:
    ws, env, catalogue = setup
    catalogue.state = "B"  # the metal list hangs
    proc = subprocess.Popen(
        [*VEILLE, "watch", "--once", *SOURCES], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_until(lambda: catalogue.metal_b_started.is_set() and ok_runs(ws, "vultr.plans") == 1, proc)
        assert held_leases(ws) == ["vultr.metal"]
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig  # 143, 130
    [line] = signal_lines(err, sig)
    assert "1 run(s) abandoned" in line and "Traceback" not in err.decode()
    assert held_leases(ws) == [] and runs(ws, "running") == []
    assert runs(ws, "abandoned") == ["vultr.metal"]
    catalogue.release_metal.set()
    again = subprocess.run([*VEILLE, "watch", "--once", *SOURCES], env=env, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()
    assert ok_runs(ws, "vultr.metal") == 1 and ok_runs(ws, "vultr.plans") == 2


def test_a_source_held_by_a_live_process_makes_watch_once_exit_1_naming_it(setup: Any) -> None:
    ws, env, _ = setup
    token = lease.acquire(ws.store, "vultr.metal")  # held by this (live) test process
    assert token is not None
    done = subprocess.run([*VEILLE, "watch", "--once", *SOURCES], env=env, capture_output=True, timeout=120)
    lease.release_now(ws.store, "vultr.metal", token)
    assert done.returncode == 1
    [line] = [line for line in done.stderr.decode().splitlines() if "busy" in line]
    assert "1 source(s) busy" in line and "vultr.metal" in line and "vultr.plans" not in line
    assert ok_runs(ws, "vultr.plans") == 1


def test_a_second_sigterm_abandons_the_running_sources_and_exits_143(setup: Any) -> None:
    ws, env, catalogue = setup
    catalogue.state = "B"
    proc = subprocess.Popen(
        [*VEILLE, "watch", *SOURCES, "--speed", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: catalogue.metal_b_started.is_set() and ok_runs(ws, "vultr.plans") >= 1, proc)
        proc.send_signal(signal.SIGTERM)  # the first waits for the running metal run
        time.sleep(0.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)  # the second abandons it
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    [line] = signal_lines(err)
    assert "1 running source(s) abandoned" in line
    assert held_leases(ws) == [] and runs(ws, "running") == []
    with ws.store.session() as session:
        abandoned = session.scalar(
            select(func.count())
            .select_from(SourceRun)
            .where(SourceRun.source_id == "vultr.metal", SourceRun.status == "abandoned")
        )
    assert abandoned == 1

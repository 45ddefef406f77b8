"""The container files: every role's command is a real veille command, the image runs as a user, and its
health check passes against a real ``veille serve`` started as a plain process (no container engine here)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_compose_runs_the_web_app_the_scheduler_two_workers_and_postgresql() -> None:
    services = _compose()["services"]
    commands = {name: s.get("command", []) for name, s in services.items()}
    assert services["db"]["image"].startswith("postgres:")
    assert commands["web"][0] == "serve" and commands["scheduler"] == ["watch"]
    assert sorted(n for n, c in commands.items() if c[:1] == ["worker"]) == ["worker-1", "worker-2"]
    for name, service in services.items():
        if name != "db":
            assert service["environment"]["VEILLE_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_every_command_of_the_image_is_a_veille_command(cli: Any) -> None:
    commands = [s["command"] for n, s in _compose()["services"].items() if n != "db"]
    commands.append(re.findall(r'"([^"]+)"', _dockerfile().split("CMD [", 1)[1].split("]", 1)[0]))
    for command in commands:
        code, out, err = cli(command[0], "--help")
        assert code == 0, (command, err)
        for option in (c for c in command[1:] if c.startswith("--")):
            assert option in out, (command, option)


def test_the_image_runs_as_a_user_with_a_health_check() -> None:
    text = _dockerfile()
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["veille"]' in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_health_check_passes_against_a_running_server(cli: Any, tmp_path: Path) -> None:
    assert cli("--home", tmp_path / "ws", "init")[0] == 0
    port = _free_port()
    env = {**os.environ, "VEILLE_HOME": str(tmp_path / "ws")}
    server = subprocess.Popen(
        [sys.executable, "-m", "veille", "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        check = _dockerfile().split("CMD python -c ", 1)[1].splitlines()[0]
        script = shlex.split(check)[0].replace(":8000/", f":{port}/")
        done = subprocess.run([sys.executable, "-c", script], timeout=30, check=False)
        assert done.returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    done = subprocess.run([sys.executable, "-c", script], timeout=30, check=False, capture_output=True)
    assert done.returncode != 0  # and it fails when nothing answers

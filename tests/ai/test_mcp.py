"""``veille mcp``: an MCP client (the ``mcp`` package's own) lists and calls the tools over stdio."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from tests.web import seed

from veille.auth import add_user, new_token
from veille.settings import Settings
from veille.workspace import Workspace

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A workspace with the bundled analysis, a little of everything, and a viewer's API token."""
    home = tmp_path / "ws"
    ws = Workspace(Settings(home=home, database_url=None))
    ws.init_store()
    with ws.store.session() as session:
        seed.load_kb(session)
        seed.load_signals(session)
        add_user(session, "reader", "viewer", "correct horse battery")
        token = new_token(session, "reader")
    ws.store.dispose()
    yield home, token


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH", "")) if p)
    env = {"PYTHONPATH": path, "VEILLE_MCP_TOKEN": ""}
    env.update(extra)
    return env


def _params(home: Path, *args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "veille", "--home", str(home), "mcp", *args], env=_env(**env)
    )


async def _session(params: StdioServerParameters, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    with anyio.fail_after(90):
        async with Client(params) as client:
            tools = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
    return {"tools": tools, "results": results}


def test_mcp_client_lists_and_calls_the_tools(seeded: tuple[Path, str]) -> None:
    home, token = seeded
    calls: list[tuple[str, dict[str, Any]]] = [
        ("positioning", {}),
        ("events", {"kind": ["price_change"], "competitor": "Hetzner", "limit": 5}),
        ("events", {"kind": ["funding"]}),
        ("search", {"text": "cx22"}),
        ("battlecard", {"competitor": "hetzner", "lang": "en"}),
        ("events", {"kind": ["no_such_kind"]}),
    ]
    out = anyio.run(_session, _params(home, VEILLE_MCP_TOKEN=token), calls)
    tools = {t.name: t for t in out["tools"].tools}
    assert set(tools) == {"positioning", "events", "battlecard", "search"}
    assert all(t.annotations and t.annotations.read_only_hint for t in tools.values())
    positioning, price_events, funding, found, card, bad = out["results"]
    doc = positioning.structured_content
    assert not positioning.is_error and doc["currency"] == "EUR" and doc["rows"]
    assert any(r["competitor"] == "hetzner" and r["basis"] == "live" for r in doc["rows"])
    events = price_events.structured_content["result"]
    assert [e["title"] for e in events] == ["Hetzner lowers CX22 price"]
    assert events[0]["data"]["pct_change"] == "-8.67" and events[0]["kind"] == "price_change"
    assert funding.structured_content["result"] == []
    assert {r["type"] for r in found.structured_content["result"]} == {"item", "mention"}
    assert not card.is_error and "Hetzner" in card.structured_content["result"]
    assert bad.is_error and "unknown event kind 'no_such_kind'" in bad.content[0].text


def test_mcp_events_match_the_cli_json(seeded: tuple[Path, str]) -> None:
    """The events tool returns what ``veille events --json`` prints for the same filters."""
    import orjson

    home, token = seeded
    cli = subprocess.run(
        [sys.executable, "-m", "veille", "--home", str(home), "events", "--json", "--kind", "price_change"],
        env={**os.environ, **_env()},
        capture_output=True,
        check=True,
        timeout=90,
    )
    out = anyio.run(_session, _params(home, VEILLE_MCP_TOKEN=token), [("events", {"kind": ["price_change"]})])
    assert out["results"][0].structured_content["result"] == orjson.loads(cli.stdout)


@pytest.mark.parametrize("token", ["", "vl_not-a-token"])
def test_mcp_refuses_to_start_without_a_valid_token(seeded: tuple[Path, str], token: str) -> None:
    home, _ = seeded
    proc = subprocess.run(
        [sys.executable, "-m", "veille", "--home", str(home), "mcp"],
        env={**os.environ, **_env(VEILLE_MCP_TOKEN=token)},
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "token" in lines[0]
    assert proc.stdout == ""


def test_mcp_takes_the_token_from_a_file(seeded: tuple[Path, str], tmp_path: Path) -> None:
    home, token = seeded
    path = tmp_path / "token"
    path.write_text(token + "\n")
    out = anyio.run(_session, _params(home, "--token-file", str(path)), [("search", {"text": "lowers"})])
    assert len(out["results"][0].structured_content["result"]) == 2


def test_a_revoked_token_stops_answering(seeded: tuple[Path, str]) -> None:
    """The token is checked on every call, not only at start."""
    from sqlalchemy import delete

    from veille.store.models import ApiToken

    home, token = seeded
    ws = Workspace(Settings(home=home, database_url=None))

    async def run() -> tuple[Any, Any]:
        async with Client(_params(home, VEILLE_MCP_TOKEN=token)) as client:
            before = await client.call_tool("events", {})
            with ws.store.session() as session:
                session.execute(delete(ApiToken))
            after = await client.call_tool("events", {})
        return before, after

    before, after = anyio.run(run)
    ws.store.dispose()
    assert not before.is_error and before.structured_content["result"]
    assert after.is_error and "not valid" in after.content[0].text


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    import socket
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "veille mcp --transport http ended early"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("veille mcp --transport http did not listen")


def test_mcp_over_http_needs_a_bearer_token_on_every_request(seeded: tuple[Path, str]) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    home, token = seeded
    port = _free_port()
    args = ["-m", "veille", "--home", str(home), "mcp", "--transport", "http", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **_env(VEILLE_MCP_TOKEN=token)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/mcp"

    async def run() -> tuple[int, Any]:
        async with httpx2.AsyncClient() as anonymous:
            refused = (await anonymous.post(url, json={})).status_code
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            return refused, await client.call_tool("events", {"limit": 1})

    try:
        _wait_for(port, proc)
        refused, result = anyio.run(run)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert refused == 401
    assert [e["kind"] for e in result.structured_content["result"]] == ["price_change"]

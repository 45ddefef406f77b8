"""Sources from outside the package: a plugin built and installed from tests/fixtures/plugin adds its
parser and its source through the ``veille.sources`` entry points, and its source runs on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

PLUGIN = Path(__file__).parents[1] / "fixtures" / "plugin"
SRC = Path(__file__).parents[2] / "src"
CHANGES = [
    {"id": "c-1", "title": "New GPU instances in Gravelines", "url": "https://example.test/c-1", "date": "2026-12-01T10:00:00+00:00"},
    {"id": "c-2", "title": "Object storage price change", "url": "https://example.test/c-2", "date": "2026-12-03T09:30:00+00:00"},
]  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin, built and pip-installed into a --target folder (no network: the venv's setuptools)."""
    work = tmp_path_factory.mktemp("plugin")
    source, target = work / "src", work / "site"
    shutil.copytree(PLUGIN, source)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def _veille(
    site: Path, home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(SRC), str(site)])}
    return subprocess.run(
        [sys.executable, "-m", "veille", "--home", str(home), *args],
        env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_plugin_adds_its_parser_and_source(installed: Path, tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/changes.json").respond_with_json(CHANGES)
    env = {
        "VEILLE_URL_MAP": json.dumps(
            {"https://changes.example-provider.test": httpserver.url_for("/").rstrip("/")}
        ),
        "VEILLE_HTTP_RETRIES": "0",
    }
    home = tmp_path / "ws"
    assert _veille(installed, home, "init").returncode == 0
    parsers = _veille(installed, home, "sources", "parsers", "--json")
    assert "example.changes" in {p["id"] for p in json.loads(parsers.stdout)}
    listed = {r["id"]: r for r in json.loads(_veille(installed, home, "sources", "list", "--json").stdout)}
    assert listed["example.changes"]["parser"] == "example.changes"
    run = _veille(installed, home, "watch", "--once", "--source", "example.changes", env=env)
    assert run.returncode == 0, run.stderr
    shown = _veille(installed, home, "sources", "show", "example.changes", "--json")
    runs = json.loads(shown.stdout)["runs"]
    assert runs[0]["status"] == "ok" and runs[0]["observations"] == 2
    # without the plugin on the path, veille does not know it
    bare = subprocess.run([sys.executable, "-m", "veille", "--home", str(home), "sources", "show", "example.changes"],
                          env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert bare.returncode != 0 and "no source 'example.changes'" in bare.stderr

"""Every example of docs/cli.md runs, in the page's order, against a demo workspace and exits 0.

An example is the code after ``Example:``; each ``veille ...`` command in it runs in-process (what a
shell pipes it into, ``jq`` or ``curl``, is not veille's and does not run). The paths of the examples
stand for a workspace or a file: ``/srv/veille`` and ``/tmp/veille-demo`` are the demo workspace the
documented ``veille demo`` example builds, ``/tmp/ws`` a second workspace made by ``veille init``, and
the files the examples name are real ones (the seed, Hetzner's two pages) in the working folder. Ids
that only make sense in the reader's workspace (``42``, ``run:17``, ``9``) are replaced by real ones.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"
FIXTURES = ROOT / "tests" / "fixtures"

# Examples that need the network or a running server, with why: nothing else may be skipped.
NEEDS_MORE = {
    "veille --home /srv/veille watch --once --kind incidents": "fetches the real sources from the internet",
    "veille --home /srv/veille watch": "a service: fetches the real sources and runs until stopped",
    "veille --home /srv/veille serve --port 8000 --forwarded-allow-ips 10.0.0.5": "a server: runs until stopped",
    "veille --home /srv/veille watch --workers 2": "needs PostgreSQL; a service that runs until stopped",
    "veille --home /srv/veille worker --queue sources --concurrency 8": "needs PostgreSQL; runs until stopped",
    "veille --home /srv/veille mcp --token-file /etc/veille/mcp-token": "a server on stdio: runs until stopped",
    "veille sources add feed https://blog.example.com/rss.xml --competitor hetzner --check": "fetches a feed on the internet",
}
DEMO_EXAMPLE = "veille demo --out /tmp/veille-demo --no-pdf"
FILES = {
    "analyse-concurrentielle.md": FIXTURES / "seed" / "analyse-concurrentielle.md",
    "page1.json": FIXTURES / "hetzner" / "server_types_page1.json",
    "page2.json": FIXTURES / "hetzner" / "server_types_page2.json",
    "vmcloud-catalogue.csv": FIXTURES / "vmcloud" / "catalogue.csv",
    "competitors.yaml": ROOT / "src" / "veille" / "kb" / "data" / "competitors.yaml",
    "Shares.csv": FIXTURES / "linkedin" / "Shares.csv",
}
PASSWORD = "correct horse battery staple\n"


def examples() -> list[str]:
    """Each ``veille ...`` command of the ``Example:`` lines of docs/cli.md, in order."""
    found: list[str] = []
    for line in CLI_MD.read_text(encoding="utf-8").splitlines():
        if "Example:" not in line:
            continue
        for span in re.findall(r"`([^`]+)`", line.split("Example:", 1)[1]):
            found += [m.strip() for m in re.findall(r"\bveille(?: [^;|)]*)?", span)]
    return found


def _argv(example: str, homes: dict[str, Path]) -> list[str]:
    """The example's arguments, its documented paths replaced by the test's folders."""
    args = shlex.split(example)[1:]
    home = homes["/srv/veille"]
    if args[:1] == ["--home"]:
        home = homes[args[1]]
        args = args[2:]
    return ["--home", str(home), *(_local(a, homes) for a in args)]


def _local(arg: str, homes: dict[str, Path]) -> str:
    """``arg`` with a documented folder (``/tmp/veille-demo``, ``/backups``...) replaced by the test's."""
    for documented, local in homes.items():
        if arg.startswith(documented + "/") or arg == documented:
            return str(local) + arg.removeprefix(documented)
    return arg


def _held_run(cli: Callable[..., tuple[int, str, str]], home: Path, sku: str) -> dict[str, Any]:
    """A price snapshot held by the plausibility gate (a manual price jumping fourfold)."""
    base = ["--home", str(home), "prices", "add", "contabo", sku, "--vcpu", "2", "--ram-gb", "4",
            "--url", "https://contabo.com/en/vps/"]  # fmt: skip
    assert cli(*base, "--price-monthly", "5.00", "--date", "2026-11-01")[0] == 0
    code, _, err = cli(*base, "--price-monthly", "20.00", "--date", "2026-11-02")
    assert code == 0 and "held" in err, err
    held: list[dict[str, Any]] = json.loads(cli("--home", str(home), "held", "list", "--json")[1])
    return held[0]  # newest first


def _real_ids(cli: Callable[..., tuple[int, str, str]], home: Path) -> dict[str, str]:
    """The reader's ids (``held accept 42``, ``held reject run:17``, ``actions ... 9``) made real."""
    first = _held_run(cli, home, "vps-doc-a")
    second = _held_run(cli, home, "vps-doc-b")
    assert first["id"] != second["id"]
    code, out, err = cli("--home", str(home), "actions", "list", "--json")
    assert code == 0, err
    action = json.loads(out)[0]["id"]
    return {
        "held accept 42": f"held accept {first['id']}",
        "held reject run:17": f"held reject run:{second['run_id']}",
        "actions show 9": f"actions show {action}",
        "actions done 9": f"actions done {action}",
    }


def test_the_examples_are_found_and_the_skips_are_examples() -> None:
    found = examples()
    assert len(found) >= 40, found
    assert DEMO_EXAMPLE in found
    assert set(NEEDS_MORE) <= set(found), "NEEDS_MORE names an example docs/cli.md no longer shows"


def test_every_example_of_cli_md_exits_0(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, source in FILES.items():
        shutil.copyfile(source, tmp_path / name)
    homes = {"/srv/veille": tmp_path / "veille-demo", "/tmp/veille-demo": tmp_path / "veille-demo",
             "/tmp/ws": tmp_path / "ws", "/srv/veille-restored": tmp_path / "restored",
             "/backups": tmp_path / "backups"}  # fmt: skip
    code, _, err = cli(*_argv(DEMO_EXAMPLE, homes))
    assert code == 0, err
    assert cli("--home", str(homes["/tmp/ws"]), "init")[0] == 0
    # a reader's workspace has a history: a second revision for ``kb diff 1 2``, held snapshots, actions
    assert (
        cli("--home", str(homes["/srv/veille"]), "kb", "set-threat", "hetzner", "medium", "-m", "docs")[0]
        == 0
    )
    real = _real_ids(cli, homes["/srv/veille"])
    failures = []
    for example in examples():
        if example == DEMO_EXAMPLE or example in NEEDS_MORE:
            continue
        command = next((example.replace(k, v) for k, v in real.items() if example.endswith(k)), example)
        stdin = PASSWORD if "--password-stdin" in command else None
        code, _, err = cli(*_argv(command, homes), stdin=stdin)
        if code != 0:
            failures.append(f"{example} -> exit {code}: {err.strip()[-300:]}")
    assert not failures, "\n".join(failures)

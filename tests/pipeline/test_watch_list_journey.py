"""Issue 15's journey from the command line: a competitor the analysis does not name (Genesis Cloud) is
added, then its feed, status page, job board and pricing page (each checked once on loopback before it
is saved), and an alert rule with a file channel; one ``veille watch --once`` later it has events, a
page, a battlecard, a positioning row and alerts, and no file of veille was edited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from starlette.testclient import TestClient
from tests.sources.watchlist_loopback import PRICING_OPTIONS, serve, tree_digest, url_map

import veille

SRC = Path(veille.__file__).parent
GC = "genesiscloud"


def _sources(base: str) -> list[list[str]]:
    pricing = [x for k, v in PRICING_OPTIONS.items() for x in ("--option", f"{k}={v}")]
    return [
        ["feed", f"{base}/blog.rss", "--id", "genesiscloud.blog"],
        ["status", f"{base}/api/v2/summary.json", "--id", "genesiscloud.status"],
        ["jobs", "genesiscloud", "--option", "platform=greenhouse", "--id", "genesiscloud.jobs"],
        ["pricing-page", f"{base}/tarife", "--id", "genesiscloud.pricing", *pricing],
    ]


def _add_competitor_and_sources(cli: Any, home: str, base: str) -> None:
    code, _, err = cli(
        "--home", home, "competitors", "add", GC, "--name", "Genesis Cloud", "--country", "DE",
        "--tier", "gpu", "--threat", "medium", "--website", "https://www.genesiscloud.com",
        "--alias", "Genesis Cloud GmbH", "--alias", "GenesisCloud", "-m", "a GPU cloud to watch",
    )  # fmt: skip
    assert code == 0, err
    for args in _sources(base):
        # The competitor is named by its alias: the record resolves it.
        code, out, err = cli(
            "--home", home, "sources", "add", *args, "--competitor", "GenesisCloud", "--check"
        )
        assert code == 0, (args, out, err)
    code, _, err = cli(
        "--home", home, "alerts", "channels", "add", "gc-file", "--file", "genesis-alerts.jsonl"
    )
    assert code == 0, err
    code, _, err = cli("--home", home, "alerts", "rules", "add", "genesis-all", "--competitor", "Genesis Cloud",
                       "--channel", "gc-file")  # fmt: skip
    assert code == 0, err


def _page_of(home: str, cli: Any) -> str:
    from veille.settings import Settings
    from veille.web.app import create_app
    from veille.workspace import Workspace

    code, _, err = cli("--home", home, "users", "add", "ann", "--role", "viewer", "--password-stdin",
                       stdin="pw-123456789\n")  # fmt: skip
    assert code == 0, err
    ws = Workspace(Settings(home=Path(home)))
    with TestClient(create_app(ws), base_url="http://127.0.0.1") as client:
        from tests.web.conftest import login

        login(client, "ann", "pw-123456789")
        listing = client.get("/competitors").text
        page = client.get(f"/competitors/{GC}")
    ws.store.dispose()
    assert f"/competitors/{GC}" in listing
    assert page.status_code == 200
    return page.text


def test_a_new_competitor_and_its_four_sources_added_by_cli_are_watched(
    cli: Any, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(SRC)
    base = serve(httpserver, slug="genesiscloud")
    monkeypatch.setenv("VEILLE_URL_MAP", url_map(base))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    home = str(tmp_path / "ws")
    assert cli("--home", home, "init")[0] == 0
    _add_competitor_and_sources(cli, home, base)

    code, out, _ = cli("--home", home, "sources", "list", "--json")
    ids = sorted(s["id"] for s in json.loads(out) if s["competitor"] == GC)
    assert ids == ["genesiscloud.blog", "genesiscloud.jobs", "genesiscloud.pricing",
                   "genesiscloud.status.incidents", "genesiscloud.status.summary"]  # fmt: skip
    code, out, err = cli("--home", home, "watch", "--once", *[x for i in ids for x in ("--source", i)])
    assert code == 0, out + err
    for source_id in ids:  # each of the four (the status page is two documents) ran and read something
        shown = json.loads(cli("--home", home, "sources", "show", source_id, "--json")[1])
        assert shown["runs"][0]["status"] == "ok" and shown["runs"][0]["observations"] > 0, shown
    code, out, err = cli("--home", home, "events", "--competitor", GC, "--json")
    assert code == 0, err
    events = json.loads(out)
    assert {e["competitor"] for e in events} == {GC}
    assert {"feature", "price_announcement"} <= {e["kind"] for e in events}, events
    assert "genesiscloud.blog" in {e["source_id"] for e in events}

    page = _page_of(home, cli)
    assert "Genesis Cloud" in page and events[0]["title"][:30] in page
    # its status page's incident, its board's job and its pricing page's offer are on the page too
    missing = [
        t
        for t in ("Network maintenance in FRA1", "Machine Learning Engineer", "Dedicated XL")
        if t not in page
    ]
    assert not missing, missing

    code, out, err = cli("--home", home, "report", "battlecard", "--competitor", GC, "--lang", "en")
    assert code == 0, err
    assert "Genesis Cloud" in out
    code, out, err = cli("--home", home, "positioning", "--json")
    assert code == 0, err
    rows = [r for r in json.loads(out)["rows"] if r["competitor"] == GC]
    assert rows and {r["source_id"] for r in rows} == {"genesiscloud.pricing"}, rows  # read from its page
    assert {r["offer"]["name"] for r in rows} <= {"Cloud S", "Cloud M", "GPU L4", "Dedicated XL"}

    code, out, err = cli("--home", home, "alerts", "list", "--json")
    assert code == 0, err
    mine = [a for a in json.loads(out) if a["rule"] == "genesis-all"]
    assert mine and {a["status"] for a in mine} == {"sent"}, mine
    written = (Path(home) / "genesis-alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert written and all(json.loads(line)["competitor"] == GC for line in written), written[:2]

    assert tree_digest(SRC) == before, "a file of veille changed"

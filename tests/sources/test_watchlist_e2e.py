"""A competitor's feed, status page, job board and pricing page added entirely through the CLI, then
run by ``veille watch --once`` against loopback copies of those four: no file of veille edited."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer
from tests.sources.watchlist_loopback import PRICING_OPTIONS, serve, url_map


def test_four_sources_added_by_cli_then_watched(
    cli, tmp_path: Path, httpserver: HTTPServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    base = serve(httpserver)
    monkeypatch.setenv("VEILLE_URL_MAP", url_map(base))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    adds = [
        ["feed", f"{base}/blog.rss", "--id", "contabo.test.feed"],
        ["status", f"{base}/api/v2/summary.json", "--id", "contabo.test.status"],
        ["jobs", "acme", "--option", "platform=greenhouse", "--id", "contabo.test.jobs"],
        ["pricing-page", f"{base}/tarife", "--id", "contabo.test.pricing",
         *[x for k, v in PRICING_OPTIONS.items() for x in ("-o", f"{k}={v}")]],
    ]  # fmt: skip
    for args in adds:
        code, out, err = cli("--home", home, "sources", "add", *args, "--competitor", "Contabo", "--check")
        assert code == 0, (args, out, err)
    ids = ["contabo.test.feed", "contabo.test.status.summary", "contabo.test.status.incidents",
           "contabo.test.jobs", "contabo.test.pricing"]  # fmt: skip
    code, out, err = cli("--home", home, "watch", "--once", *[x for i in ids for x in ("--source", i)])
    assert code == 0, out + err
    for source_id in ids:
        shown = json.loads(cli("--home", home, "sources", "show", source_id, "--json")[1])
        assert shown["runs"][0]["status"] == "ok" and shown["runs"][0]["observations"] > 0, shown
    code, out, _ = cli("--home", home, "prices", "history", "contabo", "--json")
    offers = json.loads(out)
    assert {"Cloud S", "Cloud M", "GPU L4", "Dedicated XL"} <= {o["name"] for o in offers}
    code, out, _ = cli("--home", home, "events", "--competitor", "contabo", "--json")
    assert code == 0
    events = json.loads(out)
    assert {"feature", "price_announcement"} <= {e["kind"] for e in events}  # read from the added feed
    assert {e["source_id"] for e in events} == {"contabo.test.feed"}

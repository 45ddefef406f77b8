"""A competitor's feed, status page, job board and pricing page added entirely through the CLI, then
run by ``veille watch --once`` against loopback copies of those four: no file of veille edited."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer

FIX = Path(__file__).parents[1] / "fixtures"


def _serve(httpserver: HTTPServer) -> None:
    routes = {
        "/blog.rss": ("feeds/blog_fr_1.rss", "application/rss+xml"),
        "/api/v2/summary.json": ("statuspage/summary_1.json", "application/json"),
        "/api/v2/incidents.json": ("statuspage/incidents_1.json", "application/json"),
        "/v1/boards/acme/jobs": ("greenhouse/board_digitalocean98_day1.json", "application/json"),
        "/tarife": ("pricing_pages/generic_de_cards.html", "text/html; charset=utf-8"),
    }
    for path, (name, kind) in routes.items():
        httpserver.expect_request(path).respond_with_data((FIX / name).read_bytes(), content_type=kind)
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )


def test_four_sources_added_by_cli_then_watched(
    cli, tmp_path: Path, httpserver: HTTPServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _serve(httpserver)
    base = httpserver.url_for("/").rstrip("/")
    monkeypatch.setenv("VEILLE_URL_MAP", json.dumps({"https://boards-api.greenhouse.io": base}))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    home = tmp_path / "ws"
    assert cli("--home", home, "init")[0] == 0
    adds = [
        ["feed", f"{base}/blog.rss", "--id", "contabo.test.feed"],
        ["status", f"{base}/api/v2/summary.json", "--id", "contabo.test.status"],
        ["jobs", "acme", "--option", "platform=greenhouse", "--id", "contabo.test.jobs"],
        ["pricing-page", f"{base}/tarife", "--id", "contabo.test.pricing", "-o", "card=article.tarif",
         "-o", "name=h3", "-o", "price=.preis", "-o", "currency=EUR"],
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

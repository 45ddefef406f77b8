"""A competitor the analysis does not name, added from the command line, with no file of veille edited:
its sources run over loopback, its names match, and its page, battlecard and positioning row appear."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import select
from starlette.testclient import TestClient
from werkzeug import Request, Response

from veille.settings import Settings
from veille.store.models import EventRow, JobRow, MentionRow
from veille.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURED = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # when the fixtures below were captured
SOURCES = ("nebius.mentions.hn", "nebius.jobs.greenhouse", "nebius.news.google-en")


def _serve(httpserver: HTTPServer) -> list[dict[str, str]]:
    """Loopback copies of the three documents, renamed for the newcomer (the shapes are the real ones)."""
    shift = int((datetime.now(UTC) - CAPTURED).total_seconds())
    seen: list[dict[str, str]] = []

    def hn(request: Request) -> Response:
        seen.append(dict(request.args))
        page = "page2" if "numericFilters" in request.args else "page1"
        doc = json.loads((FIXTURES / f"hn/search_by_date_scaleway_{page}.json").read_text(encoding="utf-8"))
        for hit in doc["hits"]:
            hit["created_at_i"] += shift
        return Response(json.dumps(doc).replace("Scaleway", "Nebius"), content_type="application/json")

    httpserver.expect_request("/api/v1/search_by_date").respond_with_handler(hn)
    board = (FIXTURES / "greenhouse/board_digitalocean98_day1.json").read_bytes()
    httpserver.expect_request("/v1/boards/nebius/jobs", query_string="content=true").respond_with_data(
        board, content_type="application/json"
    )
    # A general press feed: only the item naming the newcomer by its alias (the ticker NBIS) is its news.
    press = (
        (FIXTURES / "news/general_press_en.rss")
        .read_text(encoding="utf-8")
        .replace("Hetzner raises", "NBIS raises")
    )
    httpserver.expect_request("/rss/search").respond_with_data(press, content_type="application/rss+xml")
    return seen


def test_a_competitor_added_from_the_cli_is_watched_matched_and_shown(
    tmp_path: Path, httpserver: HTTPServer, cli: Any
) -> None:
    home = str(tmp_path / "ws")
    assert cli("--home", home, "init")[0] == 0
    code, out, err = cli(
        "--home", home, "competitors", "add", "nebius", "--name", "Nebius", "--country", "NL", "--tier", "gpu",
        "--threat", "medium", "--website", "https://nebius.com", "--alias", "Nebius Group", "--alias", "NBIS",
        "--identifier", "mentions=Nebius", "--identifier", "greenhouse=nebius", "--identifier", "news=en:Nebius",
        "-m", "a GPU cloud the analysis does not name yet",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("--home", home, "sources", "list", "--json")
    listed = {s["id"] for s in json.loads(out)}
    assert set(SOURCES) <= listed
    assert (
        cli("--home", home, "sources", "enable", "nebius.news.google-en")[0] == 0
    )  # news searches start off

    seen = _serve(httpserver)
    base = httpserver.url_for("/").rstrip("/")
    hosts = ("https://hn.algolia.com", "https://boards-api.greenhouse.io", "https://news.google.com")
    env = {"VEILLE_URL_MAP": json.dumps(dict.fromkeys(hosts, base)), "VEILLE_HTTP_RETRIES": "0"}
    argv = [a for s in SOURCES for a in ("--source", s)]
    code, out, err = cli("--home", home, "watch", "--once", *argv, env=env)
    assert code == 0, err
    assert seen[0]["query"] == "Nebius"  # the search is built from the record

    ws = Workspace(Settings(home=Path(home)))
    with ws.store.session() as s:
        mentions = s.scalars(select(MentionRow).where(MentionRow.competitor == "nebius")).all()
        jobs = s.scalars(select(JobRow).where(JobRow.competitor == "nebius")).all()
        events = s.scalars(select(EventRow).where(EventRow.competitor == "nebius")).all()
    assert len(mentions) == 3 and len(jobs) == 5
    funding = [e for e in events if e.kind == "funding"]
    assert [e.title for e in funding] and all("NBIS" in e.title for e in funding), [e.title for e in events]
    assert {"mention", "funding"} <= {e.kind for e in events}

    # A price read by hand under one of its aliases gives it a positioning row, and a battlecard.
    code, _, err = cli(
        "--home", home, "prices", "add", "Nebius Group", "a100-1", "--url", "https://nebius.com/prices",
        "--category", "gpu", "--gpu-model", "A100 80GB", "--gpu-count", "1", "--price-hourly", "1.95",
        "--currency", "USD",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = cli("--home", home, "positioning", "--json")
    assert code == 0, err
    assert "nebius" in {row["competitor"] for row in json.loads(out)["rows"]}
    code, out, err = cli("--home", home, "report", "battlecard", "--competitor", "NBIS", "--lang", "en")
    assert code == 0, err
    assert "Nebius" in out

    from veille.web.app import create_app

    assert (
        cli(
            "--home",
            home,
            "users",
            "add",
            "ann",
            "--role",
            "viewer",
            "--password-stdin",
            stdin="pw-123456789\n",
        )[0]
        == 0
    )
    with TestClient(create_app(Workspace(Settings(home=Path(home)))), base_url="http://127.0.0.1") as client:
        from tests.web.conftest import login

        login(client, "ann", "pw-123456789")
        listing = client.get("/competitors")
        page = client.get("/competitors/nebius")
    assert listing.status_code == 200 and "/competitors/nebius" in listing.text
    assert page.status_code == 200 and "Nebius" in page.text


def test_a_knowledge_base_import_adds_the_competitors_it_describes(tmp_path: Path, cli: Any) -> None:
    import yaml

    home = str(tmp_path / "ws")
    cli("--home", home, "init")
    exported = tmp_path / "kb.yaml"
    assert cli("--home", home, "kb", "export", "--format", "yaml", "--lang", "both", "-o", exported)[0] == 0
    doc = yaml.safe_load(exported.read_text(encoding="utf-8"))
    doc["competitors"].append({"id": "genesis", "name": "Genesis Cloud", "country": "DE", "tier": "gpu"})
    exported.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code, out, err = cli("--home", home, "kb", "import", exported, "--dry-run")
    assert code == 0 and "would add competitor record(s): genesis" in out, err
    assert cli("--home", home, "competitors", "show", "genesis")[0] == 1  # a dry run stores nothing
    code, out, err = cli("--home", home, "kb", "import", exported, "--author", "marie")
    assert code == 0 and "added competitor record(s): genesis" in out, err
    code, out, _ = cli("--home", home, "competitors", "show", "Genesis Cloud", "--json")
    shown = json.loads(out)
    assert (shown["name"], shown["tier"], shown["history"][0]["action"], shown["history"][0]["author"]) == (
        "Genesis Cloud", "gpu", "import", "marie",
    )  # fmt: skip
    doc["competitors"].append({"id": "Bad Id!", "name": "x", "country": "DE", "tier": "gpu"})
    exported.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code, _, err = cli("--home", home, "kb", "import", exported)
    assert code == 1 and "competitors[" in err

"""The pipeline's commands: sources, watch --once, events, review, prices, positioning, replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from tests.pipeline.conftest import catalogue, item, toy_spec

BASE = "https://api.toy.example"


@pytest.fixture
def home(
    tmp_path: Path,
    cli: Any,
    httpserver: HTTPServer,
    toy_registry: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    from veille.sources import _registry

    spec = toy_spec(url=BASE + "/v1/catalog")
    monkeypatch.setitem(_registry._SOURCES, spec.id, spec)
    locked = toy_spec("toy.locked", BASE + "/v1/locked", credential="lambda_api_key")
    monkeypatch.setitem(_registry._SOURCES, locked.id, locked)
    monkeypatch.setenv("VEILLE_URL_MAP", json.dumps({BASE: httpserver.url_for("/").rstrip("/")}))
    monkeypatch.setenv("VEILLE_HTTP_RETRIES", "0")
    monkeypatch.delenv("VEILLE_LAMBDA_API_KEY", raising=False)
    h = tmp_path / "ws"
    assert cli("--home", h, "init")[0] == 0
    return h


def serve(httpserver: HTTPServer, body: bytes) -> None:
    httpserver.clear()
    httpserver.expect_request("/v1/catalog").respond_with_data(body, content_type="application/json")


def test_sources_parse_needs_no_network_nor_database(cli: Any, tmp_path: Path, toy_registry: Any) -> None:
    body = tmp_path / "catalog.json"
    body.write_bytes(catalogue(item("cx22", "0.006", monthly="3.79")))
    code, out, err = cli("--home", tmp_path / "nowhere", "sources", "parse", "toy.catalog", body, "--json")
    assert code == 0, err
    (offer,) = json.loads(out)
    assert offer["type"] == "offer" and offer["sku"] == "cx22" and offer["price_monthly"] == "3.79"
    assert not (tmp_path / "nowhere").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("<html>")
    code, _, err = cli("sources", "parse", "toy.catalog", bad)
    assert code == 1 and "toy.catalog: not JSON" in err and "Traceback" not in err


def test_sources_list_says_why_disabled(cli: Any, home: Path) -> None:
    code, out, _ = cli("--home", home, "sources", "list", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert (
        rows["toy.locked"]["enabled"] is False
        and rows["toy.locked"]["why_disabled"] == "needs VEILLE_LAMBDA_API_KEY"
    )
    assert rows["toy.catalog"]["enabled"] is True and rows["toy.catalog"]["cadence"] == "1h"
    assert cli("--home", home, "sources", "disable", "toy.catalog")[0] == 0
    rows = {r["id"]: r for r in json.loads(cli("--home", home, "sources", "list", "--json")[1])}
    assert rows["toy.catalog"]["enabled"] is False and "disable" in rows["toy.catalog"]["why_disabled"]
    code, _, err = cli("--home", home, "sources", "enable", "toy.locked")
    assert code == 1 and "VEILLE_LAMBDA_API_KEY" in err


def test_watch_once_events_review_and_positioning(cli: Any, home: Path, httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        catalogue(
            item("cx22", "0.006", monthly="3.79"), item("cx32", "0.012", monthly="6.80", vcpu=4, ram_gb=8)
        ),
    )
    code, out, err = cli("--home", home, "watch", "--once", "--source", "toy.catalog")
    assert code == 0, err
    assert "toy.catalog" in out and "ok" in out
    serve(
        httpserver,
        catalogue(
            item("cx22", "0.012", monthly="9.99"), item("cx32", "0.012", monthly="6.80", vcpu=4, ram_gb=8)
        ),
    )
    assert cli("--home", home, "watch", "--once", "--kind", "prices", "--source", "toy.catalog")[0] == 0
    code, out, _ = cli("--home", home, "events", "--json")
    events = json.loads(out)
    assert {e["kind"] for e in events} == {"price_change", "price_review"}
    assert set(events[0]) >= {
        "id",
        "kind",
        "competitor",
        "title",
        "importance",
        "occurred_at",
        "detected_at",
        "url",
        "data",
    }
    review = next(e for e in events if e["kind"] == "price_review")
    code, out, _ = cli("--home", home, "held", "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [review["id"]]
    code, out, err = cli("--home", home, "review", "list", "--json")  # the former name, deprecated
    assert code == 0 and [r["id"] for r in json.loads(out)] == [review["id"]] and "deprecated" in err.lower()
    # while held, positioning still uses the believed price
    doc = json.loads(cli("--home", home, "positioning", "--json")[1])
    entry = next(r for r in doc["rows"] if r["product"] == "vps-entry" and r["competitor"] == "hetzner")
    assert entry["monthly_eur"] == "3.79" and entry["basis"] == "live" and entry["offer"]["sku"] == "cx22"
    assert cli("--home", home, "held", "accept", str(review["id"]))[0] == 0
    code, out, _ = cli("--home", home, "events", "--json", "--kind", "price_change")
    assert [e["data"]["new"]["monthly"] for e in json.loads(out)] == ["9.99"]
    doc = json.loads(cli("--home", home, "positioning", "--json")[1])
    assert set(doc) >= {"as_of", "currency", "products", "rows"} and doc["currency"] == "EUR"
    assert {p["id"] for p in doc["products"]} >= {"vps-entry", "vps-pro", "gpu-t4", "gpu-a100", "storage-tb"}
    entry = next(r for r in doc["rows"] if r["product"] == "vps-entry" and r["competitor"] == "hetzner")
    assert entry["monthly_eur"] == "6.80" and entry["offer"]["sku"] == "cx32"  # cx22 is dearer now
    assert set(entry) >= {
        "product",
        "competitor",
        "monthly_eur",
        "offer",
        "basis",
        "observed_at",
        "ratio_to_self",
    }
    assert set(entry["offer"]) >= {"sku", "name", "region", "vcpu", "ram_gb"}


def test_watch_once_exits_1_when_everything_failed(cli: Any, home: Path, httpserver: HTTPServer) -> None:
    serve(httpserver, b"<html>down</html>")
    code, out, err = cli("--home", home, "watch", "--once", "--source", "toy.catalog")
    assert code == 1 and "failed" in err and "Traceback" not in err
    code, out, _ = cli("--home", home, "events", "--json", "--kind", "source_failure")
    assert len(json.loads(out)) == 1


def test_manual_prices_and_history(cli: Any, home: Path) -> None:
    args = ["--home", home, "prices", "add", "contabo", "vps-s", "--name", "Cloud VPS S", "--vcpu", "4", "--ram-gb", "8",
            "--currency", "EUR", "--url", "https://contabo.com/en/vps/"]  # fmt: skip
    assert cli(*args, "--price-monthly", "5.50", "--date", "2026-11-01")[0] == 0
    assert cli(*args, "--price-monthly", "5,99", "--date", "2026-11-20")[0] == 0
    code, _, err = cli(*args, "--price-monthly", "19.99", "--date", "2026-11-21")
    assert code == 0 and "held for review" in err
    code, out, _ = cli("--home", home, "prices", "history", "contabo", "--json")
    rows = json.loads(out)
    assert [(r["price_monthly"], r["held"]) for r in rows] == [
        ("5.5", False),
        ("5.99", False),
        ("19.99", True),
    ]
    assert rows[0]["url"] == "https://contabo.com/en/vps/" and rows[0]["valid_to"] is not None
    code, out, _ = cli("--home", home, "prices", "history", "contabo", "--product", "vps-entry", "--json")
    assert len(json.loads(out)) == 3
    code, out, _ = cli("--home", home, "events", "--json", "--competitor", "contabo")
    assert [e["kind"] for e in json.loads(out)] == [
        "price_review",
        "price_change",
        "price_change",
        "offer_added",
    ]
    # another manual entry leaves the held one alone; the same figure entered again confirms it
    other = [
        "--home",
        home,
        "prices",
        "add",
        "contabo",
        "vps-m",
        "--vcpu",
        "6",
        "--ram-gb",
        "16",
        "--url",
        "https://contabo.com/en/vps/",
    ]
    assert cli(*other, "--price-monthly", "9.99", "--date", "2026-11-22")[0] == 0
    assert len(json.loads(cli("--home", home, "held", "list", "--json")[1])) == 1
    code, _, err = cli(*args, "--price-monthly", "19.99", "--date", "2026-11-23")
    assert code == 0 and "held" not in err
    assert json.loads(cli("--home", home, "held", "list", "--json")[1]) == []
    rows = json.loads(cli("--home", home, "prices", "history", "contabo", "--sku", "vps-s", "--json")[1])
    assert [(r["price_monthly"], r["held"], r["valid_to"] is None) for r in rows] == [
        ("5.5", False, False),
        ("5.99", False, False),
        ("19.99", False, True),
    ]
    doc = json.loads(cli("--home", home, "positioning", "--json", "--at", "2026-11-10")[1])
    entry = next(r for r in doc["rows"] if r["product"] == "vps-entry" and r["competitor"] == "contabo")
    assert entry["monthly_eur"] == "5.50" and entry["source_id"] == "manual"


def test_replay_a_capture_set(cli: Any, home: Path, tmp_path: Path) -> None:
    sets = tmp_path / "captures"
    for stamp, price in (("2026-11-20T10-00-00Z", "3.79"), ("2026-11-21T10-00-00Z", "3.99")):
        folder = sets / stamp / "toy.catalog"
        folder.mkdir(parents=True)
        (folder / "page-1.json").write_bytes(catalogue(item("cx22", "0.006", monthly=price)))
    other = sets / "2026-11-21T10-00-00Z" / "demo.extra"
    other.mkdir()
    (other / "body.json").write_bytes(catalogue(item("s1", "0.01")))
    (other / "meta.json").write_text(
        json.dumps({"parser": "toy.catalog", "competitor": "scaleway", "url": "https://x.test/c"})
    )
    code, out, err = cli("--home", home, "replay", sets)
    assert code == 0, err
    assert "3 run(s) replayed; 0 failed" in out
    code, out, _ = cli("--home", home, "events", "--json")
    (change,) = [e for e in json.loads(out) if e["kind"] != "claim_contradicted"]  # the analysis checked too
    assert change["kind"] == "price_change" and change["detected_at"].startswith("2026-11-21T10:00")


def test_sources_list_shows_the_last_run_and_its_error(cli: Any, home: Path, httpserver: HTTPServer) -> None:
    serve(httpserver, b'{"currency": "EUR", "items": [{"sku": "a", "hour')
    assert cli("--home", home, "watch", "--once", "--source", "toy.catalog")[0] == 1
    rows = {r["id"]: r for r in json.loads(cli("--home", home, "sources", "list", "--json")[1])}
    row = rows["toy.catalog"]
    assert row["last_status"] == "failed" and row["consecutive_failures"] == 1 and row["last_run_at"]
    assert row["last_error"].startswith("ParseError: toy.catalog: not JSON")
    code, _, err = cli("--home", home, "watch", "--once", "--kind", "nonsense")
    assert code == 1 and "no source of kind 'nonsense'" in err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--competitor", "nope"), "unknown competitor 'nope' (known: vmcloud, ovhcloud"),
        (("--kind", "nonsense"), "unknown event kind 'nonsense' (known: price_change, offer_added"),
        (("--kind", "price_change", "--kind", "pricechange"), "unknown event kind 'pricechange'"),
    ],
)
def test_events_refuses_unknown_ids_with_the_valid_ones(
    cli: Any, home: Path, args: tuple[str, ...], named: str
) -> None:
    code, out, err = cli("--home", home, "events", *args)
    assert code == 1 and out == ""
    assert named in err and "Traceback" not in err


def test_events_accepts_an_alias_of_a_competitor(cli: Any, home: Path) -> None:
    code, out, err = cli("--home", home, "events", "--json", "--competitor", "OVH")
    assert code == 0, err
    assert json.loads(out) == []


def test_report_into_a_missing_folder_says_so(cli: Any, home: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "analysis.md"
    code, _, err = cli("--home", home, "report", "analysis", "-o", str(target))
    assert code == 1 and "missing does not exist" in err
    assert not target.parent.exists()


def test_watch_logs_each_run_as_json_when_asked(cli: Any, home: Path, httpserver: HTTPServer) -> None:
    import logging

    serve(httpserver, catalogue(item("cx22", "0.006", monthly="3.79")))
    root = logging.getLogger("veille")
    saved = list(root.handlers), root.level, root.propagate
    try:
        env = {"VEILLE_LOG_FORMAT": "json", "VEILLE_LOG_LEVEL": "INFO"}
        code, _, err = cli("--home", home, "watch", "--once", "--source", "toy.catalog", env=env)
    finally:
        root.handlers[:], root.level, root.propagate = saved[0], saved[1], saved[2]
    assert code == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    runs = [line for line in lines if line["logger"] == "veille.collect.runner"]
    assert runs and runs[-1]["source_id"] == "toy.catalog" and isinstance(runs[-1]["run_id"], int)
    assert runs[-1]["message"].startswith("ok: 1 observation(s)")

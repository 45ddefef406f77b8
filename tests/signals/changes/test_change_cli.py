"""The incident and change parsers through ``veille sources parse`` (no network, no database), in the
JSON shapes of docs/contract.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIX = Path(__file__).resolve().parents[2] / "fixtures"
INCIDENT_FIELDS = {
    "competitor",
    "id",
    "title",
    "impact",
    "status",
    "started_at",
    "resolved_at",
    "components",
    "url",
}
ITEM_FIELDS = {"id", "title", "url", "published_at", "tags"}


def test_history_json_through_the_cli(cli: Any, reference: Path) -> None:
    path = reference / "signals/status_ovhcloud-public-cloud_history.json"
    code, out, err = cli(
        "sources", "parse", "statuspage.history", str(path), "--json", "--competitor", "ovhcloud"
    )
    assert code == 0, err
    data = json.loads(out)
    assert len(data) == 119
    assert all(d["type"] == "incident" and d.keys() >= INCIDENT_FIELDS for d in data)
    assert data[0]["competitor"] == "ovhcloud" and data[0]["started_at"] == "2026-08-22T01:10:00+00:00"


def test_feed_through_the_cli(cli: Any) -> None:
    code, out, err = cli("sources", "parse", "feed", str(FIX / "feeds/blog_de_2.atom"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [d["type"] for d in data] == ["item"] * 3
    assert all(d.keys() >= ITEM_FIELDS for d in data)
    assert data[1]["tags"] == ["compute", "pricing"]


def test_a_hostile_feed_exits_1_with_one_line(cli: Any) -> None:
    code, _, err = cli("sources", "parse", "status.feed", str(FIX / "feeds/billion_laughs.atom"), "--json")
    assert code == 1
    assert "DOCTYPE/ENTITY" in err and "Traceback" not in err

"""The signal commands: ratings (manual G2/Capterra entries), evidence, hiring, mentions, filings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from people_helpers import fixture, replay

from veille.sources import get_source
from veille.sources.greenhouse import board


def test_manual_ratings_and_change_event(cli, workspace) -> None:  # type: ignore[no-untyped-def]
    home = str(workspace.home)
    code, out, err = cli(
        "--home", home, "ratings", "add", "DigitalOcean", "g2", "4.5", "--count", "2010", "--date", "2026-10-01",
        "--url", "https://www.g2.com/products/digitalocean/reviews", "--json",
    )  # fmt: skip
    assert code == 0, err
    first = json.loads(out)
    assert (first["competitor"], first["platform"], first["score"], first["count"]) == (
        "digitalocean",
        "g2",
        "4.5",
        2010,
    )
    assert first["as_of"] == "2026-10-01T00:00:00+00:00" and first["events"] == []
    code, out, err = cli(
        "--home",
        home,
        "ratings",
        "add",
        "digitalocean",
        "G2",
        "4,3",
        "--count",
        "2101",
        "--date",
        "2026-11-20",
    )
    assert code == 0, err
    assert "event: digitalocean g2 rating 4.5 → 4.3 ↓ (+91 reviews)" in " ".join(out.split())
    code, out, _ = cli("--home", home, "events", "--json", "--kind", "rating_change")
    [event] = json.loads(out)
    assert (event["importance"], event["data"]["previous_score"], event["data"]["score"]) == (
        "medium",
        "4.5",
        "4.3",
    )
    code, out, _ = cli("--home", home, "ratings", "list", "--json")
    assert [(r["score"], r["entered_by"]) for r in json.loads(out)] == [("4.3", "cli"), ("4.5", "cli")]


def test_manual_rating_errors(cli, workspace) -> None:  # type: ignore[no-untyped-def]
    home = str(workspace.home)
    assert cli("--home", home, "ratings", "add", "nobody", "g2", "4")[0] == 1
    assert cli("--home", home, "ratings", "add", "ovhcloud", "yelp", "4")[0] == 1
    code, _, err = cli("--home", home, "ratings", "add", "ovhcloud", "capterra", "7")
    assert code == 1 and "outside" in err and "Traceback" not in err
    assert cli("--home", home, "ratings", "add", "ovhcloud", "capterra", "four")[0] == 1


def test_evidence_hiring_mentions_filings(cli, workspace) -> None:  # type: ignore[no-untyped-def]
    store, home = workspace.store, str(workspace.home)
    now = datetime.now(UTC)
    replay(
        store,
        get_source("digitalocean.reviews.trustpilot"),
        fixture("trustpilot/review_digitalocean_week2.html"),
        now,
    )
    replay(store, get_source("scaleway.mentions.hn"), fixture("hn/search_by_date_scaleway_page1.json"), now)
    spec = board("digitalocean", "digitalocean98")
    replay(store, spec, fixture("greenhouse/board_digitalocean98_day1.json"), now - timedelta(days=10))
    replay(store, spec, fixture("greenhouse/board_digitalocean98_day2.json"), now - timedelta(hours=1))
    replay(
        store,
        get_source("digitalocean.filings.edgar"),
        fixture("edgar/submissions_CIK0001582961_nov24.json"),
        now,
    )

    code, out, err = cli("--home", home, "ratings", "evidence", "digitalocean", "--json")
    assert code == 0, err
    evidence = json.loads(out)
    assert evidence["reviews"] == 3
    support = evidence["criteria"]["support"]
    assert (support["reviews"], support["negative_share"]) == (2, "0.50")
    assert evidence["criteria"]["ux"]["reviews"] == 1
    assert evidence["ratings"] == [
        {
            "platform": "trustpilot",
            "score": "3.9",
            "scale": "5",
            "count": 2231,
            "as_of": now.isoformat(),
            "url": "https://www.trustpilot.com/review/digitalocean.com",
            "manual": False,
        }
    ]

    code, out, _ = cli("--home", home, "hiring", "--competitor", "digitalocean", "--json")
    [row] = json.loads(out)
    assert (row["open"], row["by_function"]["gpu_ai"], row["by_function_90d_ago"]["gpu_ai"]) == (7, 5, 2)
    assert (row["opened_30d"], row["closed_30d"], row["open_over_60d"]) == (8, 1, 0)
    code, out, _ = cli("--home", home, "hiring")
    assert code == 0 and "digitalocean" in out

    code, out, _ = cli("--home", home, "mentions", "--platform", "hn", "--json")
    mentions = json.loads(out)
    assert [m["id"] for m in mentions] == ["42210077", "42200420"]
    assert set(mentions[0]) == {
        "platform",
        "id",
        "competitor",
        "title",
        "url",
        "author",
        "score",
        "comments",
        "created_at",
    }

    code, out, _ = cli("--home", home, "filings", "--competitor", "DO", "--json")
    assert code == 0
    assert [f["form"] for f in json.loads(out)] == ["8-K", "10-Q", "8-K", "10-Q"]

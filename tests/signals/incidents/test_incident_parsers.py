"""Status-page parsers on the real payloads and on the project's own fixtures, and on bad input."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.errors import ParseError
from veille.observations import Incident
from veille.sources import betterstack, infomaniak_status, status_feeds, statusio, statuspage, vultr_status
from veille.sources._registry import ParseContext

FIX = Path(__file__).resolve().parents[2] / "fixtures"
NOW = datetime(2026, 11, 20, 10, 3, tzinfo=UTC)
OVH_URL = "https://public-cloud.status-ovhcloud.com/history.json"


def ctx(competitor: str | None, url: str, now: datetime = NOW) -> ParseContext:
    return ParseContext(source_id="test", competitor=competitor, url=url, fetched_at=now)


def signals(reference: Path, name: str) -> bytes:
    return (reference / "signals" / name).read_bytes()


# --- real payloads -----------------------------------------------------------------------------------


def test_github_summary_has_one_unresolved_major_incident(reference: Path) -> None:
    obs = statuspage.parse_summary(
        signals(reference, "status_statuspage-summary_github.json"),
        ctx("github", "https://www.githubstatus.com/api/v2/summary.json"),
    )
    assert len(obs) == 1
    inc = obs[0]
    assert isinstance(inc, Incident)
    assert (inc.id, inc.title, inc.impact, inc.status, inc.kind) == (
        "ljwdk6qml8z8",
        "Incident with Packages and Pages",
        "major",
        "investigating",
        "incident",
    )
    assert inc.resolved_at is None
    assert inc.started_at == datetime(2022, 11, 25, 14, 39, 9, 542000, tzinfo=UTC)
    assert inc.components == ("Packages", "Pages")
    assert inc.url == "https://www.githubstatus.com/incidents/ljwdk6qml8z8"
    assert len(inc.updates) == 7 and inc.updates[0]["id"] == "k0x2s8g2plxb"
    assert inc.to_dict()["started_at"] == "2022-11-25T14:39:09.542000+00:00"


def test_ovh_history_json_has_119_incidents(reference: Path) -> None:
    obs = statuspage.parse_history(
        signals(reference, "status_ovhcloud-public-cloud_history.json"), ctx("ovhcloud", OVH_URL)
    )
    assert len(obs) == 119
    assert Counter(o.kind for o in obs) == {"incident": 74, "maintenance": 45}
    assert Counter(o.impact for o in obs if o.kind == "incident") == {"major": 47, "none": 14, "minor": 13}
    first = obs[0]
    assert (first.id, first.region, first.product, first.status) == (
        "s0t5gcmfx903",
        "GRA11",
        "Public Cloud",
        "resolved",
    )
    assert first.started_at == datetime(2026, 8, 22, 1, 10, tzinfo=UTC)
    assert first.resolved_at == datetime(2026, 8, 22, 1, 46, tzinfo=UTC)
    assert first.url == "https://public-cloud.status-ovhcloud.com/incidents/s0t5gcmfx903"
    # a range across months, printed in June's list: started in May
    spanning = next(o for o in obs if o.title.startswith("[GRA/RBX/DE][Storage and Backups]"))
    assert spanning.started_at == datetime(2026, 5, 22, 15, 4, tzinfo=UTC)
    assert spanning.resolved_at == datetime(2026, 6, 15, 13, 48, tzinfo=UTC)
    # a maintenance still in progress (one time only) and a cancelled one
    in_progress = next(o for o in obs if o.id == "6ypgy8vdz3xw")
    assert (in_progress.kind, in_progress.status, in_progress.resolved_at) == (
        "maintenance",
        "in_progress",
        None,
    )
    assert (in_progress.region, in_progress.product) == ("GLOBAL", "Public Cloud")
    cancelled = next(o for o in obs if o.id == "8zj8f0rpnpqm")
    assert cancelled.status == "completed"
    no_prefix = next(o for o in obs if o.title.startswith("PCI - EU-WEST-PAR"))
    assert (no_prefix.region, no_prefix.product) == (None, None)


@pytest.mark.parametrize(
    "name", ["status_ovhcloud-public-cloud_history.atom", "status_ovhcloud-public-cloud_history.rss"]
)
def test_ovh_feeds_give_the_same_incidents_as_history_json(reference: Path, name: str) -> None:
    history = {
        o.id: o
        for o in statuspage.parse_history(
            signals(reference, "status_ovhcloud-public-cloud_history.json"), ctx("ovhcloud", OVH_URL)
        )
    }
    feed = status_feeds.parse_status_feed(signals(reference, name), ctx("ovhcloud", OVH_URL))
    assert len(feed) == 25
    overlap = [o for o in feed if o.id in history]
    assert len(overlap) == 21
    for inc in overlap:
        h = history[inc.id]
        assert (inc.kind, inc.status, inc.started_at, inc.resolved_at) == (
            h.kind,
            h.status,
            h.started_at,
            h.resolved_at,
        ), inc.id
        assert inc.title.strip() == h.title.removeprefix("[Scheduled] ").strip()
        assert (inc.region, inc.product) == (h.region, h.product)
        assert inc.url == h.url
    upcoming = [o for o in feed if o.id not in history]
    assert {o.status for o in upcoming} == {"scheduled"}
    logs = next(o for o in upcoming if o.id == "dzhnzw4zfnmj")
    assert logs.started_at == datetime(2026, 9, 16, 10, 30, tzinfo=UTC)
    block = next(o for o in upcoming if o.id == "sxp7ccz3966c")
    assert block.started_at == datetime(2026, 8, 24, 6, 0, tzinfo=UTC)
    resolved = next(o for o in feed if o.id == "5dpcz63m1v4k")
    assert [u["status"] for u in resolved.updates] == ["resolved", "ongoing", "investigating"]
    assert resolved.impact == "unknown"  # feeds carry no impact


def test_hetzner_legacy_german_feed(reference: Path) -> None:
    obs = status_feeds.parse_status_feed(
        signals(reference, "status_hetzner-legacy_de.atom"),
        ctx("hetzner", "http://www.hetzner-status.de/de.atom", datetime(2015, 6, 7, 16, tzinfo=UTC)),
    )
    assert [o.id for o in obs] == ["4733", "4732"]
    fault, works = obs
    assert (fault.title, fault.kind, fault.status, fault.impact) == (
        "Störungsmeldung vHost 1317",
        "incident",
        "resolved",
        "unknown",
    )
    assert fault.started_at == datetime(2015, 6, 6, 7, 22, tzinfo=UTC)  # 09:22 CEST
    assert fault.resolved_at == datetime(2015, 6, 6, 7, 48, tzinfo=UTC)
    assert fault.components == ("vServer",)
    assert fault.updates[0]["body"] == "Der Server ist wieder online."
    assert (works.kind, works.status, works.impact) == ("maintenance", "completed", "none")
    assert works.resolved_at == datetime(
        2015, 6, 5, 20, 12, tzinfo=UTC
    )  # the "abgeschlossen" update, not the expected end


# --- own fixtures --------------------------------------------------------------------------------------


def test_statuspage_summary_fixture_with_maintenance() -> None:
    obs = statuspage.parse_summary(
        (FIX / "statuspage/summary_1.json").read_bytes(),
        ctx("digitalocean", "https://status.digitalocean.com/api/v2/summary.json"),
    )
    assert [(o.id, o.kind, o.impact, o.status) for o in obs] == [
        ("k7yz2m9cq1wv", "incident", "minor", "investigating"),
        ("p3m8v0x6wq2d", "maintenance", "none", "in_progress"),
    ]
    assert obs[1].started_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert obs[0].url == "https://status.digitalocean.com/incidents/k7yz2m9cq1wv"


def test_vultr_status() -> None:
    obs = vultr_status.parse_vultr_status(
        (FIX / "vultr_status/status_2.json").read_bytes(),
        ctx("vultr", "https://status.vultr.com/status.json"),
    )
    by_id = {o.id: o for o in obs}
    block = by_id["4f1c2d7e"]
    assert (block.status, block.region, block.kind, block.impact) == (
        "resolved",
        "ams",
        "incident",
        "unknown",
    )
    assert block.resolved_at == datetime(2026, 11, 20, 10, 40, tzinfo=UTC)
    maint = by_id["9a0b3c55"]
    assert (maint.kind, maint.status, maint.region) == ("maintenance", "in_progress", "fra")


def test_statusio() -> None:
    obs = statusio.parse_statusio(
        (FIX / "statusio/status_2.json").read_bytes(),
        ctx("coreweave", "https://api.status.io/1.0/status/5e126e998f2f032e1f8f0f4b"),
    )
    inc, maint = obs
    assert (inc.impact, inc.status, inc.components) == (
        "critical",
        "identified",
        ("Kubernetes", "US-EAST-04"),
    )
    assert inc.started_at == datetime(2026, 11, 20, 9, 50, tzinfo=UTC)
    assert (maint.kind, maint.status, maint.started_at) == (
        "maintenance",
        "scheduled",
        datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
    )


def test_betterstack() -> None:
    obs = betterstack.parse_betterstack(
        (FIX / "betterstack/index_2.json").read_bytes(),
        ctx("runpod", "https://uptime.runpod.io/index.json", datetime(2026, 11, 20, 10, 7, tzinfo=UTC)),
    )
    cold, pods = obs
    assert (cold.status, cold.impact, cold.components) == ("resolved", "minor", ("Serverless",))
    assert cold.resolved_at == datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    assert [u["body"] for u in cold.updates] == [
        "Cold start times are back to normal.",
        "We are seeing slow cold starts on Serverless endpoints.",
    ]
    assert (pods.status, pods.impact, pods.url) == (
        "ongoing",
        "major",
        "https://uptime.runpod.io/incident/3300002",
    )


def test_infomaniak_events_prefer_english() -> None:
    obs = infomaniak_status.parse_events(
        (FIX / "infomaniak_status/events_2.json").read_bytes(),
        ctx("infomaniak", infomaniak_status.EVENTS_URL),
    )
    maint, slow = obs
    assert (maint.title, maint.kind, maint.status, maint.components) == (
        "Data center: scheduled maintenance",
        "maintenance",
        "scheduled",
        ("housing",),
    )
    assert (slow.title, slow.status, slow.resolved_at) == (
        "Slowness on Public Cloud",
        "resolved",
        datetime(2026, 11, 20, 10, 30, tzinfo=UTC),
    )


def test_infomaniak_pagination_follows_pages() -> None:
    from veille.sources._registry import Request

    first = Request(infomaniak_status.EVENTS_URL, params={"locale": "en"})
    nxt = infomaniak_status.next_page(first, {}, b'{"result":"success","data":[],"page":1,"pages":3}')
    assert nxt is not None and nxt.params == {"locale": "en", "page": "2"}
    assert infomaniak_status.next_page(nxt, {}, b'{"result":"success","data":[],"page":3,"pages":3}') is None


def test_generic_status_feeds_use_keywords() -> None:
    hetzner = status_feeds.parse_status_feed(
        (FIX / "status_feeds/hetzner_en_2.atom").read_bytes(),
        ctx("hetzner", "https://status.hetzner.com/en.atom"),
    )
    maint, fault = hetzner
    assert (maint.kind, maint.status, maint.impact) == ("maintenance", "in_progress", "none")
    assert (fault.id, fault.status, fault.resolved_at) == (
        "7f0e2a1c-5b3d-4e8f-9a6b-1c2d3e4f5a60",
        "resolved",
        datetime(2026, 11, 20, 10, 20, tzinfo=UTC),
    )
    contabo = status_feeds.parse_status_feed(
        (FIX / "status_feeds/contabo_1.rss").read_bytes(), ctx("contabo", "https://contabo-status.com/rss")
    )
    assert [(o.id, o.status, o.started_at) for o in contabo] == [
        ("1187", "ongoing", datetime(2026, 11, 20, 9, 10, tzinfo=UTC))
    ]


# --- bad input -------------------------------------------------------------------------------------------

JSON_PARSERS = [
    (statuspage.parse_summary, "statuspage.summary"),
    (statuspage.parse_incidents, "statuspage.incidents"),
    (statuspage.parse_history, "statuspage.history"),
    (vultr_status.parse_vultr_status, "vultr.status"),
    (statusio.parse_statusio, "statusio.status"),
    (betterstack.parse_betterstack, "betterstack.index"),
    (infomaniak_status.parse_events, "infomaniak.events"),
]


@pytest.mark.parametrize(("func", "pid"), JSON_PARSERS)
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"page": {"id": "x"}, "incidents": [',
        b"<!DOCTYPE html><html><body>Just a moment</body></html>",
        b'{"items": []}',
        b"[1, 2]",
    ],
    ids=["empty", "truncated", "html", "wrong-shape", "array"],
)
def test_json_parsers_reject_bad_bodies(func, pid: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParseError) as err:
        func(body, ctx("x", "https://example.invalid/"))
    assert err.value.parser == pid


def test_statuspage_unknown_impact_is_an_error() -> None:
    body = b'{"page": {}, "incidents": [{"id": "a", "name": "x", "status": "investigating", "impact": "apocalyptic"}]}'
    with pytest.raises(ParseError, match="unknown impact"):
        statuspage.parse_incidents(body, ctx("x", "https://example.invalid/"))


@pytest.mark.parametrize(
    "name", ["xxe.rss", "billion_laughs.atom", "truncated.rss", "html_page.html", "not_a_feed.xml"]
)
def test_status_feed_rejects_hostile_and_broken_feeds(name: str) -> None:
    with pytest.raises(ParseError):
        status_feeds.parse_status_feed(
            (FIX / "feeds" / name).read_bytes(), ctx("x", "https://example.invalid/")
        )


def test_empty_status_feed_is_no_incident() -> None:
    assert (
        status_feeds.parse_status_feed(
            (FIX / "feeds/empty.rss").read_bytes(), ctx("x", "https://example.invalid/")
        )
        == []
    )


def test_statusio_rss_ids_match_the_api() -> None:
    url = "https://status.coreweave.com/pages/5e126e998f2f032e1f8f0f4b/rss"
    [inc] = status_feeds.parse_status_feed(
        (FIX / "status_feeds/coreweave_statusio_2.rss").read_bytes(), ctx("coreweave", url)
    )
    api = statusio.parse_statusio(
        (FIX / "statusio/status_1.json").read_bytes(), ctx("coreweave", "https://api.status.io/1.0/status/x")
    )
    assert inc.id == api[0].id == "6a3f0e0b1d2c3b4a5f6e7d80"
    assert (inc.status, inc.started_at) == ("resolved", datetime(2026, 11, 20, 9, 50, tzinfo=UTC))


def test_mojibake_in_a_utf8_feed_is_repaired() -> None:
    body = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title><item><title>Ã‰tat des rÃ©seaux : rÃ©solu</title><guid>m1</guid></item></channel></rss>".encode()
    [inc] = status_feeds.parse_status_feed(body, ctx("ovhcloud", "https://example.invalid/rss"))
    assert inc.title == "État des réseaux : résolu"
    assert inc.status == "resolved"

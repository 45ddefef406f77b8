"""Every mentions / reviews / jobs / press / filings parser on real payloads and on our own fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from people_helpers import FETCHED, run_parser

from veille.observations import FeedItem, Filing, JobPosting, Mention, RatingSnapshot, Review

# --- real payloads (tests/fixtures/reference/signals) ------------------------------------------------


def test_hn_story_search_real_payload(reference: Path) -> None:
    for name in ("search_by_date_story_apple", "search_by_date_storypoll_apple"):
        body = (reference / "signals" / f"mentions_hn-algolia_{name}.json").read_bytes()
        [m] = run_parser("hn.algolia", body, "digitalocean")
        assert m == Mention(
            platform="hn",
            id="7919424",
            title="Judge says concerned about Apple, Google hiring settlement",
            url="https://news.ycombinator.com/item?id=7919424",
            author="bradleyjg",
            score=1,
            comments=0,
            created_at=datetime(2014, 6, 20, 3, 35, 46, tzinfo=UTC),
            text="",
            competitor="digitalocean",
        )


def test_hn_comment_search_real_payload(reference: Path) -> None:
    body = (reference / "signals" / "mentions_hn-algolia_search_comment_apple.json").read_bytes()
    [m] = run_parser("hn.algolia", body)
    assert m.id == "6651926"
    assert m.title == "Re: Patent war goes nuclear: Microsoft, Apple-owned Rockstar sues Google"
    assert m.author == "pg" and m.score == 293 and m.comments is None
    assert m.created_at == datetime(2013, 11, 1, 5, 18, 12, tzinfo=UTC)
    assert m.text.startswith("It's a little early to say for sure")  # entities decoded, tags dropped
    assert "<p>" not in m.text and "Apple used to be careful" in m.text
    assert m.to_dict()["created_at"] == "2013-11-01T05:18:12+00:00"


def test_reddit_listing_real_payload(reference: Path) -> None:
    body = (reference / "signals" / "mentions_reddit-listing_user-overview.json").read_bytes()
    mentions = run_parser("reddit.listing", body, "hetzner")
    assert [m.id for m in mentions] == ["t1_optfyql", "t1_optcg0g", "t3_1tvsa59", "t3_1tp51gf", "t3_1t4nr7v"]
    first, _, post = mentions[0], mentions[1], mentions[2]
    assert first.title == "Re: Steve, Jen, and Drew here — Ask Us Anything!"
    assert (
        first.url
        == "https://www.reddit.com/r/RDDT/comments/1tvs5jj/steve_jen_and_drew_here_ask_us_anything/optfyql/"
    )
    assert (first.author, first.score, first.comments) == ("spez", 22, None)
    assert first.created_at == datetime.fromtimestamp(1780620715, UTC)
    assert post.title == "Hi redditstock, leave your questions, and we’ll be back later today to answer them."
    assert (post.score, post.comments) == (98, 25)
    assert all(m.platform == "reddit" and m.competitor == "hetzner" for m in mentions)


def test_greenhouse_real_payload(reference: Path) -> None:
    body = (reference / "signals" / "jobs_greenhouse-board-api.json").read_bytes()
    jobs = run_parser("greenhouse.jobs", body, "digitalocean")
    assert len(jobs) == 2
    assert jobs[0] == JobPosting(
        id="721",
        title="Application developer",
        department=None,
        function="engineering",
        location="New York, NY",
        url="http://boards.greenhouse.io/generalassembly/jobs/721",
        published_at=datetime(2013, 9, 12, 21, 1, 50, tzinfo=UTC),
        competitor="digitalocean",
    )
    assert (jobs[1].id, jobs[1].department, jobs[1].function) == ("722", "Finance", "other")


# --- our fixtures in the real formats ---------------------------------------------------------------


def test_hn_current_shape(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    comment, story = run_parser("hn.algolia", fixture_bytes("hn/search_by_date_scaleway_page1.json"))
    assert comment.title == "Re: Ask HN: Where do you rent GPUs in Europe?"
    assert comment.text == (
        "We moved our GPU jobs to Scaleway last month. Pricing is clear and the H100 instances were available "
        "in fr-par-2 & nl-ams-1. Support answered in an hour."
    )
    assert (story.id, story.score, story.comments, story.author) == ("42200420", 87, 12, "nico_fr")
    assert story.created_at == datetime(2026, 11, 25, 8, 3, 44, tzinfo=UTC)


def test_bluesky_search(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    first, second = run_parser(
        "bluesky.search", fixture_bytes("bluesky/search_posts_ovhcloud.json"), "ovhcloud"
    )
    assert first.id == "at://did:plc:4sk7x2vq3kdbqpwdyq6c6cnx/app.bsky.feed.post/3lbxq7tz2ks2c"
    assert first.url == "https://bsky.app/profile/cloudwatcher.bsky.social/post/3lbxq7tz2ks2c"
    assert first.author == "cloudwatcher.bsky.social"  # the handle, never the display name or avatar
    assert "Camille" not in repr(first) and "avatar" not in repr(first)
    assert (first.score, first.comments) == (17, 4)
    assert first.created_at == datetime(2026, 11, 25, 10, 12, 33, 412000, tzinfo=UTC)
    assert (
        second.title
        == "Third OVHcloud object storage hiccup this month in GRA. Moving our backups elsewhere."
    )
    assert (second.score, second.comments) == (64, 9)


def test_reddit_search_fixture(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    post, deleted = run_parser("reddit.listing", fixture_bytes("reddit/search_hetzner.json"), "hetzner")
    assert (post.id, post.title, post.score, post.comments) == (
        "t3_1u0a1bc",
        "Hetzner raising cloud prices in January",
        412,
        188,
    )
    assert post.text.startswith("Got the mail today")
    assert deleted.author is None  # "[deleted]" is not a handle


def test_reddit_urls_without_permalink(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    """Comments fetched by id (and some listings) carry no ``permalink``: the URL is built from ids."""
    doc = json.loads(fixture_bytes("reddit/search_hetzner.json"))
    post = doc["data"]["children"][0]["data"]
    comment = {
        "kind": "t1",
        "data": {
            "subreddit": "selfhosted",
            "id": "m3xk9qa",
            "name": "t1_m3xk9qa",
            "link_id": "t3_1u0a1bc",
            "parent_id": "t3_1u0a1bc",
            "link_title": post["title"],
            "body": "Still cheaper than anything else in Europe.",
            "author": "eu_ops",
            "score": 12,
            "created_utc": 1795606000.0,
        },
    }
    doc["data"]["children"].append(comment)
    del post["permalink"]
    post_mention, _, reply = run_parser("reddit.listing", json.dumps(doc).encode(), "hetzner")
    assert post_mention.url == "https://www.reddit.com/r/selfhosted/comments/1u0a1bc/"
    assert reply.url == "https://www.reddit.com/r/selfhosted/comments/1u0a1bc/comment/m3xk9qa/"
    comment["data"]["link_id"] = "t3_../../evil"  # ids that are not base 36 build nothing
    assert run_parser("reddit.listing", json.dumps(doc).encode(), "hetzner")[2].url is None


def test_reddit_built_urls_match_real_permalinks(reference: Path) -> None:
    doc = json.loads((reference / "signals" / "mentions_reddit-listing_user-overview.json").read_bytes())
    listing = doc.get("listing", doc)
    permalinks = {}
    for child in listing["data"]["children"]:
        permalinks[child["data"]["name"]] = child["data"].pop("permalink")
    for mention in run_parser("reddit.listing", json.dumps(listing).encode(), "hetzner"):
        real = permalinks[mention.id].strip("/").split("/")  # r, sub, comments, post, slug[, comment]
        built = mention.url.removeprefix("https://www.reddit.com/").strip("/").split("/")
        assert built[:4] == real[:4], mention.id  # same subreddit and post
        if mention.id.startswith("t1_"):
            assert built[4:] == ["comment", real[5]]


def test_trustpilot_page(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    url = "https://www.trustpilot.com/review/digitalocean.com?sort=recency"
    obs = run_parser(
        "trustpilot.page", fixture_bytes("trustpilot/review_digitalocean_week1.html"), "digitalocean", url
    )
    rating, first, second = obs
    assert rating == RatingSnapshot(
        platform="trustpilot",
        competitor="digitalocean",
        score=Decimal("4.1"),
        scale=Decimal(5),
        count=2214,
        as_of=FETCHED,
        url="https://www.trustpilot.com/review/digitalocean.com",
    )
    assert isinstance(first, Review) and first.rating == Decimal(5) and first.author == "Marc D."
    assert first.url == "https://www.trustpilot.com/reviews/6743a1f2b0c1d2e3f4a5b6c7"
    assert first.published_at == datetime(2026, 11, 20, 9, 12, tzinfo=UTC)
    assert (second.language, second.title, second.rating) == ("fr", "Support inexistant", Decimal(1))
    assert "countryCode" not in repr(second) and "6123abc" not in repr(second)  # no profile data


def test_ashby_board(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    jobs = run_parser("ashby.jobs", fixture_bytes("ashby/job_board_lambda.json"), "lambda")
    assert [j.id for j in jobs] == [
        "8b1c6f2e-5b8a-4a53-9d52-2f5b1d6f0a11",
        "0f3e1d2c-7a6b-4c5d-8e9f-a0b1c2d3e4f5",
    ]  # unlisted skipped
    ops, eng = jobs
    assert (ops.function, ops.department, ops.location) == (
        "datacenter_ops",
        "Infrastructure / Data Center Operations",
        "Allen, TX",
    )
    assert ops.published_at == datetime(2026, 11, 3, 18, 4, 55, 127000, tzinfo=UTC)
    assert (eng.function, eng.url) == (
        "engineering",
        "https://jobs.ashbyhq.com/lambda/0f3e1d2c-7a6b-4c5d-8e9f-a0b1c2d3e4f5",
    )


def test_personio_xml(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    url = "https://contabo.jobs.personio.de/xml?language=en"
    dc, support = run_parser("personio.xml", fixture_bytes("personio/contabo_positions.xml"), "contabo", url)
    assert dc == JobPosting(
        id="2627040",
        title="Data Center Technician (m/w/d)",
        department="Data Center",
        function="datacenter_ops",
        location="München, Nürnberg",
        url="https://contabo.jobs.personio.de/job/2627040",
        published_at=datetime(2026, 10, 14, 9, 12, 31, tzinfo=UTC),
        competitor="contabo",
    )
    assert support.function == "support" and support.published_at == datetime(2026, 11, 19, 13, 3, tzinfo=UTC)
    assert run_parser("personio.xml", fixture_bytes("personio/empty_board.xml"), "contabo", url) == []


def test_lever_postings(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    sales, dev = run_parser("lever.postings", fixture_bytes("lever/postings_examplecloud.json"), "ovhcloud")
    assert (sales.title, sales.function, sales.department, sales.location) == (
        "Enterprise Account Executive (FR)", "sales", "Go To Market / Sales", "Paris, France"
    )  # fmt: skip
    assert sales.published_at == datetime.fromtimestamp(1763370000, UTC)
    assert (dev.function, dev.department) == ("engineering", "R&D / Kubernetes")


def test_workable_jobs(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    support, marketing = run_parser(
        "workable.jobs", fixture_bytes("workable/account_examplecloud.json"), "infomaniak"
    )
    assert (support.id, support.function, support.location) == (
        "7F3A2B1C9D",
        "support",
        "Lyon, Auvergne-Rhône-Alpes, France",
    )
    assert support.published_at == datetime(2026, 11, 12, tzinfo=UTC)
    assert (marketing.function, marketing.url) == ("marketing", "https://apply.workable.com/j/1A2B3C4D5E")


def test_smartrecruiters_postings(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    dc, sales = run_parser(
        "smartrecruiters.postings", fixture_bytes("smartrecruiters/postings_examplecloud.json"), "hetzner"
    )
    assert (dc.function, dc.location) == ("datacenter_ops", "Nürnberg, BY, de")
    assert dc.url == "https://jobs.smartrecruiters.com/ExampleCloudGmbH/744000012345678"
    assert (sales.function, sales.department) == ("sales", "Vertrieb")


def test_recruitee_offers(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    devops, office = run_parser(
        "recruitee.offers", fixture_bytes("recruitee/offers_examplecloud.json"), "vultr"
    )
    assert (devops.id, devops.function, devops.published_at) == (
        "1653210",
        "engineering",
        datetime(2026, 11, 6, 10, 30, tzinfo=UTC),
    )
    assert (office.function, office.location, office.department) == ("other", "Utrecht, Netherlands", None)


def test_edgar_submissions(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    filings = run_parser(
        "edgar.submissions", fixture_bytes("edgar/submissions_CIK0001582961_nov24.json"), "digitalocean"
    )
    assert [f.form for f in filings] == ["8-K", "10-Q", "8-K", "10-Q"]  # the Form 4 is not watched
    first = filings[0]
    assert first == Filing(
        competitor="digitalocean",
        id="0001582961-26-000187",
        form="8-K",
        title="8-K current report: direct financial obligation; material definitive agreement",
        url="https://www.sec.gov/Archives/edgar/data/1582961/000158296126000187/docn-20261121.htm",
        filed_at=datetime(2026, 11, 24, 21, 31, 9, tzinfo=UTC),  # 16:31:09 in New York (EST)
        items=("1.01", "2.03", "9.01"),
    )
    assert filings[1].items == () and filings[1].title == "10-Q quarterly report"
    assert filings[2].title == "8-K current report: results of operations"


def test_edgar_times_are_new_york_time(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    """A real submissions file: acceptanceDateTime is EDGAR's Eastern clock despite its "Z"."""
    body = fixture_bytes("edgar/submissions_CIK0000717423.json")
    recent = json.loads(body)["filings"]["recent"]
    filing_date = dict(zip(recent["accessionNumber"], recent["filingDate"], strict=True))
    accepted = dict(zip(recent["accessionNumber"], recent["acceptanceDateTime"], strict=True))
    filings = run_parser("edgar.submissions", body, "murphy")
    assert len(filings) == 174
    new_york = ZoneInfo("America/New_York")
    after_hours = 0
    for filing in filings:
        local = filing.filed_at.astimezone(new_york)
        assert local.replace(tzinfo=None) == datetime.fromisoformat(accepted[filing.id][:19])
        filed = date.fromisoformat(filing_date[filing.id])
        assert local.date() <= filed, filing.id  # never after EDGAR's own date
        if local.date() < filed:  # accepted after EDGAR's 17:30 cut-off: dated the next business day
            after_hours += 1
            assert local.time() >= time(17, 30) and filed - local.date() <= timedelta(days=4), filing.id
            assert filed.weekday() < 5
    assert after_hours == 42
    by_id = {f.id: f for f in filings}
    assert by_id["0000717423-22-000053"].filed_at == datetime(2022, 8, 3, 23, 1, 8, tzinfo=UTC)  # EDT, -4 h
    assert by_id["0000950103-22-003536"].filed_at == datetime(2022, 2, 28, 22, 3, 15, tzinfo=UTC)  # EST, -5 h


def test_press_feed_french_rss(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    raise_, region, old = run_parser("news.feed", fixture_bytes("news/press_fr_2.rss"), "scaleway")
    assert raise_ == FeedItem(
        id="scw-press-2026-11-24",
        title="Scaleway lève 150 M€ pour accélérer ses clusters GPU",
        url="https://www.scaleway.com/fr/presse/levee-150-millions/",
        published_at=datetime(2026, 11, 24, 6, 30, tzinfo=UTC),
        tags=("funding",),
        summary=(
            "Cette levée de fonds de série B, menée par un consortium d'investisseurs européens, "
            "financera 5 000 GPU supplémentaires."
        ),
        competitor="scaleway",
    )
    assert region.tags == () and old.tags == ("acquisition",)


def test_press_feed_german_atom(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    takeover, site = run_parser("news.feed", fixture_bytes("news/presse_de_2.atom"), "hetzner")
    assert takeover.id == "tag:hetzner.com,2026:pressroom/uebernahme-finnland"
    assert takeover.url == "https://www.hetzner.com/de/pressroom/uebernahme-finnland/"
    assert takeover.published_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert takeover.tags == ("acquisition",)
    assert takeover.summary == "Die Übernahme im Wert von 2,5 Mrd. Euro stärkt den Standort Tuusula."
    assert site.tags == ()


def test_trustpilot_json_ld_fallback(fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    url = "https://www.trustpilot.com/review/vultr.com?sort=recency"
    [rating] = run_parser(
        "trustpilot.page", fixture_bytes("trustpilot/review_vultr_json_ld_only.html"), "vultr", url
    )
    assert rating == RatingSnapshot(
        platform="trustpilot",
        competitor="vultr",
        score=Decimal("4.2"),
        scale=Decimal(5),
        count=1297,
        as_of=FETCHED,
        url=url,
    )

"""Two successive states of each signal source give exactly the expected events; a third identical
state gives none. Ingestors run through ``veille.ingest.ingest`` on both database backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from people_helpers import fixture, replay
from sqlalchemy import func, select

from veille.analysis.hiring import counts_over_time
from veille.ingest import IngestContext, ingest
from veille.settings import Settings
from veille.sources import get_source
from veille.sources.greenhouse import board as greenhouse_board
from veille.sources.news import press_feed
from veille.store.db import Store
from veille.store.jobs import open_counts
from veille.store.models import EventRow, FilingRow, JobRow, MentionCount, MentionRow, RatingRow, ReviewRow

T1 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=1)
T3 = T1 + timedelta(hours=2)


def _keys(drafts: list) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return sorted((d.kind, d.importance, d.dedup_key) for d in drafts)


def test_hn_mentions(any_store: Store) -> None:
    spec = get_source("scaleway.mentions.hn")
    state1 = fixture("hn/search_by_date_scaleway_page1.json")
    doc = json.loads(state1)
    doc["hits"][1]["points"], doc["hits"][1]["num_comments"] = 140, 31  # the story takes off
    doc["hits"].insert(
        0, {**doc["hits"][0], "objectID": "42210999", "created_at_i": 1795642000, "author": "eu_ops"}
    )
    state2 = json.dumps(doc).encode()

    assert _keys(replay(any_store, spec, state1, T1)) == [
        ("mention", "low", "mention:hn:42200420"),
        ("mention", "low", "mention:hn:42210077"),
    ]
    assert _keys(replay(any_store, spec, state2, T2)) == [
        ("mention", "low", "mention:hn:42210999"),
        ("mention", "medium", "mention:hn:42200420:popular"),
    ]
    assert replay(any_store, spec, state2, T3) == []
    with any_store.session() as s:
        story = s.scalars(select(MentionRow).where(MentionRow.mention_id == "42200420")).one()
        counts = s.execute(
            select(MentionCount.score, MentionCount.comments)
            .where(MentionCount.mention_row_id == story.id)
            .order_by(MentionCount.observed_at)
        ).all()
        assert [tuple(c) for c in counts] == [(87, 12), (140, 31)]
        assert (story.score, story.first_seen_at, story.last_seen_at) == (140, T1, T3)
        assert s.scalar(select(func.count()).select_from(MentionRow)) == 3
        assert s.scalar(select(func.count()).select_from(EventRow)) == 4


def test_reddit_mentions(any_store: Store) -> None:
    spec = get_source("hetzner.mentions.reddit")
    state1 = fixture("reddit/search_hetzner.json")
    doc = json.loads(state1)
    doc["data"]["children"][0]["data"]["score"] = 455
    new = json.loads(json.dumps(doc["data"]["children"][1]))
    new["data"].update(
        id="1u0c3de", name="t3_1u0c3de", title="Hetzner vs OVH for a small SaaS?", author="saas_dev", score=2
    )
    doc["data"]["children"].append(new)
    state2 = json.dumps(doc).encode()
    assert _keys(replay(any_store, spec, state1, T1)) == [
        ("mention", "low", "mention:reddit:t3_1u0b2cd"),
        ("mention", "medium", "mention:reddit:t3_1u0a1bc"),  # 412 points: popular from the start
    ]
    assert _keys(replay(any_store, spec, state2, T2)) == [("mention", "low", "mention:reddit:t3_1u0c3de")]
    assert replay(any_store, spec, state2, T3) == []
    # the author deletes the post: the next run honours it, and raises nothing
    doc["data"]["children"][0]["data"].update(author="[deleted]", selftext="[deleted]")
    assert replay(any_store, spec, json.dumps(doc).encode(), T3 + timedelta(hours=1)) == []
    with any_store.session() as s:
        row = s.scalars(select(MentionRow).where(MentionRow.mention_id == "t3_1u0a1bc")).one()
        assert (row.author, row.text, row.score) == (None, "", 455)


def test_bluesky_mentions(any_store: Store) -> None:
    spec = get_source("ovhcloud.mentions.bluesky")
    state1 = fixture("bluesky/search_posts_ovhcloud.json")
    doc = json.loads(state1)
    doc["posts"][0]["likeCount"] = 51
    state2 = json.dumps(doc).encode()
    assert [d.importance for d in replay(any_store, spec, state1, T1)] == ["low", "medium"]
    drafts = replay(any_store, spec, state2, T2)
    assert _keys(drafts) == [
        (
            "mention",
            "medium",
            "mention:bluesky:at://did:plc:4sk7x2vq3kdbqpwdyq6c6cnx/app.bsky.feed.post/3lbxq7tz2ks2c:popular",
        )
    ]
    assert drafts[0].data["author"] == "cloudwatcher.bsky.social"
    assert replay(any_store, spec, state2, T3) == []


def test_trustpilot_rating_and_reviews(any_store: Store) -> None:
    spec = get_source("digitalocean.reviews.trustpilot")
    week1 = fixture("trustpilot/review_digitalocean_week1.html")
    week2 = fixture("trustpilot/review_digitalocean_week2.html")
    first = replay(any_store, spec, week1, T1)
    assert _keys(first) == [
        ("review", "low", "review:trustpilot:6743a1f2b0c1d2e3f4a5b6c7"),
        ("review", "medium", "review:trustpilot:6743a1f2b0c1d2e3f4a5b6c8"),  # negative about support
    ]
    later = T1 + timedelta(days=7)
    second = replay(any_store, spec, week2, later)
    assert _keys(second) == [
        ("rating_change", "medium", f"rating_change:digitalocean:trustpilot:{later.isoformat()}"),
        ("review", "low", "review:trustpilot:6743a1f2b0c1d2e3f4a5b6c9"),
    ]
    change = next(d for d in second if d.kind == "rating_change")
    assert change.data == {
        "platform": "trustpilot",
        "score": "3.9",
        "previous_score": "4.1",
        "count": 2231,
        "previous_count": 2214,
    }
    assert change.title == "digitalocean trustpilot rating 4.1 → 3.9 ↓ (+17 reviews)"
    review = next(d for d in first if d.dedup_key.endswith("c8"))
    assert (
        review.data["headline"] and review.data["headline"] in review.title
    )  # the title again, in French too
    assert replay(any_store, spec, week2, later + timedelta(hours=1)) == []
    with any_store.session() as s:
        assert [r.score for r in s.scalars(select(RatingRow).order_by(RatingRow.as_of))] == [
            Decimal("4.1"),
            Decimal("3.9"),
        ]
        julie = s.scalars(select(ReviewRow).where(ReviewRow.review_id == "6743a1f2b0c1d2e3f4a5b6c8")).one()
        assert julie.themes == ["support"] and julie.sentiment == Decimal("-0.50")
        pierre = s.scalars(select(ReviewRow).where(ReviewRow.review_id == "6743a1f2b0c1d2e3f4a5b6c9")).one()
        assert pierre.themes == ["price", "ux"] and pierre.sentiment < 0


def test_greenhouse_jobs_and_hiring_trend(any_store: Store) -> None:
    spec = greenhouse_board("digitalocean", "digitalocean98")
    day1, day2 = (
        fixture("greenhouse/board_digitalocean98_day1.json"),
        fixture("greenhouse/board_digitalocean98_day2.json"),
    )
    monday = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    thursday = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert replay(any_store, spec, day1, monday) == []  # the first snapshot is the baseline
    drafts = replay(any_store, spec, day2, thursday)
    assert _keys(drafts) == [("hiring", "high", "hiring:digitalocean:gpu_ai:2026-W48")]
    assert drafts[0].title == "digitalocean: +150% GPU/AI roles since 2026-11-16 (2 → 5)"
    assert drafts[0].data["change"] == 3 and drafts[0].data["change_pct"] == "150"
    assert replay(any_store, spec, day2, thursday + timedelta(hours=12)) == []
    with any_store.session() as s:
        series = counts_over_time(s, "digitalocean", monday - timedelta(days=1), thursday, timedelta(days=5))
        assert [(at.date().isoformat(), c["gpu_ai"], c["sales"]) for at, c in series] == [
            ("2026-11-15", 0, 0),
            ("2026-11-20", 2, 1),
            ("2026-11-25", 2, 1),
        ]
        assert open_counts(s, "digitalocean", thursday) == {"gpu_ai": 5, "engineering": 1, "support": 1}
        closed = s.scalars(select(JobRow).where(JobRow.closed_at.is_not(None))).all()
        assert [(j.job_id, j.function, j.closed_at) for j in closed] == [("7975127", "sales", thursday)]
        assert s.scalar(select(func.count()).select_from(JobRow).where(JobRow.closed_at.is_(None))) == 7


def test_a_hiring_trend_that_persists_is_one_signal(any_store: Store) -> None:
    """Week 2: +150% (2 → 5). Week 3, the same five roles: no new event. Week 4, nine: it moved again."""
    spec = greenhouse_board("digitalocean", "digitalocean98")
    day1, day2 = (
        fixture("greenhouse/board_digitalocean98_day1.json"),
        fixture("greenhouse/board_digitalocean98_day2.json"),
    )
    monday = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)
    replay(any_store, spec, day1, monday)
    assert len(replay(any_store, spec, day2, monday + timedelta(days=10))) == 1
    assert replay(any_store, spec, day2, monday + timedelta(days=17)) == []  # same level, new ISO week
    board = json.loads(day2)
    gpu = next(j for j in board["jobs"] if "GPU" in j["title"] or "ML" in j["title"] or "AI" in j["title"])
    board["jobs"] += [{**gpu, "id": 990000 + n, "internal_job_id": 990000 + n} for n in range(4)]
    drafts = replay(any_store, spec, json.dumps(board).encode(), monday + timedelta(days=24))
    assert [(d.dedup_key, d.data["open_before"], d.data["open_now"]) for d in drafts] == [
        ("hiring:digitalocean:gpu_ai:2026-W50", 2, 9)
    ]


def test_emptied_board_closes_every_posting(any_store: Store) -> None:
    spec = get_source("contabo.jobs.personio")
    replay(any_store, spec, fixture("personio/contabo_positions.xml"), T1)
    assert replay(any_store, spec, fixture("personio/empty_board.xml"), T2) == []
    with any_store.session() as s:
        assert s.scalars(select(JobRow.closed_at)).all() == [T2, T2]
    # and the same through ``ingest`` with no observations at all (what the runner hands over)
    with any_store.session() as s:
        ingest(IngestContext(session=s, source=spec, run_id=None, now=T3, settings=Settings()), [])
        assert s.scalars(select(JobRow.closed_at)).all() == [T2, T2]


@pytest.mark.parametrize(
    ("spec_factory", "relative", "parser_list_key"),
    [
        ("ashby", "ashby/job_board_lambda.json", "jobs"),
        ("lever", "lever/postings_examplecloud.json", None),
        ("workable", "workable/account_examplecloud.json", "jobs"),
        ("smartrecruiters", "smartrecruiters/postings_examplecloud.json", "content"),
        ("recruitee", "recruitee/offers_examplecloud.json", "offers"),
    ],
)
def test_other_boards_open_and_close(
    any_store: Store, spec_factory: str, relative: str, parser_list_key: str | None
) -> None:
    import importlib

    module = importlib.import_module(f"veille.sources.{spec_factory}")
    spec = module.board("vultr", "examplecloud")
    state1 = fixture(relative)
    doc = json.loads(state1)
    postings = doc if parser_list_key is None else doc[parser_list_key]
    postings.pop(0)
    if parser_list_key == "content":
        doc["totalFound"] = len(postings)
    state2 = json.dumps(doc).encode()
    assert replay(any_store, spec, state1, T1) == []
    assert replay(any_store, spec, state2, T2) == []  # one closed role is no trend
    assert replay(any_store, spec, state2, T3) == []
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(JobRow).where(JobRow.closed_at == T2)) == 1
        assert s.scalar(select(func.count()).select_from(JobRow).where(JobRow.closed_at.is_(None))) >= 1


def test_french_press_feed_funding(any_store: Store) -> None:
    spec = press_feed("scaleway", "presse", "https://www.scaleway.com/fr/presse/rss.xml")
    assert replay(any_store, spec, fixture("news/press_fr_1.rss"), T1) == []
    drafts = replay(any_store, spec, fixture("news/press_fr_2.rss"), T2)
    assert [(d.kind, d.importance, d.title) for d in drafts] == [
        ("funding", "high", "Scaleway lève 150 M€ pour accélérer ses clusters GPU")
    ]  # the 2025 acquisition is backlog, not news
    assert {k: drafts[0].data[k] for k in ("amount", "currency", "round", "kind")} == {
        "amount": "150000000",
        "currency": "EUR",
        "round": "series_b",
        "kind": "funding",
    }
    assert replay(any_store, spec, fixture("news/press_fr_2.rss"), T3) == []


def test_general_press_feed_gives_only_the_competitors_own_funding(any_store: Store) -> None:
    """A newspaper feed: a transfer blog, a tax case, another company's raise, and Hetzner's raise."""
    spec = press_feed("hetzner", "courier", "https://www.example-courier.co.uk/business/rss")
    drafts = replay(any_store, spec, fixture("news/general_press_en.rss"), T1)
    assert [(d.kind, d.title) for d in drafts] == [
        ("funding", "Hetzner raises €200 million to build a third data centre in Finland")
    ]
    assert (drafts[0].data["amount"], drafts[0].data["currency"]) == ("200000000", "EUR")


def test_german_press_feed_acquisition(any_store: Store) -> None:
    spec = press_feed("hetzner", "presse", "https://www.hetzner.com/de/pressroom/feed.atom")
    assert replay(any_store, spec, fixture("news/presse_de_1.atom"), T1) == []
    [draft] = replay(any_store, spec, fixture("news/presse_de_2.atom"), T2)
    assert (draft.kind, draft.importance, draft.competitor) == ("funding", "high", "hetzner")
    assert (draft.data["kind"], draft.data["amount"], draft.data["currency"]) == (
        "acquisition",
        "2500000000",
        "EUR",
    )
    assert replay(any_store, spec, fixture("news/presse_de_2.atom"), T3) == []


def test_edgar_filings(any_store: Store) -> None:
    spec = get_source("digitalocean.filings.edgar")
    nov5 = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
    nov25 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    first = replay(any_store, spec, fixture("edgar/submissions_CIK0001582961_nov04.json"), nov5)
    assert _keys(first) == [
        ("filing", "low", "filing:digitalocean:0001582961-26-000170"),
        ("filing", "low", "filing:digitalocean:0001582961-26-000171"),
    ]  # the August 10-Q is stored without an event
    second = replay(any_store, spec, fixture("edgar/submissions_CIK0001582961_nov24.json"), nov25)
    assert _keys(second) == [("funding", "high", "funding:digitalocean:edgar:0001582961-26-000187")]
    assert second[0].data["kind"] == "debt" and second[0].data["items"] == ["1.01", "2.03", "9.01"]
    assert (
        replay(
            any_store, spec, fixture("edgar/submissions_CIK0001582961_nov24.json"), nov25 + timedelta(hours=6)
        )
        == []
    )
    with any_store.session() as s:
        assert s.scalar(select(func.count()).select_from(FilingRow)) == 4


def test_newsroom_feeds_of_the_changelog_module_are_scanned_too(any_store: Store) -> None:
    from dataclasses import replace

    base = press_feed("hetzner", "presse", "https://www.hetzner.com/de/pressroom/feed.atom")
    newsroom = replace(base, id="hetzner.news", kind="changelog")
    blog = replace(base, id="hetzner.blog", kind="changelog")
    for spec in (newsroom, blog):
        replay(any_store, spec, fixture("news/presse_de_1.atom"), T1)
    funding = [
        d for d in replay(any_store, newsroom, fixture("news/presse_de_2.atom"), T2) if d.kind == "funding"
    ]
    assert [(d.importance, d.data["kind"]) for d in funding] == [("high", "acquisition")]
    assert [
        d for d in replay(any_store, blog, fixture("news/presse_de_2.atom"), T2) if d.kind == "funding"
    ] == []


def test_news_search_hits_about_somebody_else_are_ignored(any_store: Store) -> None:
    spec = get_source("scaleway.news.google-fr")
    other = fixture("news/press_fr_2.rss").replace(
        "Scaleway lève 150 M€".encode(), "NeoCloud lève 150 M€".encode()
    )
    assert replay(any_store, spec, other, T1) == []  # the search matched on another item, not this one
    [draft] = replay(any_store, spec, fixture("news/press_fr_2.rss"), T2)
    assert (draft.kind, draft.competitor) == ("funding", "scaleway")

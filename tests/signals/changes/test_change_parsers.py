"""Product-change parsers: generic feeds (French and German blogs), GitHub releases, Scaleway's
changelog (real MDX entry and contents listings), safe XML handling, and tagging."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.errors import ParseError
from veille.normalise.tagging import AREAS, roadmap_candidate, tag_item, tag_text
from veille.sources import feeds, github_releases, scaleway_changelog
from veille.sources._feedparse import parse_date, parse_feed
from veille.sources._registry import ParseContext, Request

FIX = Path(__file__).resolve().parents[2] / "fixtures"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def ctx(competitor: str | None, url: str) -> ParseContext:
    return ParseContext(source_id="test", competitor=competitor, url=url, fetched_at=NOW)


def test_french_wordpress_feed() -> None:
    items = feeds.parse_generic_feed(
        (FIX / "feeds/blog_fr_2.rss").read_bytes(), ctx("ovhcloud", "https://blog.ovhcloud.com/feed/")
    )
    assert [i.id for i in items] == [
        "https://blog.ovhcloud.com/?p=31002",
        "https://blog.ovhcloud.com/?p=31001",
        "https://blog.ovhcloud.com/?p=31000",
        "https://blog.ovhcloud.com/?p=30500",
    ]
    region, gpu, price, event = items
    assert region.title == "Une nouvelle région à Milan pour le Public Cloud"
    assert region.published_at == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    assert region.tags == ("region",)
    assert gpu.tags == ("compute", "gpu_ai")
    assert price.tags == ("storage", "pricing")
    assert event.tags == ()
    assert all(i.competitor == "ovhcloud" for i in items)
    assert price.url == "https://blog.ovhcloud.com/evolution-des-tarifs-stockage-objet/"


def test_german_atom_feed() -> None:
    items = feeds.parse_generic_feed(
        (FIX / "feeds/blog_de_2.atom").read_bytes(), ctx("hetzner", "https://www.hetzner.com/news/feed.rss")
    )
    assert [(i.title, i.tags) for i in items] == [
        ("Neuer Standort: Rechenzentrum in Singapur", ("region",)),
        ("Preisanpassung für Cloud Server ab 1. Januar", ("compute", "pricing")),
        ("Neue dedizierte GPU-Server mit NVIDIA RTX 6000", ("compute", "gpu_ai")),
    ]
    assert items[0].url == "https://www.hetzner.com/de/news/neuer-standort-singapur/"
    assert items[0].summary == "Unsere Cloud ist jetzt auch in Singapur verfügbar."


def test_github_release_feed() -> None:
    items = github_releases.parse_releases(
        (FIX / "github_releases/releases_2.atom").read_bytes(),
        ctx("hetzner", "https://github.com/hetznercloud/cli/releases.atom"),
    )
    assert [i.title for i in items] == [
        "hetznercloud/cli v1.53.0",
        "hetznercloud/cli v1.52.0",
        "hetznercloud/cli v1.51.0",
    ]
    assert items[0].id == "tag:github.com,2008:Repository/105235004/v1.53.0"
    assert items[0].url == "https://github.com/hetznercloud/cli/releases/tag/v1.53.0"
    assert items[0].published_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert items[0].tags == ("storage",)
    assert items[1].tags == ("compute", "network")
    assert "load-balancer: add health check for HTTP/2" in items[1].summary


def test_relative_release_links_are_resolved_against_the_feed_url() -> None:
    body = (
        (FIX / "github_releases/releases_2.atom")
        .read_bytes()
        .replace(
            b'href="https://github.com/hetznercloud/cli/releases/tag/',
            b'href="/hetznercloud/cli/releases/tag/',
        )
    )
    assert b'href="/hetznercloud/cli/releases/tag/v1.53.0"' in body
    items = github_releases.parse_releases(
        body, ctx("hetzner", "https://github.com/hetznercloud/cli/releases.atom")
    )
    assert [i.url for i in items] == [
        f"https://github.com/hetznercloud/cli/releases/tag/v1.5{n}.0" for n in (3, 2, 1)
    ]


def test_relative_rss_links_are_resolved_against_the_feed_url() -> None:
    body = (
        (FIX / "feeds/blog_fr_2.rss")
        .read_bytes()
        .replace(
            b"<link>https://blog.ovhcloud.com/nouvelle-region-milan/</link>",
            b"<link>/nouvelle-region-milan/</link>",
        )
        .replace(
            b"<link>https://blog.ovhcloud.com/nouvelles-instances-gpu-h200/</link>",
            b"<link>../nouvelles-instances-gpu-h200/</link>",
        )
    )
    region, gpu, *_ = feeds.parse_generic_feed(body, ctx("ovhcloud", "https://blog.ovhcloud.com/fr/feed/"))
    assert region.url == "https://blog.ovhcloud.com/nouvelle-region-milan/"
    assert gpu.url == "https://blog.ovhcloud.com/fr/nouvelles-instances-gpu-h200/"
    # read from a file (no web URL): the channel's own link is the base
    region, gpu, *_ = feeds.parse_generic_feed(body, ctx("ovhcloud", "file:///tmp/blog_fr_2.rss"))
    assert (region.url, gpu.url) == (
        "https://blog.ovhcloud.com/nouvelle-region-milan/",
        "https://blog.ovhcloud.com/nouvelles-instances-gpu-h200/",
    )


def test_atom_xml_base_and_unsafe_links() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.hetzner.com/de/">
  <title>News</title><id>tag:hetzner.com,2026:news</id><updated>2026-11-20T08:00:00Z</updated>
  <link rel="alternate" href="news/"/>
  <entry xml:base="news/2026/"><title>Singapur</title><id>a</id><updated>2026-11-20T08:00:00Z</updated>
    <link rel="alternate" href="singapur/"/></entry>
  <entry><title>Preise</title><id>b</id><updated>2026-11-19T08:00:00Z</updated>
    <link href="/en/news/prices"/></entry>
  <entry><title>Trap</title><id>c</id><updated>2026-11-18T08:00:00Z</updated>
    <link href="javascript:alert(1)"/></entry>
</feed>"""
    feed = parse_feed(body, "feed", "https://feeds.example.net/hetzner.atom")
    assert feed.link == "https://www.hetzner.com/de/news/"
    assert [e.link for e in feed.entries] == [
        "https://www.hetzner.com/de/news/2026/singapur/",
        "https://www.hetzner.com/en/news/prices",
        None,
    ]


def test_github_release_parser_wants_atom() -> None:
    with pytest.raises(ParseError, match="Atom"):
        github_releases.parse_releases(
            (FIX / "feeds/blog_fr_1.rss").read_bytes(), ctx("x", "https://github.com/a/b/releases.atom")
        )


def test_real_scaleway_changelog_entry(reference: Path) -> None:
    url = "https://raw.githubusercontent.com/scaleway/docs-content/main/changelog/april2026/2026-04-22-elastic-metal-added-new-beryllium-offers.mdx"
    [item] = scaleway_changelog.parse_changelog(
        (reference / "signals/changelog_scaleway_docs-content-entry.mdx").read_bytes(), ctx("scaleway", url)
    )
    assert item.id == "changelog/april2026/2026-04-22-elastic-metal-added-new-beryllium-offers.mdx"
    assert item.title == "Elastic Metal: New Beryllium offers"
    assert item.published_at == datetime(2026, 4, 22, tzinfo=UTC)
    assert item.url == "https://github.com/scaleway/docs-content/blob/main/" + item.id
    assert "compute" in item.tags and "pricing" not in item.tags  # a price column is not a price change
    assert item.summary.startswith("New Epyc 4005 servers are now available in the Beryllium range")


def test_scaleway_own_mdx_and_listing() -> None:
    [entry] = scaleway_changelog.parse_changelog(
        (FIX / "scaleway_changelog/entry.mdx").read_bytes(), ctx("scaleway", "entry.mdx")
    )
    assert (entry.title, entry.tags) == (
        "Managed Inference: Managed Inference is available in Warsaw",
        ("gpu_ai", "region"),
    )
    listing = scaleway_changelog.parse_changelog(
        (FIX / "scaleway_changelog/november2026_2.json").read_bytes(),
        ctx("scaleway", scaleway_changelog.LISTING_URL + "/november2026"),
    )
    assert [(i.title, i.published_at, i.tags) for i in listing] == [
        (
            "Gpu Instances: New gpu b300 instances available",
            datetime(2026, 11, 10, tzinfo=UTC),
            ("compute", "gpu_ai"),
        ),
        (
            "Load Balancers: Lb gp xs offer end of life",
            datetime(2026, 11, 12, tzinfo=UTC),
            ("network", "deprecation"),
        ),
        (
            "Object Storage: New pricing for glacier class",
            datetime(2026, 11, 19, tzinfo=UTC),
            ("storage", "pricing"),
        ),
    ]
    root = scaleway_changelog.parse_changelog(
        (FIX / "scaleway_changelog/root.json").read_bytes(), ctx("scaleway", scaleway_changelog.LISTING_URL)
    )
    assert root == []  # month folders only


def test_scaleway_listing_walk() -> None:
    root = Request(scaleway_changelog.LISTING_URL, headers=scaleway_changelog.GITHUB_HEADERS)
    first = scaleway_changelog.next_listing(root, {}, (FIX / "scaleway_changelog/root.json").read_bytes())
    assert first is not None
    assert first.url == scaleway_changelog.LISTING_URL + "/november2026" and first.params == {"ref": "main"}
    november = (FIX / "scaleway_changelog/november2026_1.json").read_bytes()
    entry = scaleway_changelog.next_listing(first, {}, november)
    # the month's newest entries are read first (newest first), then the month before
    assert entry is not None and entry.url.startswith(
        "https://raw.githubusercontent.com/scaleway/docs-content/"
    )
    queue = [entry, *entry.then]
    assert queue[-1].url == scaleway_changelog.LISTING_URL + "/october2026"
    assert [r.url.rsplit("/", 1)[-1] for r in queue[:-1]] == sorted(
        (r.url.rsplit("/", 1)[-1] for r in queue[:-1]), reverse=True
    )
    assert (
        scaleway_changelog.next_listing(entry, {}, b"---\ntitle: t\n---\n") is None
    )  # an entry: queue goes on
    second = queue[-1]
    last = scaleway_changelog.next_listing(
        second, {}, (FIX / "scaleway_changelog/october2026.json").read_bytes()
    )
    assert last is not None and last.url.endswith("2026-10-28-kubernetes-added-kapsule-1-34-support.mdx")
    assert last.then == ()  # the month before lists its entries, then the walk stops
    assert scaleway_changelog.next_listing(second, {}, b"[]") is None
    january = Request(scaleway_changelog.LISTING_URL + "/january2027", params={"ref": "main"})
    back = scaleway_changelog.next_listing(january, {}, b"[]")
    assert back is not None and back.url.endswith("/december2026")


@pytest.mark.parametrize(
    "body",
    [
        b"---\ntitle: [unclosed\n---\nx",
        b"no front matter here",
        b'{"message": "API rate limit exceeded"}',
        b'[{"foo": 1}]',
    ],
    ids=["bad-yaml", "no-front-matter", "rate-limited", "wrong-listing"],
)
def test_scaleway_bad_bodies(body: bytes) -> None:
    with pytest.raises(ParseError):
        scaleway_changelog.parse_changelog(body, ctx("scaleway", "x"))


# --- safe parsing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("xxe.rss", "DOCTYPE/ENTITY"),
        ("billion_laughs.atom", "DOCTYPE/ENTITY"),
        ("truncated.rss", "malformed or truncated"),
        ("html_page.html", "HTML page"),
        ("not_a_feed.xml", "not an Atom or RSS feed"),
    ],
)
def test_feed_parsers_reject_hostile_and_broken_bodies(name: str, message: str) -> None:
    body = (FIX / "feeds" / name).read_bytes()
    for parse in (feeds.parse_generic_feed, github_releases.parse_releases):
        with pytest.raises(ParseError, match=message):
            parse(body, ctx("x", "https://github.com/a/b/releases.atom"))


def test_entity_declared_after_a_comment_is_still_refused() -> None:
    body = b'<?xml version="1.0"?><!-- hi --><!DOCTYPE x [<!ENTITY a "b">]><rss version="2.0"><channel><title>&a;</title></channel></rss>'
    with pytest.raises(ParseError, match="DOCTYPE/ENTITY"):
        feeds.parse_generic_feed(body, ctx("x", "u"))


def test_size_cap() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
        + b"a" * (17 * 1024 * 1024)
        + b"</title></channel></rss>"
    )
    with pytest.raises(ParseError, match="cap"):
        feeds.parse_generic_feed(body, ctx("x", "u"))


def test_empty_feed_is_legitimate() -> None:
    assert feeds.parse_generic_feed((FIX / "feeds/empty.rss").read_bytes(), ctx("x", "u")) == []


def test_mislabelled_encoding_and_broken_dates() -> None:
    items = feeds.parse_generic_feed((FIX / "feeds/latin1_mislabelled.rss").read_bytes(), ctx("x", "u"))
    assert [i.title for i in items] == [
        "Nouveautés : réseau privé et sauvegardes",
        "Améliorations du stockage",
    ]
    assert items[0].published_at is None  # "not a date"
    assert items[0].tags == ("storage", "network")
    assert items[1].published_at == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def test_cdata_doctype_inside_content_is_not_a_declaration() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title><guid>g</guid><description><![CDATA[<!DOCTYPE html><p>hello</p>]]></description></item></channel></rss>'
    [item] = feeds.parse_generic_feed(body, ctx("x", "u"))
    assert item.summary == "hello"


def test_archive_feeds_are_capped_to_the_newest() -> None:
    entries = "".join(
        f"<item><title>t{i}</title><guid>g{i}</guid><pubDate>{parse_rfc(i)}</pubDate></item>"
        for i in range(feeds.MAX_ITEMS + 20)
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'.encode()
    )
    items = feeds.parse_generic_feed(body, ctx("x", "u"))
    assert len(items) == feeds.MAX_ITEMS
    assert items[0].id == f"g{feeds.MAX_ITEMS + 19}"


def parse_rfc(i: int) -> str:
    from datetime import timedelta
    from email.utils import format_datetime

    return format_datetime(NOW - timedelta(hours=10_000 - i))


def test_dates() -> None:
    assert parse_date("Fri, 20 Nov 2026 10:00:00 +0100") == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert parse_date("2026-11-20T10:00:00Z") == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert parse_date("2026-11-20 10:00:00 +0000") == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert parse_date("2026-11-20") == datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_date("yesterday") is None and parse_date("") is None
    assert parse_feed(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "t").entries == ()


# --- tagging ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New H100 GPU instances for AI inference", ("compute", "gpu_ai")),
        ("Nouvelle offre de bases de données PostgreSQL managées", ("database",)),
        ("Kubernetes Kapsule now supports 1.34", ("kubernetes",)),
        ("Hausse des prix des serveurs dédiés", ("compute", "pricing")),
        ("Abkündigung der CX11-Server", ("compute", "deprecation")),
        ("Neue Datenbank-Optionen und Load Balancer", ("network", "database")),
        ("Serverless Functions: Node 22 runtime", ("serverless",)),
        ("Object Storage: nouvelle classe froide à Paris", ("storage",)),
        ("New email templates and a detailed album", ()),
        ("Fin de vie de l'offre VPS Starter", ("compute", "deprecation")),
        ("Ouverture d'une nouvelle région à Londres", ("region",)),
        ("Dedizierte Server in neuem Rechenzentrum", ("compute", "region")),
        ("GPU Droplets are now available in ATL1", ("compute", "gpu_ai", "region")),
        ("Instances désormais disponibles à PAR-2", ("compute", "region")),
        ("Version 1.2 available in beta", ()),
    ],
)
def test_tags_in_three_languages(text: str, expected: tuple[str, ...]) -> None:
    assert tag_text(text) == expected


def test_roadmap_candidate_follows_what_vmcloud_sells() -> None:
    assert (
        roadmap_candidate(("gpu_ai",))
        and roadmap_candidate(("network",))
        and roadmap_candidate(("storage", "pricing"))
    )
    assert (
        not roadmap_candidate(("database",))
        and not roadmap_candidate(("pricing",))
        and not roadmap_candidate(())
    )
    assert set(tag_item("x", "", ("bare-metal", "gpu"))) <= set(AREAS)
    assert tag_item("Cloud update", "See our pricing page for prices") == ()


def test_unknown_declared_encoding_is_a_parse_error() -> None:
    body = (
        b'<?xml version="1.0" encoding="utfb8"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    )
    with pytest.raises(ParseError, match="encoding"):
        feeds.parse_generic_feed(body, ctx("x", "u"))


def test_wrong_types_deep_in_a_document_are_parse_errors() -> None:
    from veille.sources import statuspage

    body = b'{"page": {}, "status": {}, "incidents": [{"id": "a", "name": "x", "impact": "minor", "incident_updates": 7}]}'
    with pytest.raises(ParseError, match="unexpected shape"):
        statuspage.parse_summary(body, ctx("x", "https://example.invalid/"))

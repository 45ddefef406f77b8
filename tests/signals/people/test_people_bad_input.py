"""Bad input never costs data: every signal parser answers a clear ParseError, never a partial list."""

from __future__ import annotations

import pytest
from people_helpers import fixture, run_parser

from veille.errors import ParseError
from veille.sources._signals import MAX_BODY

JSON_PARSERS = {
    "hn.algolia": "hn/search_by_date_scaleway_page1.json",
    "reddit.listing": "reddit/search_hetzner.json",
    "bluesky.search": "bluesky/search_posts_ovhcloud.json",
    "greenhouse.jobs": "greenhouse/board_digitalocean98_day1.json",
    "ashby.jobs": "ashby/job_board_lambda.json",
    "lever.postings": "lever/postings_examplecloud.json",
    "workable.jobs": "workable/account_examplecloud.json",
    "smartrecruiters.postings": "smartrecruiters/postings_examplecloud.json",
    "recruitee.offers": "recruitee/offers_examplecloud.json",
    "edgar.submissions": "edgar/submissions_CIK0001582961_nov24.json",
}
ALL_PARSERS = [*JSON_PARSERS, "personio.xml", "news.feed", "trustpilot.page"]
HTML_BLOCK_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>blocked</body></html>"
)


@pytest.mark.parametrize("parser_id", sorted(JSON_PARSERS))
def test_truncated_json(parser_id: str) -> None:
    body = fixture(JSON_PARSERS[parser_id])
    with pytest.raises(ParseError, match="not valid JSON"):
        run_parser(parser_id, body[: len(body) // 2])


@pytest.mark.parametrize("parser_id", sorted(JSON_PARSERS))
def test_html_instead_of_json(parser_id: str) -> None:
    with pytest.raises(ParseError, match="HTML"):
        run_parser(parser_id, HTML_BLOCK_PAGE)


@pytest.mark.parametrize("parser_id", sorted(JSON_PARSERS))
@pytest.mark.parametrize("body", [b'{"unexpected": true}', b'"a string"', b"[1, 2, 3]", b"null"])
def test_wrong_shape(parser_id: str, body: bytes) -> None:
    with pytest.raises(ParseError):
        run_parser(parser_id, body)


@pytest.mark.parametrize("parser_id", ALL_PARSERS)
def test_empty_and_huge_bodies(parser_id: str) -> None:
    with pytest.raises(ParseError):
        run_parser(parser_id, b"   ")
    if parser_id != "trustpilot.page":
        with pytest.raises(ParseError, match="cap"):
            run_parser(parser_id, b"x" * (MAX_BODY + 1))


@pytest.mark.parametrize(
    ("parser_id", "body"),
    [
        ("hn.algolia", b'{"nbHits": 1, "hits": [{"objectID": "1", "points": "many"}]}'),
        ("hn.algolia", b'{"nbHits": 1, "hits": [{"objectID": "1", "created_at_i": "yesterday"}]}'),
        ("reddit.listing", b'{"kind": "t3", "data": {}}'),
        (
            "reddit.listing",
            b'{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "x"}}]}}',
        ),
        ("greenhouse.jobs", b'{"jobs": [{"id": 1}]}'),
        ("greenhouse.jobs", b'{"jobs": [{"id": 1, "title": "x", "departments": "Sales"}]}'),
        ("ashby.jobs", b'{"jobs": [{"title": "x"}]}'),
        ("bluesky.search", b'{"posts": [{"uri": "at://x", "record": {}}]}'),
        ("smartrecruiters.postings", b'{"content": []}'),
        (
            "edgar.submissions",
            b'{"cik": "1", "filings": {"recent": {"accessionNumber": ["a", "b"], "form": ["8-K"]}}}',
        ),
    ],
)
def test_broken_fields(parser_id: str, body: bytes) -> None:
    with pytest.raises(ParseError):
        run_parser(parser_id, body)


def test_one_bad_job_loses_the_whole_page_not_part_of_it() -> None:
    good = fixture("greenhouse/board_digitalocean98_day1.json")
    broken = good.replace(b'"title": "Technical Support Engineer"', b'"title": null')
    with pytest.raises(ParseError, match=r"jobs\[3\]\.title"):
        run_parser("greenhouse.jobs", broken)


@pytest.mark.parametrize(
    ("parser_id", "relative"),
    [("news.feed", "news/entity_bomb.rss"), ("personio.xml", "personio/external_entity.xml")],
)
def test_xml_entity_attacks_are_refused(parser_id: str, relative: str) -> None:
    with pytest.raises(ParseError, match=r"unsafe XML refused|DOCTYPE/ENTITY declarations are refused"):
        run_parser(parser_id, fixture(relative))


@pytest.mark.parametrize("parser_id", ["news.feed", "personio.xml"])
def test_xml_truncated_or_not_xml(parser_id: str) -> None:
    with pytest.raises(ParseError, match=r"not well-formed|malformed or truncated"):
        run_parser(parser_id, b"<?xml version='1.0'?><workzag-jobs><position><id>1")
    with pytest.raises(ParseError):
        run_parser(parser_id, b'{"json": "instead"}')


def test_xml_of_another_kind() -> None:
    with pytest.raises(ParseError, match="HTML page"):  # a missing tenant redirects to personio.de
        run_parser("personio.xml", b"<html><body>Personio</body></html>")
    with pytest.raises(ParseError, match="workzag-jobs"):
        run_parser("personio.xml", b"<jobs><position><id>1</id></position></jobs>")
    with pytest.raises(ParseError, match=r"neither|not an Atom or RSS feed"):
        run_parser("news.feed", b"<opml><body/></opml>")


def test_trustpilot_anti_bot_page() -> None:
    with pytest.raises(ParseError, match=r"anti-bot page.*Verifying your connection"):
        run_parser("trustpilot.page", fixture("trustpilot/verifying_connection.html"))


def test_trustpilot_broken_next_data() -> None:
    page = fixture("trustpilot/review_digitalocean_week1.html")
    with pytest.raises(ParseError, match="not valid JSON"):
        run_parser("trustpilot.page", page.replace(b'"trustScore": 4.1', b'"trustScore": 4.1,,'))
    with pytest.raises(ParseError, match=r"outside 0\.\.5"):
        run_parser("trustpilot.page", page.replace(b'"trustScore": 4.1', b'"trustScore": 41'))
    with pytest.raises(ParseError, match="businessUnit"):
        run_parser("trustpilot.page", page.replace(b'"businessUnit"', b'"business"'))


def test_personio_mislabelled_encoding_is_repaired() -> None:
    body = fixture("personio/contabo_positions.xml").decode().encode("cp1252")  # still says UTF-8
    dc, _ = run_parser("personio.xml", body, "contabo", "https://contabo.jobs.personio.de/xml")
    assert dc.location == "München, Nürnberg"

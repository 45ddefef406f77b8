"""The incident and product-change sources: every spec is well formed, its parser is registered and
has fixtures, and no parser fails on arbitrary bytes with anything but a ``ParseError``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sources.declared import sources_of

from veille.errors import ParseError
from veille.kb.ids import default_records
from veille.sources import (
    betterstack,
    feeds,
    github_releases,
    infomaniak_status,
    scaleway_changelog,
    status_feeds,
    statusio,
    statuspage,
    vultr_status,
)
from veille.sources._registry import ParseContext, get_parser

FIX = Path(__file__).resolve().parents[2] / "fixtures"
MODULES = [
    statuspage,
    status_feeds,
    vultr_status,
    statusio,
    betterstack,
    infomaniak_status,
    feeds,
    github_releases,
    scaleway_changelog,
]
COMPETITORS = {
    "ovhcloud",
    "scaleway",
    "hetzner",
    "infomaniak",
    "digitalocean",
    "hostinger",
    "contabo",
    "vultr",
    "lambda",
    "coreweave",
    "runpod",
    "paperspace",
}


def declared(module: object) -> list:  # type: ignore[type-arg]
    """A module's shipped watch-list sources and those it builds for the shipped competitor records."""
    build = getattr(module, "for_competitor", None)
    built = [spec for record in default_records() for spec in (build(record) if build else ())]
    return [*sources_of(module), *built]


PARSERS = sorted({spec.parser for m in MODULES for spec in declared(m)} | {"statuspage.history"})


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_specs_are_well_formed(module) -> None:  # type: ignore[no-untyped-def]
    assert module.__doc__ and declared(module)
    assert (FIX / module.__name__.rsplit(".", 1)[-1]).is_dir()
    for spec in declared(module):
        assert spec.competitor in COMPETITORS
        assert spec.kind in ("incidents", "changelog")
        assert urlsplit(spec.url).scheme == "https" and urlsplit(spec.url).netloc
        assert get_parser(spec.parser).func is not None
        if spec.kind == "incidents" and not spec.id.endswith((".incidents", ".history")):
            assert spec.cadence == timedelta(minutes=2), spec.id


def test_every_status_provider_of_issue_4_is_watched() -> None:
    incident_sources = {s.competitor for m in MODULES for s in declared(m) if s.kind == "incidents"}
    assert incident_sources == {
        "digitalocean", "scaleway", "ovhcloud", "hostinger", "lambda", "paperspace",
        "vultr", "hetzner", "contabo", "coreweave", "runpod", "infomaniak",
    }  # fmt: skip
    ovh = sorted(
        s.url for s in sources_of(statuspage) if s.competitor == "ovhcloud" and s.id.endswith(".summary")
    )
    assert len(ovh) == 6 and all(u.endswith(".status-ovhcloud.com/api/v2/summary.json") for u in ovh)
    history = [s for s in sources_of(statuspage) if s.parser == "statuspage.history"]
    assert sorted(s.url for s in history) == sorted(
        u.replace("/api/v2/summary.json", "/history.json") for u in ovh
    )


@pytest.mark.parametrize("parser_id", PARSERS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.sampled_from(
            [
                b"{}",
                b"[]",
                b"null",
                b"<rss/>",
                b"<feed/>",
                b'{"data": {"type": "status_page"}, "included": [1]}',
            ]
        ),
    )
)
def test_arbitrary_bytes_only_ever_raise_parse_error(parser_id: str, body: bytes) -> None:
    ctx = ParseContext("fuzz", "ovhcloud", "https://example.invalid/x", datetime(2026, 11, 20, tzinfo=UTC))
    try:
        out = get_parser(parser_id).func(body, ctx)
    except ParseError:
        return
    assert isinstance(out, list)

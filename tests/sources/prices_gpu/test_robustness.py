"""Whatever the body, the parsers answer offers or a ParseError: never another exception, never a partial list."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.errors import ParseError
from veille.sources._registry import ParseContext
from veille.sources.aws import parse_offer
from veille.sources.azure import parse_retail
from veille.sources.gcp import merge_pages, parse_skus
from veille.sources.lambda_cloud import parse_instance_types
from veille.sources.runpod import parse_gpu_types
from veille.sources.skypilot import parse_vms
from veille.sources.vastai import parse_offers

from .conftest import FIXTURES, T0

CTX = ParseContext("robustness", "tester", "https://example.test/", T0)
PARSERS: list[tuple[str, Callable[[Any, ParseContext], list[Any]]]] = [
    ("azure/retail_westeurope_page1.json", parse_retail),
    ("gcp/skus_page1.json+gcp/skus_page2.json", parse_skus),
    ("lambda/instance_types.json", parse_instance_types),
    ("runpod/gpu_types.json", parse_gpu_types),
    ("vastai/bundles.json", parse_offers),
    ("skypilot/runpod_vms.csv", parse_vms),
    ("aws/offer_eu-west-3.json", lambda body, ctx: parse_offer(io.BytesIO(body), ctx)),
]
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load(fixture: str) -> bytes:
    """A fixture, or several GCP pages merged as the runner merges them."""
    names = fixture.split("+")
    if len(names) > 1:
        return merge_pages([(FIXTURES / name).read_bytes() for name in names])
    return (FIXTURES / fixture).read_bytes()


def outcome(func: Callable[[Any, ParseContext], list[Any]], body: bytes) -> list[Any] | None:
    try:
        return func(body, CTX)
    except ParseError:
        return None


@pytest.mark.parametrize(("fixture", "func"), PARSERS, ids=[p[0] for p in PARSERS])
@SETTINGS
@given(data=st.data())
def test_truncations_and_byte_flips_give_offers_or_parse_error(fixture: str, func: Any, data: Any) -> None:
    body = load(fixture)
    full = func(body, CTX)
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    truncated = outcome(func, body[:cut])
    if truncated is not None and not fixture.endswith(".csv"):
        # a JSON document cut short can never parse; (a CSV cut at a line end is a shorter catalogue)
        assert body[:cut].rstrip() == body.rstrip()
    position = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flipped = body[:position] + bytes([data.draw(st.integers(0, 255))]) + body[position + 1 :]
    result = outcome(func, flipped)
    assert result is None or isinstance(result, list)
    assert full


@pytest.mark.parametrize(("fixture", "func"), PARSERS, ids=[p[0] for p in PARSERS])
@SETTINGS
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_give_parse_error_or_offers(fixture: str, func: Any, body: bytes) -> None:
    result = outcome(func, body)
    assert result is None or isinstance(result, list)


@pytest.mark.parametrize(("fixture", "func"), PARSERS, ids=[p[0] for p in PARSERS])
def test_deeply_nested_json_is_a_parse_error(fixture: str, func: Any) -> None:
    with pytest.raises(ParseError):
        func(b"[" * 100_000 + b"]" * 100_000, CTX)

"""aws.offer's fast path (orjson in pieces): same result as the exact ijson scans, or none at all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from veille.errors import ParseError
from veille.sources import _json_pieces
from veille.sources.aws import _scan, _scan_fast, parse_offer

FIXTURE = "aws/offer_eu-west-3.json"


def _file(tmp_path: Any, data: bytes) -> Any:
    path = tmp_path / "index.json"
    path.write_bytes(data)
    return path


def _big(doc: dict[str, Any], copies: int) -> dict[str, Any]:
    """The fixture with each product and its terms repeated under new SKUs."""
    products, on_demand = {}, {}
    for n in range(copies):
        for sku, record in doc["products"].items():
            products[f"{sku}X{n}"] = {**record, "sku": f"{sku}X{n}"}
        for sku, terms in doc["terms"]["OnDemand"].items():
            on_demand[f"{sku}X{n}"] = terms
    return {**doc, "products": products, "terms": {**doc["terms"], "OnDemand": on_demand}}


@pytest.mark.parametrize("window", [1 << 22, 8192, 2048])
def test_fast_scan_agrees_with_the_exact_scan(
    window: int, tmp_path: Any, fixture_bytes: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(_json_pieces, "WINDOW", window)
    doc = _big(json.loads(fixture_bytes(FIXTURE)), 40)
    path = _file(tmp_path, json.dumps(doc, indent=2).encode())
    with path.open("rb") as body:
        fast = _scan_fast(body, 0)
        assert body.tell() == 0
        exact = _scan(body, 0)
    assert fast is not None and fast == exact
    assert fast.seen_products == len(doc["products"]) and fast.seen_terms == len(doc["terms"]["OnDemand"])


def test_braces_and_cuts_inside_strings_never_change_the_result(
    tmp_path: Any, fixture_bytes: Any, monkeypatch: Any, ctx: Any
) -> None:
    monkeypatch.setattr(_json_pieces, "WINDOW", 2048)
    doc = _big(json.loads(fixture_bytes(FIXTURE)), 10)
    for n, record in enumerate(doc["products"].values()):
        record["attributes"]["note"] = ['}, "x', '{{"', '}}}, "k": {'][n % 3]
    path = _file(tmp_path, json.dumps(doc, indent=1).encode())
    with path.open("rb") as body:
        fast = _scan_fast(body, 0)
        exact = _scan(body, 0)
        assert fast is None or fast == exact
        body.seek(0)
        assert len(parse_offer(body, ctx("x", "aws"))) == 5


def test_records_larger_than_the_window_widen_it_up_to_a_limit(
    tmp_path: Any, fixture_bytes: Any, monkeypatch: Any, ctx: Any
) -> None:
    monkeypatch.setattr(_json_pieces, "WINDOW", 256)
    path = _file(tmp_path, fixture_bytes(FIXTURE))
    with path.open("rb") as body:
        widened = _scan_fast(body, 0)
        assert widened is not None and widened == _scan(body, 0)
    monkeypatch.setattr(_json_pieces, "MAX_WINDOW", 512)
    with path.open("rb") as body:
        assert _scan_fast(body, 0) is None  # past the limit: the exact scans decide
        assert len(parse_offer(body, ctx("x", "aws"))) == 5


def test_reserved_first_and_damage_after_on_demand(tmp_path: Any, fixture_bytes: Any, ctx: Any) -> None:
    doc = json.loads(fixture_bytes(FIXTURE))
    flipped = {
        **doc,
        "terms": {"Reserved": doc["terms"].get("Reserved", {}), "OnDemand": doc["terms"]["OnDemand"]},
    }
    path = _file(tmp_path, json.dumps(flipped).encode())
    with path.open("rb") as body:
        assert _scan_fast(body, 0) is None  # not the usual layout: the exact scans decide
        assert len(parse_offer(body, ctx("x", "aws"))) == 5
    text = json.dumps({**doc, "terms": {**doc["terms"], "Reserved": {"A": {"B": 1}}}})
    damaged = text.replace('{"B": 1}', '{"B": 1,,}')  # invalid JSON after OnDemand
    path = _file(tmp_path, damaged.encode())
    with path.open("rb") as body:
        assert _scan_fast(body, 0) is None
        with pytest.raises(ParseError):
            parse_offer(body, ctx("x", "aws"))


def test_entries_of_another_shape_go_to_the_exact_scan_and_are_left_out_there(
    tmp_path: Any, fixture_bytes: Any, ctx: Any
) -> None:
    doc = json.loads(fixture_bytes(FIXTURE))
    with _file(tmp_path, json.dumps(doc).encode()).open("rb") as body:
        kept = sorted(_scan(body, 0).prices)  # the SKUs with a Linux on-demand price
    odd_attributes, odd_dimension = kept[0], kept[1]
    doc["products"][odd_attributes]["attributes"] = "not an object"
    for term in doc["terms"]["OnDemand"][odd_dimension].values():
        term["priceDimensions"]["odd"] = ["not", "an", "object"]
    path = _file(tmp_path, json.dumps(doc).encode())
    with path.open("rb") as body:
        assert _scan_fast(body, 0) is None  # the typed pieces refuse both shapes
        exact = _scan(body, 0)
        assert odd_attributes not in exact.products  # nothing to keep from it
        assert sorted(exact.prices) == kept[1:]  # the odd dimension is skipped, the hourly one read
        body.seek(0)
        assert len(parse_offer(body, ctx("x", "aws"))) == 4

"""aws.offer: streamed EC2 offer files, the product filter, key order, truncation, bad input."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest

from veille.errors import ParseError
from veille.observations import Offer
from veille.sources._registry import get_parser, get_source, parse_body
from veille.sources.aws import (
    EU_REGIONS,
    hourly_usd,
    parse_offer,
    product_of,
    record_of,
    region_urls,
    terms_of,
)


class OneWayStream(io.RawIOBase):
    """A body that cannot seek, like a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def by_type(offers: list[Any]) -> dict[str, Offer]:
    return {o.sku: o for o in offers}


def test_real_fragment_products_and_terms(reference: Any) -> None:
    doc = json.loads((reference / "pricing" / "aws_pricelist_ec2_offer_fragment_us-east-2.json").read_bytes())
    m5 = product_of(record_of(doc["products"]["8D49XP354UEYTHGM"]))
    assert m5 is not None
    assert (m5.instance_type, m5.region, m5.vcpu, m5.ram_gb, m5.gpu_count, m5.arch) == (
        "m5.large",
        "us-east-2",
        Decimal(2),
        Decimal(8),
        None,
        "x86_64",
    )
    assert product_of(record_of(doc["products"]["9ZEEN7WWWQKAG292"])) is None  # Windows BYOL p3.8xlarge
    assert product_of(record_of(doc["products"]["M6UGCCQ3CDJQAA37"])) is None  # gp3 storage
    on_demand = doc["terms"]["OnDemand"]
    assert hourly_usd(terms_of(on_demand["9ZEEN7WWWQKAG292"])) == Decimal("12.2400000000")
    assert (
        hourly_usd(terms_of(on_demand["8D49XP354UEYTHGM"])) is None
    )  # a 3-year upfront fee, not an hourly price
    assert hourly_usd(terms_of(on_demand["M6UGCCQ3CDJQAA37"])) is None  # GB-Mo


def test_real_fragment_has_no_linux_hourly_price_and_says_so(reference: Any, ctx: Any) -> None:
    body = (reference / "pricing" / "aws_pricelist_ec2_offer_fragment_us-east-2.json").read_bytes()
    with pytest.raises(ParseError, match="none of the 3 products"):
        parse_offer(io.BytesIO(body), ctx("aws.offer.us-east-2", "aws"))


def test_fixture_offer_file(fixture_bytes: Any, ctx: Any) -> None:
    offers = by_type(parse_offer(io.BytesIO(fixture_bytes("aws/offer_eu-west-3.json")), ctx("x", "aws")))
    assert set(offers) == {"m5.large", "m6g.large", "g5.xlarge", "p4d.24xlarge", "c5.metal"}
    m5 = offers["m5.large"]
    assert (m5.price_hourly, m5.price_monthly, m5.currency, m5.region, m5.billing) == (
        Decimal("0.112"),
        Decimal("81.76"),
        "USD",
        "eu-west-3",
        "on_demand",
    )  # the 1-year reserved 0.07 is ignored; Windows, dedicated, SQL and reservation rows are filtered
    assert (m5.vcpu, m5.ram_gb, m5.disk_gb, m5.category) == (Decimal(2), Decimal(8), None, "vps")
    assert offers["m6g.large"].arch == "arm64"
    g5 = offers["g5.xlarge"]
    assert (g5.category, g5.gpu_model, g5.gpu_count, g5.disk_gb, g5.price_hourly) == (
        "gpu",
        "NVIDIA A10G 24GB",
        Decimal(1),
        Decimal(250),
        Decimal("1.124"),
    )
    p4d = offers["p4d.24xlarge"]
    assert (p4d.gpu_model, p4d.gpu_count, p4d.disk_gb) == ("NVIDIA A100 40GB", Decimal(8), Decimal(8000))
    assert (g5.gpu_memory_gb, p4d.gpu_memory_gb, m5.gpu_memory_gb) == (Decimal(24), Decimal(40), None)
    assert offers["c5.metal"].category == "bare_metal"


def test_terms_before_products_give_the_same_offers(fixture_bytes: Any, ctx: Any) -> None:
    doc = json.loads(fixture_bytes("aws/offer_eu-west-3.json"))
    reordered = {"formatVersion": doc["formatVersion"], "terms": doc["terms"], "products": doc["products"]}
    normal = parse_offer(io.BytesIO(fixture_bytes("aws/offer_eu-west-3.json")), ctx("x", "aws"))
    flipped = parse_offer(io.BytesIO(json.dumps(reordered).encode()), ctx("x", "aws"))
    assert sorted(o.sku for o in flipped) == sorted(o.sku for o in normal)
    assert {o.sku: o.price_hourly for o in flipped} == {o.sku: o.price_hourly for o in normal}


def test_a_body_that_cannot_seek_is_spooled(fixture_bytes: Any, ctx: Any) -> None:
    stream = io.BufferedReader(OneWayStream(fixture_bytes("aws/offer_eu-west-3.json")))
    assert len(parse_offer(stream, ctx("x", "aws"))) == 5


def test_duplicate_instance_records_keep_the_lowest_price(fixture_bytes: Any, ctx: Any) -> None:
    doc = json.loads(fixture_bytes("aws/offer_eu-west-3.json"))
    twin = json.loads(json.dumps(doc["products"]["EW3M5LARGELNX01"]))
    twin["sku"] = "EW3M5LARGELNX02"
    doc["products"]["EW3M5LARGELNX02"] = twin
    terms = json.dumps(doc["terms"]["OnDemand"]["EW3M5LARGELNX01"]).replace(
        "EW3M5LARGELNX01", "EW3M5LARGELNX02"
    )
    doc["terms"]["OnDemand"]["EW3M5LARGELNX02"] = json.loads(terms.replace("0.1120000000", "0.1090000000"))
    offers = by_type(parse_offer(io.BytesIO(json.dumps(doc).encode()), ctx("x", "aws")))
    assert offers["m5.large"].price_hourly == Decimal("0.109")
    assert offers["m5.large"].extra["aws_sku"] == "EW3M5LARGELNX02"


@pytest.mark.parametrize("cut", [100, 5000, 12000, -3])
def test_truncated_stream_is_a_parse_error(cut: int, fixture_bytes: Any, ctx: Any) -> None:
    body = fixture_bytes("aws/offer_eu-west-3.json")
    with pytest.raises(ParseError, match="truncated or malformed"):
        parse_offer(io.BytesIO(body[:cut]), ctx("x", "aws"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"   \n", "empty body"),
        (b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>", "HTML/XML"),
        (b'{"formatVersion": "v1.0", "terms": {"OnDemand": {}}}', "no 'products'"),
        (b'{"products": {"A": {"productFamily": "Storage", "attributes": {}}}}', "no 'terms.OnDemand'"),
        (b'{"products": {"A": 3}, "terms": {"OnDemand": {}}}', "not an object"),
        (b'{"products": {"A": {"productFamily": "Storage"}}} trailing', "malformed"),
    ],
)
def test_bad_input(body: bytes, message: str, ctx: Any) -> None:
    with pytest.raises(ParseError, match=message):
        parse_offer(io.BytesIO(body), ctx("x", "aws"))


def test_registered_as_streaming_with_eu_sources(fixture_bytes: Any, ctx: Any) -> None:
    info = get_parser("aws.offer")
    assert info.streaming
    assert len(parse_body("aws.offer", fixture_bytes("aws/offer_eu-west-3.json"), ctx("x", "aws"))) == 5
    for region in EU_REGIONS:
        spec = get_source(f"aws.offer.{region}")
        assert spec.url == (
            f"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/{region}/index.json"
        )
        assert spec.streaming and spec.credential is None and spec.parser == "aws.offer"


def test_region_index_urls() -> None:
    index = {
        "formatVersion": "v1.0",
        "regions": {
            "eu-west-3": {
                "regionCode": "eu-west-3",
                "currentVersionUrl": "/offers/v1.0/aws/AmazonEC2/20261101000000/eu-west-3/index.json",
            }
        },
    }
    assert region_urls(index) == {
        "eu-west-3": "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261101000000/eu-west-3/index.json"
    }
    with pytest.raises(ParseError):
        region_urls({"formatVersion": "v1.0"})


# --- the split scan on real files (each byte parsed once) ---------------------------------------------


def write(tmp_path: Any, name: str, data: bytes) -> Any:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_split_scan_is_used_on_files_and_agrees_with_two_passes(
    tmp_path: Any, fixture_bytes: Any, ctx: Any
) -> None:
    from veille.sources.aws import _scan, _scan_split

    path = write(tmp_path, "index.json", fixture_bytes("aws/offer_eu-west-3.json"))
    with path.open("rb") as body:
        split = _scan_split(body, 0)
        assert split is not None and body.tell() == 0
        full = _scan(body, 0)
    assert split == full
    with path.open("rb") as body:
        assert {o.sku for o in parse_offer(body, ctx("x", "aws"))} == {
            "m5.large",
            "m6g.large",
            "g5.xlarge",
            "p4d.24xlarge",
            "c5.metal",
        }


def test_split_scan_survives_decoy_terms_keys(tmp_path: Any, fixture_bytes: Any, ctx: Any) -> None:
    from veille.sources.aws import _scan_split

    doc = json.loads(fixture_bytes("aws/offer_eu-west-3.json"))
    doc["products"]["EW3M5LARGELNX01"]["attributes"]["note"] = "terms"
    doc["attributesList"] = {"terms": ["a", "b"]}  # a nested "terms" key after the real one
    path = write(tmp_path, "decoy.json", json.dumps(doc).encode())
    with path.open("rb") as body:
        assert _scan_split(body, 0) is None  # the guess does not hold: back to two full passes
        offers = by_type(parse_offer(body, ctx("x", "aws")))
    assert offers["m5.large"].price_hourly == Decimal("0.112") and len(offers) == 5


def test_split_scan_on_terms_first_and_truncated_files(tmp_path: Any, fixture_bytes: Any, ctx: Any) -> None:
    doc = json.loads(fixture_bytes("aws/offer_eu-west-3.json"))
    flipped = {"formatVersion": "v1.0", "terms": doc["terms"], "products": doc["products"]}
    path = write(tmp_path, "flipped.json", json.dumps(flipped).encode())
    with path.open("rb") as body:
        assert len(parse_offer(body, ctx("x", "aws"))) == 5
    body_bytes = fixture_bytes("aws/offer_eu-west-3.json")
    cut = body_bytes.rindex(b'"Reserved"') + 40  # cut inside the terms, after the split point
    path = write(tmp_path, "cut.json", body_bytes[:cut])
    with path.open("rb") as body, pytest.raises(ParseError, match="truncated"):
        parse_offer(body, ctx("x", "aws"))

"""Every EU price parser refuses bad bodies with a clear ParseError: nothing partial, nothing silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from veille.errors import ParseError

ROOT = Path(__file__).resolve().parents[2] / "fixtures"

# parser id -> a valid body of its format (the project's own fixtures)
VALID = {
    "ovhcloud.catalog": ROOT / "ovhcloud/cloud_catalog_fr.json",
    "ovhcloud.eco": ROOT / "ovhcloud/eco_catalog_fr.json",
    "scaleway.catalog": ROOT / "scaleway/catalog_fr-par-2_page1.json",
    "scaleway.servers": ROOT / "scaleway/servers_fr-par-2_page2.json",
    "scaleway.availability": ROOT / "scaleway/availability_fr-par-2_page2.json",
    "hetzner.server_types": ROOT / "hetzner/server_types_page1.json",
    "hetzner.auction": ROOT / "hetzner/auction_live_data_sb.json",
    "hetzner.pricing": ROOT / "hetzner/pricing.json",
    "hostinger.catalog": ROOT / "hostinger/billing_catalog_vps.json",
    "digitalocean.sizes": ROOT / "digitalocean/sizes_page1.json",
    "vultr.plans": ROOT / "vultr/plans_page1.json",
    "vultr.metal": ROOT / "vultr/plans_metal.json",
    "ecb.sdmx": ROOT / "ecb/exr_sdmx_jsondata.json",
    "eucloudprices.dataset": ROOT / "eucloudprices/gpu_and_tiers.json",
}
HTML_ERROR = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.mark.parametrize("parser_id", sorted(VALID))
def test_valid_fixture_parses(parse, parser_id: str) -> None:
    assert parse(
        parser_id,
        VALID[parser_id],
        url="https://api.scaleway.com/instance/v1/zones/fr-par-2/products/servers",
    )


@pytest.mark.parametrize("parser_id", sorted(VALID))
def test_truncated(parse, parser_id: str) -> None:
    body = VALID[parser_id].read_bytes()
    with pytest.raises(ParseError, match="truncated JSON") as info:
        parse(parser_id, body[: len(body) // 2])
    assert info.value.parser == parser_id


@pytest.mark.parametrize("parser_id", sorted(VALID))
def test_html_instead_of_json(parse, parser_id: str) -> None:
    with pytest.raises(ParseError, match="HTML where JSON was expected"):
        parse(parser_id, HTML_ERROR)


@pytest.mark.parametrize("parser_id", sorted(VALID))
@pytest.mark.parametrize("body", [b"", b"   \n", b"{}", b"[]", b"null", b'"ok"', b'{"items": []}'])
def test_empty_or_unknown_shape(parse, parser_id: str, body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(parser_id, body)


@pytest.mark.parametrize("parser_id", sorted(VALID))
def test_not_utf8(parse, parser_id: str) -> None:
    with pytest.raises(ParseError, match="not UTF-8"):
        parse(parser_id, b'{"name": "\xff\xfe"}')


@pytest.mark.parametrize(
    ("parser_id", "old", "new", "message"),
    [
        ("hetzner.server_types", b'"net": "0.0060000000"', b'"net": "n/a"', "should be a number"),
        ("hetzner.server_types", b'"prices"', b'"tarifs"', "prices"),
        ("digitalocean.sizes", b'"price_hourly"', b'"hourly"', "price_hourly"),
        ("scaleway.servers", b'"hourly_price"', b'"price_per_hour"', "hourly_price"),
        ("scaleway.availability", b'"availability": "shortage"', b'"stock": "shortage"', "availability"),
        ("vultr.plans", b'"ram"', b'"memory"', "ram"),
        ("vultr.plans", b'"locations"', b'"regions"', "locations"),
        ("hetzner.auction", b'"price": 37.7', b'"price": "cheap"', "should be a number"),
        ("hetzner.pricing", b'"volume"', b'"volumes"', "volume"),
        ("ovhcloud.catalog", b'"intervalUnit": "hour"', b'"intervalUnit": "fortnight"', "intervalUnit"),
        ("eucloudprices.dataset", b'"vcpu": 2', b'"cores": 2', "vcpu"),
        ("ecb.sdmx", b'"CURRENCY"', b'"CCY"', "CURRENCY"),
    ],
)
def test_schema_changed(parse, parser_id: str, old: bytes, new: bytes, message: str) -> None:
    body = VALID[parser_id].read_bytes()
    assert old in body, "the fixture no longer holds the field this test renames"
    with pytest.raises(ParseError, match=message):
        parse(
            parser_id,
            body.replace(old, new, 1),
            url="https://api.scaleway.com/instance/v1/zones/fr-par-2/products/servers",
        )


def test_wrong_types_deep_inside_become_parse_errors(parse) -> None:
    document = {
        "locale": {"currencyCode": "EUR"},
        "plans": [
            {
                "planCode": "x",
                "product": "p",
                "addonFamilies": [1],
                "pricings": [
                    {
                        "capacities": ["renew"],
                        "mode": "default",
                        "intervalUnit": "month",
                        "interval": 1,
                        "price": 100,
                    }
                ],
            }
        ],
        "products": [{"name": "p", "blobs": {"technical": {"server": {"cpu": {"threads": "many"}}}}}],
    }
    with pytest.raises(ParseError, match=r"ovhcloud\.eco: unexpected document shape \(ValueError"):
        parse("ovhcloud.eco", json.dumps(document).encode())


def test_nan_is_refused(parse) -> None:
    with pytest.raises(ParseError, match="malformed JSON"):
        parse("vultr.plans", b'{"plans": [{"id": "x", "ram": NaN, "locations": ["fra"]}]}')


REAL = {
    "ovhcloud.catalog": "ovh_public_cloud_catalog_addons.json",
    "ovhcloud.eco": "ovh_eco_catalog_FI.json",
    "scaleway.catalog": "scaleway_product_catalog_instances_fr-par-1.json",
    "scaleway.servers": "scaleway_instance_products_servers_fr-par-1_page1.json",
    "hetzner.server_types": "hetzner_server_types.json",
    "hetzner.auction": "hetzner_auction_live_data_sb.json",
    "digitalocean.sizes": "digitalocean_sizes.json",
    "eucloudprices.dataset": "infomaniak_eu-cloud-prices_dataset.json",
}


@pytest.mark.parametrize("parser_id", sorted(VALID))
def test_natural_keys_are_unique_in_fixtures(parse, parser_id: str) -> None:
    offers = [
        o
        for o in parse(parser_id, VALID[parser_id], url="https://x/zones/fr-par-2/products/servers")
        if hasattr(o, "key")
    ]
    keys = [o.key for o in offers]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("parser_id", sorted(REAL))
def test_natural_keys_are_unique_in_real_payloads(parse, reference, parser_id: str) -> None:
    offers = parse(parser_id, reference / "pricing" / REAL[parser_id])
    keys = [o.key for o in offers]
    assert keys and len(keys) == len(set(keys))

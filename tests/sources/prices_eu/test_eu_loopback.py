"""Each EU price source end to end over loopback HTTP: the real paths, query strings, auth headers and
pagination its SourceSpec produces, answered in the real formats and parsed by its parser."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from veille.errors import FetchError
from veille.observations import Offer
from veille.settings import Settings
from veille.sources import ParseContext, get_source, parse_body
from veille.sources._http import Fetcher

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HOSTS = (
    "https://eu.api.ovh.com",
    "https://api.scaleway.com",
    "https://api.hetzner.cloud",
    "https://www.hetzner.com",
    "https://api.digitalocean.com",
    "https://api.vultr.com",
    "https://www.ecb.europa.eu",
    "https://data-api.ecb.europa.eu",
    "https://raw.githubusercontent.com",
    "https://contabo.com",
)


async def _no_sleep(seconds: float) -> None:
    return None


def collect(httpserver: HTTPServer, source_id: str, **credentials: str) -> list[Any]:
    """Fetch every page of the source through the shared fetcher and parse each one."""
    base = httpserver.url_for("/").rstrip("/")
    settings = Settings(http_retries=0, http_timeout=5.0, url_map=dict.fromkeys(HOSTS, base), **credentials)
    spec = get_source(source_id)

    async def fetch() -> Any:
        async with Fetcher(settings, sleep=_no_sleep) as fetcher:
            return await fetcher.fetch_source(spec)

    result = asyncio.run(fetch())
    observations = []
    for page in result.pages:
        ctx = ParseContext(spec.id, spec.competitor, page.url, page.fetched_at)
        observations += parse_body(spec.parser, page.read(), ctx)
    httpserver.check_assertions()
    return observations


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


JSON = {"content_type": "application/json"}


def test_ovhcloud_cloud(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/v1/order/catalog/public/cloud", query_string={"ovhSubsidiary": "FR"}, method="GET"
    ).respond_with_data(body("ovhcloud/cloud_catalog_fr.json"), **JSON)
    offers = collect(httpserver, "ovhcloud.cloud")
    assert len(offers) == 6 and all(isinstance(o, Offer) and o.competitor == "ovhcloud" for o in offers)


def test_ovhcloud_eco(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/v1/order/catalog/public/eco", query_string={"ovhSubsidiary": "FR"}
    ).respond_with_data(body("ovhcloud/eco_catalog_fr.json"), **JSON)
    assert [o.sku for o in collect(httpserver, "ovhcloud.eco")] == ["24ska01"]


def test_scaleway_catalog_pages(httpserver: HTTPServer) -> None:
    path = "/product-catalog/v2alpha1/public-catalog/products"
    common = {"product_types": "instance", "zone": "fr-par-2", "page_size": "100"}
    page1 = body("scaleway/catalog_fr-par-2_page1.json").replace(b'"total_count": 3', b'"total_count": 103')
    httpserver.expect_ordered_request(path, query_string={**common, "page": "1"}).respond_with_data(
        page1, **JSON
    )
    httpserver.expect_ordered_request(path, query_string={**common, "page": "2"}).respond_with_data(
        body("scaleway/catalog_fr-par-2_page2.json").replace(b'"total_count": 3', b'"total_count": 103'),
        **JSON,
    )
    offers = collect(httpserver, "scaleway.catalog.fr-par-2")
    assert [o.sku for o in offers] == ["POP2-2C-8G", "H100-1-80G", "COPARM1-2C-8G"]


def test_scaleway_servers_token_and_link_header(httpserver: HTTPServer) -> None:
    path = "/instance/v1/zones/fr-par-2/products/servers"
    link = '</products/servers?page=2&per_page=50&>; rel="next",</products/servers?page=2&per_page=50&>; rel="last"'
    httpserver.expect_ordered_request(
        path, query_string={"page": "1", "per_page": "50"}, headers={"X-Auth-Token": "scw-secret"}
    ).respond_with_data(
        body("scaleway/servers_fr-par-2_page2.json").replace(b"H100-2-80G", b"H100-1-80G"),
        headers={"Link": link, "X-Total-Count": "6"},
        **JSON,
    )
    httpserver.expect_ordered_request(
        path, query_string={"page": "2", "per_page": "50"}, headers={"X-Auth-Token": "scw-secret"}
    ).respond_with_data(body("scaleway/servers_fr-par-2_page2.json"), headers={"X-Total-Count": "6"}, **JSON)
    offers = collect(httpserver, "scaleway.servers.fr-par-2", scaleway_token="scw-secret")
    assert len(offers) == 6 and {o.region for o in offers} == {"fr-par-2"}


def test_scaleway_availability(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/instance/v1/zones/fr-par-2/products/servers/availability",
        query_string={"page": "1", "per_page": "50"},
        headers={"X-Auth-Token": "scw-secret"},
    ).respond_with_data(
        body("scaleway/availability_fr-par-2_page2.json"), headers={"X-Total-Count": "3"}, **JSON
    )
    levels = collect(httpserver, "scaleway.availability.fr-par-2", scaleway_token="scw-secret")
    assert {a.status for a in levels} == {"shortage", "scarce", "available"}


def test_hetzner_server_types_bearer_and_pages(httpserver: HTTPServer) -> None:
    auth = {"Authorization": "Bearer hz-token"}
    httpserver.expect_ordered_request(
        "/v1/server_types", query_string={"page": "1", "per_page": "50"}, headers=auth
    ).respond_with_data(body("hetzner/server_types_page1.json"), **JSON)
    httpserver.expect_ordered_request(
        "/v1/server_types", query_string={"page": "2", "per_page": "50"}, headers=auth
    ).respond_with_data(body("hetzner/server_types_page2.json"), **JSON)
    offers = collect(httpserver, "hetzner.server_types", hetzner_token="hz-token")
    assert sorted({o.sku for o in offers}) == ["cax11", "ccx13", "cx23"] and len(offers) == 5


def test_hetzner_pricing(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/v1/pricing", query_string="", headers={"Authorization": "Bearer hz-token"}
    ).respond_with_data(body("hetzner/pricing.json"), **JSON)
    assert {o.sku for o in collect(httpserver, "hetzner.pricing", hetzner_token="hz-token")} == {
        "volume",
        "primary_ip.ipv4",
        "primary_ip.ipv6",
    }


def test_hetzner_auction(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/_resources/app/data/app/live_data_sb.json", query_string=""
    ).respond_with_data(body("hetzner/auction_live_data_sb.json"), **JSON)
    offers = collect(httpserver, "hetzner.auction")
    assert {o.billing for o in offers} == {"marketplace"} and len(offers) == 3


def test_digitalocean_bearer_and_next_links(httpserver: HTTPServer) -> None:
    auth = {"Authorization": "Bearer do-token"}
    httpserver.expect_ordered_request(
        "/v2/sizes", query_string={"per_page": "200"}, headers=auth
    ).respond_with_data(body("digitalocean/sizes_page1.json"), **JSON)
    httpserver.expect_ordered_request(
        "/v2/sizes", query_string={"page": "2", "per_page": "2"}, headers=auth
    ).respond_with_data(body("digitalocean/sizes_page2.json"), **JSON)
    offers = collect(httpserver, "digitalocean.sizes", digitalocean_token="do-token")
    assert [o.sku for o in offers] == ["s-2vcpu-4gb", "gpu-h100x1-80gb", "gpu-mi300x8-1536gb"]


def test_vultr_cursor(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/v2/plans", query_string={"type": "all", "per_page": "500"}
    ).respond_with_data(body("vultr/plans_page1.json"), **JSON)
    httpserver.expect_ordered_request(
        "/v2/plans",
        query_string={"type": "all", "per_page": "500", "cursor": "bmV4dF9fdmNnLWExNi0yYy0xNmctMnZyYW0="},
    ).respond_with_data(body("vultr/plans_page2.json"), **JSON)
    offers = collect(httpserver, "vultr.plans")
    assert {o.sku for o in offers} >= {"vc2-1c-2gb", "vcg-a16-2c-16g-2vram"}
    assert all("Authorization" not in str(o.extra) for o in offers)


def test_vultr_metal(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/v2/plans-metal", query_string={"per_page": "500"}).respond_with_data(
        body("vultr/plans_metal.json"), **JSON
    )
    assert {o.category for o in collect(httpserver, "vultr.metal")} == {"bare_metal", "gpu"}


def test_ecb_daily_and_sdmx(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(
        "/stats/eurofxref/eurofxref-daily.xml", query_string=""
    ).respond_with_data(body("ecb/eurofxref-hist-90d.xml"), content_type="text/xml")
    assert len(collect(httpserver, "ecb.daily")) == 6
    httpserver.expect_ordered_request(
        "/service/data/EXR/D.USD+CHF+GBP+SEK+DKK+NOK+PLN+CZK.EUR.SP00.A",
        query_string={"format": "jsondata", "detail": "dataonly", "lastNObservations": "1"},
    ).respond_with_data(body("ecb/exr_sdmx_jsondata.json"), **JSON)
    assert len(collect(httpserver, "ecb.sdmx")) == 5


def test_eucloudprices(httpserver: HTTPServer, reference: Path) -> None:
    httpserver.expect_ordered_request(
        "/mixxor/eu-cloud-prices/HEAD/prices/contabo.json", query_string=""
    ).respond_with_data(
        (reference / "pricing/contabo_eu-cloud-prices_dataset.json").read_bytes(), content_type="text/plain"
    )
    offers = collect(httpserver, "eucloudprices.contabo")
    assert {o.competitor for o in offers} == {"contabo"} and len(offers) == 8


def test_pricing_page_honours_robots(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    httpserver.expect_request("/en/vps/").respond_with_data(
        body("pricing_pages/contabo_en.html"), content_type="text/html"
    )
    offers = collect(httpserver, "pricing_page.contabo")
    assert [o.sku for o in offers] == ["cloud-vps-10", "cloud-vps-20", "cloud-vps-40"]


def test_pricing_page_disallowed_is_not_fetched(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /\n", content_type="text/plain"
    )
    with pytest.raises(FetchError, match=r"robots\.txt"):
        collect(httpserver, "pricing_page.contabo")


def test_html_error_page_becomes_parse_error(httpserver: HTTPServer) -> None:
    from veille.errors import ParseError

    httpserver.expect_ordered_request("/v2/plans-metal").respond_with_data(
        "<!DOCTYPE html><html><body>Cloudflare: checking your browser</body></html>", content_type="text/html"
    )
    with pytest.raises(ParseError, match="HTML where JSON was expected"):
        collect(httpserver, "vultr.metal")

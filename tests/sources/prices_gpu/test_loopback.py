"""End to end over loopback HTTP: the real paths, query parameters, bodies, auth and pagination.

Each source runs through the collection runner (fetch, pagination, capture, parse, store) with the
real URLs mapped onto a local server, which checks what the collector sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from veille.collect import run_sources
from veille.settings import Settings
from veille.sources._registry import get_source
from veille.sources.runpod import QUERY_BODY
from veille.sources.vastai import SEARCH
from veille.store.models import Capture, OfferVersion
from veille.workspace import Workspace

from .conftest import T0

REAL_HOSTS = (
    "https://prices.azure.com",
    "https://cloudbilling.googleapis.com",
    "https://cloud.lambda.ai",
    "https://api.runpod.io",
    "https://console.vast.ai",
    "https://raw.githubusercontent.com",
    "https://pricing.us-east-1.amazonaws.com",
)
AZURE_FILTER = (
    "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'westeurope'"
)


@pytest.fixture
def ws(tmp_path: Any, httpserver: HTTPServer) -> Workspace:
    base = httpserver.url_for("/").rstrip("/")
    workspace = Workspace(
        Settings(
            home=tmp_path / "ws",
            http_retries=0,
            url_map={host: base for host in REAL_HOSTS},
            gcp_api_key="test-gcp-key",
            lambda_api_key="test-lambda-key",
        )
    )
    workspace.init_store()
    return workspace


def offers_of(ws: Workspace, source_id: str) -> list[OfferVersion]:
    with ws.store.session() as session:
        return list(session.scalars(select(OfferVersion).where(OfferVersion.source_id == source_id)))


def run_ok(ws: Workspace, source_id: str, now: Any = T0) -> Any:
    [result] = run_sources(ws, [get_source(source_id)], now=now).results
    assert result.status == "ok", result.error
    return result


def test_azure_follows_next_page_link_with_filter_and_currency(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    query = {"$filter": AZURE_FILTER, "currencyCode": "'EUR'"}
    httpserver.expect_ordered_request("/api/retail/prices", query_string=query).respond_with_data(
        fixture_bytes("azure/retail_westeurope_page1.json"), content_type="application/json"
    )
    httpserver.expect_ordered_request(
        "/api/retail/prices", query_string={**query, "$skip": "100"}
    ).respond_with_data(fixture_bytes("azure/retail_westeurope_page2.json"), content_type="application/json")
    result = run_ok(ws, "azure.retail.westeurope")
    assert result.pages == 2
    stored = {(o.sku, o.billing) for o in offers_of(ws, "azure.retail.westeurope")}
    assert len(stored) == 8
    assert ("Standard_NC24ads_A100_v4", "spot") in stored and ("Standard_B2s", "on_demand") in stored
    assert len(httpserver.log) == 2
    assert all("Authorization" not in request.headers for request, _ in httpserver.log)


def test_gcp_sends_the_key_pages_by_token_and_assembles_across_pages(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    path = "/v1/services/6F81-5844-456A/skus"
    query = {"currencyCode": "EUR", "pageSize": "5000", "key": "test-gcp-key"}
    token = json.loads(fixture_bytes("gcp/skus_page1.json"))["nextPageToken"]
    httpserver.expect_ordered_request(path, query_string=query).respond_with_data(
        fixture_bytes("gcp/skus_page1.json"), content_type="application/json"
    )
    httpserver.expect_ordered_request(path, query_string={**query, "pageToken": token}).respond_with_data(
        fixture_bytes("gcp/skus_page2.json"), content_type="application/json"
    )
    result = run_ok(ws, "gcp.skus")
    assert result.pages == 2
    stored = {(o.sku, o.billing): o for o in offers_of(ws, "gcp.skus")}
    assert len(stored) == 60  # cores on page 1, RAM on page 2: assembled only because pages are merged
    assert ("g2-standard-4", "on_demand") in stored and ("e2-standard-2", "spot") in stored
    with ws.store.session() as session:
        urls = list(session.scalars(select(Capture.url)))
    assert urls and not any("test-gcp-key" in url for url in urls)  # the key never lands in captures


def test_gcp_without_a_key_is_disabled(tmp_path: Any) -> None:
    workspace = Workspace(Settings(home=tmp_path / "nokey", http_retries=0))
    workspace.init_store()
    [result] = run_sources(workspace, [get_source("gcp.skus")], now=T0).results
    assert result.status == "disabled"


def test_lambda_sends_a_bearer_key(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    httpserver.expect_request(
        "/api/v1/instance-types", method="GET", headers={"Authorization": "Bearer test-lambda-key"}
    ).respond_with_data(fixture_bytes("lambda/instance_types.json"), content_type="application/json")
    run_ok(ws, "lambda.instance_types")
    assert {o.sku for o in offers_of(ws, "lambda.instance_types")} == {
        "gpu_8x_h100_sxm5",
        "gpu_1x_a10",
        "gpu_1x_gh200",
        "cpu_4x_general",
    }


def test_runpod_posts_the_graphql_query_without_auth(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    httpserver.expect_request("/graphql", method="POST", json=QUERY_BODY).respond_with_data(
        fixture_bytes("runpod/gpu_types.json"), content_type="application/json"
    )
    run_ok(ws, "runpod.gpu_types")
    assert len(offers_of(ws, "runpod.gpu_types")) == 37
    [(request, _)] = httpserver.log
    assert "Authorization" not in request.headers
    assert request.headers["Content-Type"].startswith("application/json")


def test_vastai_posts_the_search_filter(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    httpserver.expect_request("/api/v0/bundles/", method="POST", json=SEARCH).respond_with_data(
        fixture_bytes("vastai/bundles.json"), content_type="application/json"
    )
    run_ok(ws, "vastai.offers")
    stored = offers_of(ws, "vastai.offers")
    assert len(stored) == 10  # 9 hosts -> 5 marketplace groups + 5 spot groups, never one row per host


def test_skypilot_catalogues_are_fetched_from_their_github_path(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    for cloud in ("lambda", "runpod"):
        httpserver.expect_request(
            f"/skypilot-org/skypilot-catalog/master/catalogs/v7/{cloud}/vms.csv", method="GET"
        ).respond_with_data(fixture_bytes(f"skypilot/{cloud}_vms.csv"), content_type="text/plain")
    run_ok(ws, "skypilot.lambda")
    run_ok(ws, "skypilot.runpod")
    assert {o.competitor for o in offers_of(ws, "skypilot.lambda")} == {"lambda"}
    assert len(offers_of(ws, "skypilot.runpod")) == 7


def test_aws_offer_file_is_streamed_from_the_current_path(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    httpserver.expect_request(
        "/offers/v1.0/aws/AmazonEC2/current/eu-west-3/index.json", method="GET"
    ).respond_with_data(fixture_bytes("aws/offer_eu-west-3.json"), content_type="application/json")
    run_ok(ws, "aws.offer.eu-west-3")
    assert {o.sku for o in offers_of(ws, "aws.offer.eu-west-3")} == {
        "m5.large",
        "m6g.large",
        "g5.xlarge",
        "p4d.24xlarge",
        "c5.metal",
    }


def test_truncated_aws_file_stores_nothing(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    httpserver.expect_request("/offers/v1.0/aws/AmazonEC2/current/eu-west-3/index.json").respond_with_data(
        fixture_bytes("aws/offer_eu-west-3.json")[:9000], content_type="application/json"
    )
    [result] = run_sources(ws, [get_source("aws.offer.eu-west-3")], now=T0).results
    assert result.status == "failed" and "truncated" in (result.error or "")
    assert offers_of(ws, "aws.offer.eu-west-3") == []


def test_a_second_identical_azure_run_writes_nothing_new(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    body = fixture_bytes("azure/retail_westeurope_page2.json")
    httpserver.expect_request("/api/retail/prices").respond_with_data(body, content_type="application/json")
    run_ok(ws, "azure.retail.westeurope")
    run_ok(ws, "azure.retail.westeurope", now=T0 + timedelta(days=1))
    with ws.store.session() as session:
        versions = session.scalar(
            select(func.count())
            .select_from(OfferVersion)
            .where(OfferVersion.source_id == "azure.retail.westeurope")
        )
    assert versions == 4


def events_of(ws: Workspace, source_id: str) -> list[tuple[str, dict[str, Any]]]:
    from veille.store.models import EventRow

    with ws.store.session() as session:
        rows = session.scalars(select(EventRow).where(EventRow.source_id == source_id).order_by(EventRow.id))
        return [(row.kind, row.data) for row in rows]


def test_vastai_market_move_is_one_price_change_then_nothing(
    ws: Workspace, httpserver: HTTPServer, fixture_bytes: Callable[[str], bytes]
) -> None:
    first = fixture_bytes("vastai/bundles.json")
    doc = json.loads(first)
    for offer in doc["offers"]:
        if offer["gpu_name"] == "H100 SXM":
            offer["dph_total"] = round(offer["dph_total"] * 1.1, 2)  # 17.6 -> 19.36: the median moves
    second = json.dumps(doc).encode()
    for day, body in enumerate((first, second, second)):
        httpserver.clear()
        httpserver.expect_request("/api/v0/bundles/", method="POST").respond_with_data(
            body, content_type="application/json"
        )
        run_ok(ws, "vastai.offers", now=T0 + timedelta(days=day))
    changes = [data for kind, data in events_of(ws, "vastai.offers") if kind == "price_change"]
    assert len(changes) == 1, events_of(ws, "vastai.offers")
    assert "H100" in json.dumps(changes[0])

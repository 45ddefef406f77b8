"""The OpenAPI document is for signed-in users and token holders only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.web.conftest import Site, login


def test_anonymous_visitors_get_no_openapi_document(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "paths" not in response.text
    assert client.get("/openapi.json", headers={"Authorization": "Bearer vl_forged"}).status_code == 401


def test_token_holders_and_signed_in_users_get_it(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    document = client.get("/openapi.json", headers=headers).json()
    assert "/api/v1/events" in document["paths"] and "/openapi.json" not in document["paths"]
    login(client, "viewer")
    assert client.get("/openapi.json").json()["info"]["title"] == "veille API"

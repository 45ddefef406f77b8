"""The route table: every page and API route refuses anonymous visitors, and viewers cannot edit."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.web.conftest import Site, login

PUBLIC_PAGES = {"/login", "/lang/{code}", "/healthz", "/readyz"}
PUBLIC_API: set[str] = set()
# Outside /api/ but for token holders: 401 to anyone else (/openapi.json also opens to a session).
TOKEN_ROUTES = {"/openapi.json", "/metrics"}
# Writes any signed-in user may make (they edit nothing).
ANY_USER_WRITES = {("POST", "/logout"), ("POST", "/login")}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PARAMS = {
    "competitor_id": "hetzner",
    "criterion": "price",
    "source_id": "hetzner.server_types",
    "rule_id": "1",
    "note_id": "1",
    "name": "report.md",
    "code": "en",
    "token_id": "1",
}
ADMIN_PAGES = {"/users"}
EDITOR_PAGES = {"/competitors/new", "/sources/new"}  # forms that only write: viewers are refused them


def _flat_routes(site: Site) -> list[object]:
    """Every route of the app, included routers unrolled (FastAPI >= 0.16x keeps them nested)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return list(site.app.routes)
    return list(iter_route_contexts(site.app.routes))


def _routes(site: Site) -> list[tuple[str, str, str]]:
    """(method, path template, concrete path) of every route of the app but static files."""
    out = []
    for route in _flat_routes(site):
        path = getattr(route, "path", "") or ""
        methods = (
            getattr(route, "methods", None)
            or getattr(getattr(route, "original_route", None), "methods", None)
            or set()
        )
        if path.startswith("/static") or not methods:
            continue
        concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PARAMS.get(m.group(1), "x"), path)
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            out.append((method, path, concrete))
    return out


def test_the_route_table_is_what_we_think(site: Site) -> None:
    paths = {p for _, p, _ in _routes(site)}
    for expected in (
        "/login",
        "/",
        "/competitors/{competitor_id}",
        "/positioning",
        "/matrix",
        "/threats",
        "/sources",
        "/alerts",
        "/reports",
        "/notes",
        "/api/v1/competitors",
        "/api/v1/events",
        "/api/v1/positioning",
    ):
        assert expected in paths
    api = [r for r in _flat_routes(site) if (getattr(r, "path", "") or "").startswith("/api/")]
    assert len(api) > 20
    assert all(isinstance(getattr(r, "original_route", r), APIRoute) for r in api)


def test_anonymous_visitors_are_refused_everywhere(site: Site, client: TestClient) -> None:
    checked = 0
    for method, path, concrete in _routes(site):
        if path in PUBLIC_PAGES | PUBLIC_API:
            continue
        response = client.request(method, concrete, follow_redirects=False)
        if path.startswith("/api/") or path in TOKEN_ROUTES:
            assert response.status_code == 401, (method, path, response.status_code)
            if path.startswith("/api/") or path == "/openapi.json":
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")
        checked += 1
    assert checked > 40


def test_a_wrong_token_is_refused(site: Site, client: TestClient) -> None:
    for method, path, concrete in _routes(site):
        if path.startswith("/api/"):
            response = client.request(method, concrete, headers={"Authorization": "Bearer vl_not-a-token"})
            assert response.status_code == 401, (method, path)
            response = client.request(
                method, concrete, headers={"Authorization": f"Basic {site.tokens['admin']}"}
            )
            assert response.status_code == 401, (method, path)


def test_viewers_cannot_edit_through_the_api(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    writes = [(m, p, c) for m, p, c in _routes(site) if m in WRITES and p.startswith("/api/")]
    assert len(writes) >= 8
    for method, path, concrete in writes:
        response = client.request(method, concrete, headers=headers)
        assert response.status_code == 403, (method, path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_viewers_cannot_edit_through_the_pages(site: Site, client: TestClient) -> None:
    csrf = login(client, "viewer")
    writes = [
        (m, p, c)
        for m, p, c in _routes(site)
        if m in WRITES and not p.startswith("/api/") and (m, p) not in ANY_USER_WRITES
    ]
    assert len(writes) >= 8
    for method, path, concrete in writes:
        response = client.request(method, concrete, data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_page_writes_need_the_csrf_token(site: Site, client: TestClient, role: str) -> None:
    csrf = login(client, role)
    writes = [
        (m, p, c) for m, p, c in _routes(site) if m in WRITES and not p.startswith("/api/") and p != "/login"
    ]
    for method, path, concrete in writes:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.request(method, concrete, data=data, follow_redirects=False)
            assert response.status_code == 403, (method, path, data)
    # with the token, the check passes (what follows depends on the form)
    response = client.post(
        "/notes", data={"csrf_token": csrf, "kind": "strategy", "title": "ok"}, follow_redirects=False
    )
    assert response.status_code == (303 if role in ("editor", "admin") else 403)


def test_viewers_still_read_everything(site: Site, client: TestClient) -> None:
    login(client, "viewer")
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    for method, path, concrete in _routes(site):
        if method != "GET" or "{" in path or path in PUBLIC_PAGES:
            continue
        if path in ADMIN_PAGES | EDITOR_PAGES:
            assert client.get(concrete).status_code == 403, path
            continue
        concrete += {
            "/api/v1/offers/history": "?competitor=hetzner&sku=cx22",
            "/matrix/cell": "?competitor=hetzner&criterion=price",
        }.get(path, "")
        api = path.startswith("/api/") or path in TOKEN_ROUTES
        response = client.get(concrete, headers=headers if api else None)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])

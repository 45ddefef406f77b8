"""The dashboard and API over PostgreSQL: every page and list answers, writes land, sign-out holds.

The other web tests run on SQLite (a copied template database); this one seeds a PostgreSQL database
the same way, so the backend-specific paths (the data-version token read from the server, signed-out
sessions looked up there, numeric and timestamptz columns, keyset paging) answer as they do on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import _truncate
from tests.web.conftest import Site, login, seed_workspace
from tests.web.test_access import PUBLIC_API, PUBLIC_PAGES, _routes

from veille.settings import Settings
from veille.web.app import create_app
from veille.workspace import Workspace

pytestmark = pytest.mark.postgres
QUERIES = {
    "/api/v1/offers/history": "?competitor=hetzner&sku=cx22",
    "/matrix/cell": "?competitor=hetzner&criterion=support&edit=1",
}  # routes with required parameters


@pytest.fixture
def pg_site(postgres_url: str, tmp_path: Path) -> Iterator[Site]:
    ws = Workspace(Settings(home=tmp_path / "ws", database_url=postgres_url, secret_key="test-secret-key"))
    tokens = seed_workspace(ws)
    try:
        yield Site(ws, create_app(ws), tokens)
    finally:
        _truncate(ws.store)
        ws.store.dispose()


def test_every_page_and_api_read_answers_on_postgresql(pg_site: Site) -> None:
    bearer = {"Authorization": f"Bearer {pg_site.tokens['admin']}"}
    reads = [(p, c) for m, p, c in _routes(pg_site) if m == "GET" and p not in PUBLIC_PAGES | PUBLIC_API]
    with TestClient(pg_site.app, base_url="http://127.0.0.1") as client:
        login(client, "admin")
        statuses = {}
        for path, concrete in reads:
            headers = bearer if path.startswith("/api/") or path == "/metrics" else {}
            response = client.get(concrete + QUERIES.get(path, ""), headers=headers, follow_redirects=False)
            statuses[path] = response.status_code
        # 404 only where the route's example parameters name nothing (a note, a report file...)
        assert {p: s for p, s in statuses.items() if s not in (200, 404)} == {}
        assert sum(s == 200 for s in statuses.values()) >= 0.8 * len(reads), statuses
        offers = client.get("/api/v1/offers?competitor=hetzner", headers=bearer).json()["items"]
        prices = {o["sku"]: o["monthly_eur"] for o in offers}  # numeric(28, 10) padding is not shown
        assert prices["cx22"] == "3.79" and set(prices) == {"cx22", "cx32"}
        assert all(o["vcpu"] and "E" not in o["vcpu"] and not o["vcpu"].endswith("0" * 10) for o in offers)
        history = client.get(
            "/api/v1/offers/history?competitor=hetzner&sku=cx22&limit=2", headers=bearer
        ).json()
        rest = client.get(
            f"/api/v1/offers/history?competitor=hetzner&sku=cx22&cursor={history['next_cursor']}",
            headers=bearer,
        ).json()
        assert [v["monthly_eur"] for v in history["items"] + rest["items"]] == ["3.79", "4.15", "4.51"]


def test_writes_show_at_once_and_sign_out_holds_on_postgresql(pg_site: Site) -> None:
    editor = {"Authorization": f"Bearer {pg_site.tokens['editor']}"}
    with TestClient(pg_site.app, base_url="http://127.0.0.1") as client:
        before = client.get("/api/v1/kb", headers=editor).json()["matrix"]["scores"]["hetzner"]["support"]
        score = 1 if before != 1 else 2
        response = client.put(
            "/api/v1/matrix/hetzner/support",
            json={"score": score, "evidence": "Ticket answered in 2 h"},
            headers=editor,
        )
        assert response.status_code == 200, response.text
        # the kept answer of the first read must not be served again: the data version moved
        assert (
            client.get("/api/v1/kb", headers=editor).json()["matrix"]["scores"]["hetzner"]["support"] == score
        )

        csrf = login(client, "viewer")
        stolen = client.cookies["veille_session"]
        assert client.get("/notes").status_code == 200
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    other = create_app(pg_site.workspace)  # another worker of the same database refuses it too
    with TestClient(other, base_url="http://127.0.0.1") as thief:
        thief.cookies.set("veille_session", stolen)
        assert thief.get("/notes", follow_redirects=False).status_code == 303

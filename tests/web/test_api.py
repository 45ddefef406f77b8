"""The REST API: shapes of docs/contract.md, filters and paging, writes, problem+json errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from tests.web import seed
from tests.web.conftest import Site

from veille.store.models import EventRow

PROBLEM = "application/problem+json"


def _h(site: Site, role: str = "viewer") -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[role]}"}


def test_competitors_and_one_competitor(site: Site, client: TestClient) -> None:
    items = client.get("/api/v1/competitors", headers=_h(site)).json()
    ids = [c["id"] for c in items]
    assert "vmcloud" in ids and "ovhcloud" in ids and "hetzner" in ids
    one = client.get("/api/v1/competitors/ovhcloud?lang=en", headers=_h(site)).json()
    assert one["name"] == "OVHcloud" and one["tier"] == "direct" and one["threat"] == "medium"
    assert one["profile"]["hq"] == "Roubaix, France"
    assert any("support" in w.lower() for w in one["weaknesses"])
    assert one["key_message"] and one["matrix"]["price"] == 5
    fr = client.get("/api/v1/competitors/ovhcloud", headers=_h(site)).json()
    assert fr["key_message"] == "Quand OVH vous laisse tomber, on est là"


def test_knowledge_base_export_has_the_contract_shape(site: Site, client: TestClient) -> None:
    kb = client.get("/api/v1/kb?lang=fr", headers=_h(site)).json()
    assert kb["schema_version"] == 1
    comp = next(c for c in kb["competitors"] if c["id"] == "ovhcloud")
    for key in (
        "id",
        "name",
        "country",
        "tier",
        "threat",
        "threat_reason",
        "profile",
        "strengths",
        "weaknesses",
        "positioning",
        "our_advantages",
        "verdict",
        "strategy",
        "key_message",
    ):
        assert key in comp
    assert isinstance(comp["profile"], dict) and isinstance(comp["strengths"][0], str)
    assert kb["matrix"]["scores"]["ovhcloud"]["price"] == 5
    assert kb["price_table"]["prices"]["vps-entry"]["vmcloud"] == {"amount": "49", "currency": "EUR"}
    assert kb["threats"][0]["aspects"][0]["probability"] in ("high", "medium", "low")
    assert kb["watch_items"][0]["element"]


def test_events_filters_and_cursor_paging(site: Site, client: TestClient) -> None:
    with site.workspace.store.session() as session:
        for i in range(7):
            session.add(
                EventRow(
                    kind="incident" if i % 2 else "feature",
                    competitor="scaleway",
                    title=f"e{i}",
                    importance="low",
                    detected_at=seed.NOW - timedelta(hours=i + 1),
                    dedup_key=f"k{i}",
                    data={},
                    occurred_at=None,
                    url=None,
                )
            )
    seen: list[str] = []
    url = "/api/v1/events?competitor=scaleway&limit=3"
    while url:
        page = client.get(url, headers=_h(site)).json()
        seen += [e["title"] for e in page["items"]]
        url = (
            f"/api/v1/events?competitor=scaleway&limit=3&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else ""
        )
    assert seen == [f"e{i}" for i in range(7)]
    kinds = client.get("/api/v1/events?kind=incident", headers=_h(site)).json()["items"]
    assert {e["kind"] for e in kinds} == {"incident"} and len(kinds) == 3
    since = client.get(
        "/api/v1/events",
        params={"since": (seed.NOW - timedelta(hours=2, minutes=30)).isoformat()},
        headers=_h(site),
    ).json()["items"]
    assert [e["title"] for e in since] == ["Hetzner lowers CX22 price", "e0", "e1"]
    event = since[0]
    assert set(event) == {
        "id",
        "kind",
        "competitor",
        "title",
        "importance",
        "occurred_at",
        "detected_at",
        "url",
        "data",
    }
    bad = client.get("/api/v1/events?cursor=not-a-cursor", headers=_h(site))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)


def test_offers_and_price_history(site: Site, client: TestClient) -> None:
    offers = client.get("/api/v1/offers?competitor=hetzner", headers=_h(site)).json()["items"]
    assert {o["sku"] for o in offers} == {"cx22", "cx32"} and all(o["valid_to"] is None for o in offers)
    cx22 = next(o for o in offers if o["sku"] == "cx22")
    assert Decimal(cx22["monthly_eur"]) == Decimal("3.79") and isinstance(cx22["monthly_eur"], str)
    assert cx22["fx_rate"] == "1" and cx22["fx_date"]  # converted at today's rate (identity for EUR)
    history = client.get(
        "/api/v1/offers/history?competitor=hetzner&sku=cx22&limit=2", headers=_h(site)
    ).json()
    assert [Decimal(v["monthly_eur"]) for v in history["items"]] == [Decimal("3.79"), Decimal("4.15")]
    assert history["next_cursor"]
    rest = client.get(
        f"/api/v1/offers/history?competitor=hetzner&sku=cx22&cursor={history['next_cursor']}",
        headers=_h(site),
    ).json()
    assert [Decimal(v["monthly_eur"]) for v in rest["items"]] == [Decimal("4.51")] and rest[
        "next_cursor"
    ] is None


def test_positioning_has_the_contract_shape(site: Site, client: TestClient) -> None:
    doc = client.get("/api/v1/positioning", headers=_h(site)).json()
    assert doc["currency"] == "EUR" and doc["products"] and doc["rows"]
    row = next(r for r in doc["rows"] if r["competitor"] == "hetzner" and r["product"] == "vps-entry")
    assert row["basis"] == "live" and row["monthly_eur"] == "3.79" and row["offer"]["sku"] == "cx22"
    assert row["ratio_to_self"] == "0.077"


def test_incidents_alerts_sources_ratings(site: Site, client: TestClient) -> None:
    incidents = client.get("/api/v1/incidents?competitor=hetzner", headers=_h(site)).json()["items"]
    assert incidents[0]["impact"] == "major"
    alerts = client.get("/api/v1/alerts?open=true", headers=_h(site)).json()["items"]
    assert alerts[0]["status"] == "pending" and alerts[0]["event_title"]
    sources = client.get("/api/v1/sources", headers=_h(site)).json()
    with_credential = [s for s in sources if s["credential"]]
    assert with_credential and all(s["credential_present"] is False for s in with_credential)
    assert all(set(s) >= {"id", "enabled", "last_status", "health"} for s in sources)
    ratings = client.get("/api/v1/ratings?competitor=hetzner", headers=_h(site)).json()["items"]
    assert ratings[0]["score"] == "4.3"


def test_rules_crud(site: Site, client: TestClient) -> None:
    h = _h(site, "editor")
    created = client.post(
        "/api/v1/alert-rules",
        json={"name": "gpu", "kinds": ["price_change"], "min_importance": "medium", "channels": ["file"]},
        headers=h,
    )
    assert created.status_code == 201, created.text
    rule: dict[str, Any] = created.json()
    assert client.post("/api/v1/alert-rules", json={"name": "gpu"}, headers=h).status_code == 422
    patched = client.patch(f"/api/v1/alert-rules/{rule['id']}", json={"enabled": False}, headers=h).json()
    assert patched["enabled"] is False and patched["min_importance"] == "medium"
    assert client.delete(f"/api/v1/alert-rules/{rule['id']}", headers=h).status_code == 204
    missing = client.delete(f"/api/v1/alert-rules/{rule['id']}", headers=h)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)


def test_notes_and_ratings_writes(site: Site, client: TestClient) -> None:
    h = _h(site, "editor")
    note = client.post(
        "/api/v1/notes",
        json={
            "kind": "secret_shopping",
            "competitor": "hetzner",
            "title": "Night ticket",
            "body": "Answered in 4 h",
            "score": "3.5",
            "happened_on": "2026-11-02",
        },
        headers=h,
    )
    assert note.status_code == 201, note.text
    assert note.json()["author"] == "editor" and note.json()["score"] == "3.5"
    listed = client.get("/api/v1/notes?kind=secret_shopping", headers=h).json()["items"]
    assert [n["title"] for n in listed] == ["Night ticket"]
    bad = client.post(
        "/api/v1/notes", json={"kind": "secret_shopping", "title": "x", "score": "9"}, headers=h
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert client.delete(f"/api/v1/notes/{note.json()['id']}", headers=h).status_code == 204
    rating = client.post(
        "/api/v1/ratings",
        json={
            "competitor": "ovhcloud",
            "platform": "capterra",
            "score": "4.1",
            "count": 52,
            "as_of": "2026-11-01",
        },
        headers=h,
    )
    assert rating.status_code == 201 and rating.json()["entered_by"] == "editor"


def test_matrix_score_with_evidence(site: Site, client: TestClient) -> None:
    h = _h(site, "editor")
    response = client.put(
        "/api/v1/matrix/hetzner/support",
        json={"score": 2, "evidence": "Ticket answered in 2 h", "url": "https://example.org/t"},
        headers=h,
    )
    assert response.status_code == 200, response.text
    assert response.json()["evidence"]["text"] == "Ticket answered in 2 h"
    assert client.get("/api/v1/kb", headers=h).json()["matrix"]["scores"]["hetzner"]["support"] == 2
    for body, status in (({"score": 7, "evidence": "x"}, 422), ({"score": 2, "evidence": ""}, 422)):
        assert client.put("/api/v1/matrix/hetzner/support", json=body, headers=h).status_code == status
    assert (
        client.put(
            "/api/v1/matrix/hetzner/nonsense", json={"score": 2, "evidence": "x"}, headers=h
        ).status_code
        == 404
    )


def test_kb_import_round_trip_and_bad_documents(site: Site, client: TestClient) -> None:
    h = _h(site, "editor")
    exported = client.get("/api/v1/kb?lang=fr", headers=h).json()
    ovh = next(c for c in exported["competitors"] if c["id"] == "ovhcloud")
    ovh["key_message"] = "Nouveau message"
    response = client.post("/api/v1/kb/import?lang=fr", json=exported, headers=h)
    assert response.status_code == 201, response.text
    assert response.json()["revision"] > 1
    assert client.get("/api/v1/competitors/ovhcloud", headers=h).json()["key_message"] == "Nouveau message"
    assert client.post("/api/v1/kb/import", json=exported, headers=_h(site)).status_code == 403
    for bad in (
        {"schema_version": 2},
        {"competitors": "nope"},
        {"schema_version": 1, "competitors": [{"id": 3}]},
    ):
        failed = client.post("/api/v1/kb/import", json=bad, headers=h)
        assert failed.status_code == 422 and failed.headers["content-type"].startswith(PROBLEM)
    assert (
        client.post(
            "/api/v1/kb/import", content=b"{not json", headers={**h, "content-type": "application/json"}
        ).status_code
        == 422
    )


def test_errors_are_problem_documents(site: Site, client: TestClient) -> None:
    h = _h(site)
    for path, status in (
        ("/api/v1/competitors/nobody", 404),
        ("/api/v1/nowhere", 404),
        ("/api/v1/events?limit=0", 422),
        ("/api/v1/reports/../../etc/passwd", 404),
        ("/api/v1/reports/secret.txt", 404),
    ):
        response = client.get(path, headers=h)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith(PROBLEM), path
        body = response.json()
        assert body["status"] == status and body["title"] and body["type"] == "about:blank"


def test_server_errors_are_problem_documents_too(site: Site) -> None:
    from veille.web.api import read

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    original = read.pos.table
    read.pos.table = broken  # type: ignore[assignment]
    try:
        with TestClient(site.app, raise_server_exceptions=False) as client:
            response = client.get("/api/v1/positioning", headers=_h(site))
    finally:
        read.pos.table = original  # type: ignore[assignment]
    assert response.status_code == 500 and response.headers["content-type"].startswith(PROBLEM)
    assert "boom" not in response.text


def test_openapi_document_describes_the_api(site: Site, client: TestClient) -> None:
    doc = client.get("/openapi.json", headers=_h(site, "viewer")).json()
    paths = doc["paths"]
    assert "/api/v1/events" in paths and "/api/v1/positioning" in paths and "/api/v1/competitors" in paths
    assert not any(not p.startswith("/api/") for p in paths), "pages are not part of the API document"
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    assert paths["/api/v1/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]


def test_reports_generate_list_and_download(site: Site, client: TestClient) -> None:
    h = _h(site, "editor")
    made = client.post(
        "/api/v1/reports",
        json={"kind": "battlecard", "lang": "en", "format": "md", "competitor": "hetzner"},
        headers=h,
    )
    assert made.status_code == 201, made.text
    name = made.json()["name"]
    assert name.endswith(".md") and any(
        r["name"] == name for r in client.get("/api/v1/reports", headers=h).json()
    )
    body = client.get(f"/api/v1/reports/{name}", headers=h)
    assert body.status_code == 200 and "Hetzner" in body.text
    assert body.headers["content-disposition"].startswith("attachment")
    assert (
        client.post("/api/v1/reports", json={"kind": "battlecard", "format": "md"}, headers=h).status_code
        == 422
    )
    # the page form does the same for people
    from tests.web.conftest import login

    csrf = login(client, "editor")
    response = client.post(
        "/reports",
        data={"csrf_token": csrf, "kind": "digest", "lang": "fr", "format": "html"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get("/reports").text
    assert ".html" in page and "/reports/files/" in page

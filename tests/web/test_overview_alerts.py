"""The overview's window (the last 7 days on a first visit, the previous visit afterwards, never "since
a minute ago"), open alerts (open until acknowledged) and acknowledging them from the dashboard and the
API; reading reports in the browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import Site, login

from veille.auth import VISIT_GAP, begin_visit
from veille.store.models import Alert, EventRow, User


def _lead(html: str) -> str:
    match = re.search(r'<p class="lead">(.*?)</p>', html, re.S)
    assert match
    return match.group(1).strip()


def _open_tile(html: str) -> int:
    match = re.search(r'href="/alerts\?open=1"[^>]*><span class="num">(\d+)</span>', html)
    assert match, "no open-alerts tile"
    return int(match.group(1))


def _user(site: Site, name: str) -> User:
    with site.workspace.store.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        assert user is not None
        session.expunge(user)
        return user


def test_first_sign_in_shows_the_last_7_days_and_a_second_one_soon_after_too(site: Site) -> None:
    for _ in range(2):  # signing in again a minute later (another browser) continues the same visit
        with TestClient(site.app, base_url="http://127.0.0.1", headers={"Accept-Language": "en"}) as client:
            login(client, "viewer")
            assert _lead(client.get("/").text) == "Welcome! Here is what happened in the last 7 days."
    assert _user(site, "viewer").visit_since is None


def test_a_visit_after_a_gap_starts_at_the_previous_one(site: Site) -> None:
    earlier = datetime.now(UTC) - timedelta(days=3)
    with site.workspace.store.session() as session:
        user = session.scalar(select(User).where(User.name == "viewer"))
        assert user is not None
        user.last_seen_at = earlier
    with TestClient(site.app, base_url="http://127.0.0.1", headers={"Accept-Language": "en"}) as client:
        login(client, "viewer")
        lead = _lead(client.get("/").text)
    assert lead.startswith("Since your last visit (") and str(earlier.year) in lead


def test_begin_visit_keeps_the_baseline_within_a_visit(site: Site) -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with site.workspace.store.session() as session:
        user = session.scalar(select(User).where(User.name == "editor"))
        assert user is not None
        assert begin_visit(session, user.id, now) is None  # never seen: first visit
        assert begin_visit(session, user.id, now + timedelta(minutes=5)) is None  # same visit
        later = now + timedelta(minutes=5) + VISIT_GAP + timedelta(seconds=1)
        assert begin_visit(session, user.id, later) == now + timedelta(minutes=5)  # a new visit
        assert begin_visit(session, user.id, later + timedelta(minutes=1)) == now + timedelta(minutes=5)


def _add_alerts(site: Site, n: int) -> list[int]:
    with site.workspace.store.session() as session:
        event_id = session.scalar(select(EventRow.id).limit(1))
        rows = [
            Alert(
                rule=f"extra-{i}", event_id=event_id, channel="file", created_at=datetime.now(UTC),
                status=status, attempts=0, payload={},
            )
            for i, status in zip(range(n), ("sent", "failed", "digest", "sent"), strict=False)
        ]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def test_open_alerts_are_those_not_acknowledged_whatever_their_delivery(
    site: Site, client: TestClient
) -> None:
    _add_alerts(site, 3)  # sent, failed, in the digest: all open until someone acknowledges them
    login(client, "viewer")
    page = client.get("/").text
    assert _open_tile(page) == 4
    assert 'action="/alerts/' not in page  # a viewer sees no acknowledge button


def test_an_editor_acknowledges_from_the_overview_and_the_alerts_page(site: Site, client: TestClient) -> None:
    ids = _add_alerts(site, 2)
    csrf = login(client, "editor")
    overview = client.get("/").text
    assert _open_tile(overview) == 3 and f'action="/alerts/{ids[0]}/acknowledge"' in overview
    # without the CSRF token: refused, nothing changes
    refused = client.post(f"/alerts/{ids[0]}/acknowledge", data={"next": "/"}, follow_redirects=False)
    assert refused.status_code == 403
    done = client.post(
        f"/alerts/{ids[0]}/acknowledge", data={"csrf_token": csrf, "next": "/"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/?done=acknowledged"
    assert _open_tile(client.get("/").text) == 2
    with site.workspace.store.session() as session:
        alert = session.get(Alert, ids[0])
        assert alert is not None and alert.acknowledged_by == "editor" and alert.acknowledged_at is not None
        assert alert.status == "sent"  # delivery is not touched
    client.post("/alerts/acknowledge", data={"csrf_token": csrf, "next": "/alerts"})
    page = client.get("/alerts?open=1").text
    assert "No alert yet." in page or "Aucune alerte" in page
    assert _open_tile(client.get("/").text) == 0


def test_a_viewer_cannot_acknowledge(site: Site, client: TestClient) -> None:
    ids = _add_alerts(site, 1)
    csrf = login(client, "viewer")
    response = client.post(f"/alerts/{ids[0]}/acknowledge", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 403
    with site.workspace.store.session() as session:
        assert session.get(Alert, ids[0]).acknowledged_at is None  # type: ignore[union-attr]


def test_the_api_acknowledges_an_alert_for_editors(site: Site, client: TestClient) -> None:
    ids = _add_alerts(site, 1)
    viewer = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    editor = {"Authorization": f"Bearer {site.tokens['editor']}"}
    listed = client.get("/api/v1/alerts?open=true", headers=viewer).json()["items"]
    assert ids[0] in [a["id"] for a in listed] and all(a["open"] for a in listed)
    assert client.post(f"/api/v1/alerts/{ids[0]}/acknowledge", headers=viewer).status_code == 403
    first = client.post(f"/api/v1/alerts/{ids[0]}/acknowledge", headers=editor)
    assert first.status_code == 200
    body = first.json()
    assert body["open"] is False and body["acknowledged_by"] == "editor" and body["status"] == "sent"
    again = client.post(f"/api/v1/alerts/{ids[0]}/acknowledge", headers=editor).json()
    assert again["acknowledged_at"] == body["acknowledged_at"]
    assert client.post("/api/v1/alerts/999999/acknowledge", headers=editor).status_code == 404
    still_open = client.get("/api/v1/alerts?open=true", headers=viewer).json()["items"]
    assert ids[0] not in [a["id"] for a in still_open]


def test_reports_read_inline_and_download_as_files(site: Site, client: TestClient) -> None:
    csrf = login(client, "editor")
    names = []
    for fmt in ("html", "pdf", "md"):
        made = client.post(
            "/reports",
            data={"csrf_token": csrf, "kind": "digest", "lang": "fr", "format": fmt},
            follow_redirects=False,
        )
        assert made.status_code == 303 and made.headers["location"].startswith("/reports?written=")
        page = client.get(made.headers["location"]).text
        name = made.headers["location"].split("=", 1)[1]
        assert f'<a href="/reports/files/{name}"' in page and f'href="/reports/download/{name}"' in page
        names.append(name)
    html, pdf, md = (client.get(f"/reports/files/{n}") for n in names)
    assert html.headers["content-disposition"].startswith("inline")
    assert html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]
    assert pdf.headers["content-disposition"].startswith("inline") and pdf.content.startswith(b"%PDF")
    assert md.headers["content-type"].startswith("text/plain") and md.headers[
        "content-disposition"
    ].startswith("inline")
    saved = client.get(f"/reports/download/{names[1]}")
    assert saved.headers["content-disposition"].startswith("attachment") and saved.content.startswith(b"%PDF")
    assert client.get("/reports/files/..%2Fveille.db").status_code == 404
    assert client.get("/reports?written=nothing.html").text.count("Rapport écrit") == 0


def test_the_api_documentation_page_is_behind_sign_in(client: TestClient) -> None:
    anonymous = client.get("/api-docs", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert client.get("/api-docs/assets/swagger-ui-bundle.js", follow_redirects=False).status_code == 303
    login(client, "viewer")
    page = client.get("/api-docs")
    assert page.status_code == 200 and 'id="swagger-ui"' in page.text
    assert "<script>" not in page.text and "https://" not in page.text
    asset = client.get("/api-docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert client.get("/api-docs/assets/LICENSE").status_code == 404
    assert client.get("/api-docs/assets/..%2F__init__.py").status_code == 404
    assert 'href="/api-docs"' in client.get("/").text

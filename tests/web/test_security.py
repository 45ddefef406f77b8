"""Sessions, CSRF, login throttling, security headers and the language switch."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD, Site, csrf_of, login

from veille.web.app import create_app
from veille.web.security import CSP


def _post_login(client: TestClient, name: str, password: str, next_path: str = "/") -> object:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": next_path},
        follow_redirects=False,
    )


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/login", "/", "/static/app.css", "/api/v1/events", "/nowhere"):
        response = client.get(path, follow_redirects=False)
        headers = response.headers
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "server" not in headers
    assert "frame-ancestors 'none'" in CSP and "default-src 'self'" in CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


def test_login_sets_a_safe_session_cookie_and_logout_ends_it(client: TestClient) -> None:
    response = _post_login(client, "editor", PASSWORD, "/matrix")
    assert response.status_code == 303 and response.headers["location"] == "/matrix"
    cookie = response.headers["set-cookie"]
    assert "veille_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    page = client.get("/")
    assert page.status_code == 200 and "editor" in page.text
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_signed_out_session_cannot_be_replayed(site: Site) -> None:
    """Logging out ends that session on the server too; the user's other sessions go on."""
    with (
        TestClient(site.app, base_url="http://127.0.0.1") as laptop,
        TestClient(site.app, base_url="http://127.0.0.1") as phone,
    ):
        csrf = login(laptop, "viewer")
        login(phone, "viewer")
        stolen = laptop.cookies["veille_session"]
        for _ in range(2):  # the second answer may be a kept one: it must go too
            assert laptop.get("/notes").status_code == 200
        laptop.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        with TestClient(site.app, base_url="http://127.0.0.1") as thief:
            thief.cookies.set("veille_session", stolen)
            assert thief.get("/notes", follow_redirects=False).status_code == 303
            assert thief.get("/", follow_redirects=False).headers["location"].startswith("/login")
        assert phone.get("/notes").status_code == 200
    # another process of the same workspace (a second server worker) refuses it as well
    other = create_app(site.workspace)
    with TestClient(other, base_url="http://127.0.0.1") as thief:
        thief.cookies.set("veille_session", stolen)
        assert thief.get("/notes", follow_redirects=False).status_code == 303


def test_cookies_are_secure_behind_tls(site: Site) -> None:
    with TestClient(site.app, base_url="https://veille.example") as client:
        response = _post_login(client, "viewer", PASSWORD)
        assert "Secure" in response.headers["set-cookie"]


def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client.cookies.clear()
        response = _post_login(client, "viewer", PASSWORD, target)
        assert response.headers["location"] == "/", target


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403
    assert "veille_session" not in response.headers.get("set-cookie", "")


def test_a_tampered_session_cookie_is_refused(client: TestClient) -> None:
    login(client, "admin")
    value = client.cookies.get("veille_session")
    assert value
    # another first character of the signature (its last one is partly padding: changing it may not)
    head, _, signature = value.rpartition(".")
    forged = ("B" if signature[0] == "A" else "A") + signature[1:]
    client.cookies.clear()  # else the jar sends the genuine cookie beside the forged one
    client.cookies.set("veille_session", f"{head}.{forged}")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_language_follows_the_browser_then_the_switch(client: TestClient) -> None:
    login(client, "viewer")
    fr = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in fr.text and "Vue d’ensemble" in fr.text
    en = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in en.text and "Overview" in en.text
    response = client.get("/lang/en?next=/matrix", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/matrix"
    switched = client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in switched.text
    assert client.get("/lang/en?next=https://evil.example", follow_redirects=False).headers["location"] == "/"


def test_numbers_and_money_follow_the_locale(client: TestClient) -> None:
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    fr = client.get("/competitors/hetzner").text
    assert "3,79\u00a0€" in fr
    client.cookies.set("veille_lang", "en")
    en = client.get("/competitors/hetzner").text
    assert "€3.79" in en


def test_event_titles_and_impacts_follow_the_locale(site: Site, client: TestClient) -> None:
    """Offer events are written again in the reader's language, with their region; impacts too."""
    from veille.store.models import Action, Alert, EventRow, Note

    now = datetime.now(UTC)
    with site.workspace.store.session() as session:
        event = EventRow(
            kind="offer_added", competitor="hetzner", title="hetzner CX62 (nbg1): new offer",
            importance="medium", occurred_at=now, detected_at=now, dedup_key="oa:cx62", status="open",
            data={"offer": {"sku": "cx62", "name": "CX62", "region": "nbg1", "monthly_eur": "64.9"}},
        )  # fmt: skip
        session.add(event)
        session.flush()
        session.add(Alert(rule="prices", event_id=event.id, channel="file", created_at=now, status="pending",
                          attempts=0, payload={}))  # fmt: skip
        hiring = EventRow(
            kind="hiring", competitor="hetzner", title="hetzner: +5 GPU/AI roles since 2026-11-12 (0 → 5)",
            importance="high", occurred_at=now, detected_at=now, dedup_key="hiring:x", status="open",
            data={"function": "gpu_ai", "open_now": 5, "open_before": 0, "change": 5, "change_pct": None,
                  "baseline_at": "2026-11-12T10:00:00+00:00"},
        )  # fmt: skip
        session.add(hiring)
        session.flush()
        session.add(Action(kind="strategy_note", event_id=hiring.id, competitor="hetzner", created_at=now,
                           status="open", title=hiring.title, body={}))  # fmt: skip
        session.add(Note(kind="strategy", competitor="hetzner", title=hiring.title, body=hiring.title, score=None,
                         happened_on="2026-11-26", author="veille", created_at=now,
                         data={"event_id": hiring.id, "from": "hiring", "event": hiring.data}))  # fmt: skip
    login(client, "viewer")
    client.cookies.set("veille_lang", "fr")
    for page in ("/events", "/alerts", "/"):
        assert "CX62 (nbg1): nouvelle offre, 64,90\u00a0€ / mois" in client.get(page).text, page
    assert ">majeur</span>" in client.get("/competitors/hetzner").text
    assert (
        '<span class="chip">Stratégie</span> Postes ouverts, GPU/IA: +5 depuis le 12 nov. 2026'
        in client.get("/").text
    )
    assert "<b>Postes ouverts, GPU/IA: +5 depuis le 12 nov. 2026 (0 → 5)</b>" in client.get("/notes").text
    assert ">Prix</td>" in client.get("/sources").text  # a source's kind
    client.cookies.set("veille_lang", "en")
    for page in ("/events", "/alerts", "/"):
        assert "CX62 (nbg1): new offer, €64.90 / month" in client.get(page).text, page
    assert ">major</span>" in client.get("/competitors/hetzner").text

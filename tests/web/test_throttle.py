"""Sign-in throttling: keyed by name and client address, kept in the database for every process, and
never holding back an address that did nothing wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import PASSWORD, Site, csrf_of

from veille.store.models import LoginFailure
from veille.web.app import create_app
from veille.web.security import LoginLimiter, client_key


def _client(site: Site, address: str, app: object | None = None) -> TestClient:
    return TestClient(app or site.app, base_url="http://127.0.0.1", client=(address, 40000))


def _try(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) > 0
    return response.status_code


def test_an_address_hammering_a_name_does_not_lock_out_the_owner(site: Site) -> None:
    with _client(site, "203.0.113.7") as attacker, _client(site, "198.51.100.20") as owner:
        assert [_try(attacker, "admin", "wrong") for _ in range(5)] == [401] * 5
        assert _try(attacker, "admin", PASSWORD) == 429  # even the right password, from there
        assert _try(owner, "admin", PASSWORD) == 303  # the owner, elsewhere, signs in
        assert _try(attacker, "admin", "wrong") == 429


def test_failures_are_shared_by_every_server_process(site: Site) -> None:
    """Two apps over one workspace stand for two workers: 5 tries in all, not 5 each."""
    second = create_app(site.workspace)
    with _client(site, "203.0.113.8") as one, _client(site, "203.0.113.8", second) as two:
        for client in (one, two, one, two, one):
            assert _try(client, "editor", "wrong") == 401
        assert _try(two, "editor", PASSWORD) == 429
        assert _try(one, "editor", PASSWORD) == 429
    with site.workspace.store.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 5


def test_one_address_trying_many_names_is_throttled(site: Site) -> None:
    with _client(site, "203.0.113.9") as sprayer, _client(site, "198.51.100.21") as other:
        for i in range(20):
            assert _try(sprayer, f"guess{i}", "wrong") == 401
        assert _try(sprayer, "viewer", PASSWORD) == 429
        assert _try(other, "viewer", PASSWORD) == 303


def test_a_correct_sign_in_forgets_that_address_failures(site: Site) -> None:
    with _client(site, "198.51.100.22") as owner:
        for _ in range(4):
            assert _try(owner, "viewer", "typo") == 401
        assert _try(owner, "viewer", PASSWORD) == 303
        owner.cookies.clear()
        for _ in range(4):
            assert _try(owner, "viewer", "typo") == 401
        assert _try(owner, "viewer", PASSWORD) == 303


def test_the_window_passes_and_old_failures_are_dropped(site: Site) -> None:
    limiter = LoginLimiter(limit=2, window=60)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with site.workspace.store.session() as session:
        limiter.failed(session, "2001:db8::1", "Admin", start)
        limiter.failed(session, "2001:db8::2", "admin", start + timedelta(seconds=10))
        # the same IPv6 /64 counts as one client; names are compared without case
        assert limiter.retry_after(session, "2001:db8::3", "ADMIN", start + timedelta(seconds=20)) == 41
        assert limiter.retry_after(session, "2001:db9::1", "admin", start + timedelta(seconds=20)) == 0
        assert limiter.retry_after(session, "2001:db8::3", "admin", start + timedelta(seconds=71)) == 0
        limiter.failed(session, "192.0.2.1", "x", start + timedelta(seconds=200))
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("2001:db8::abcd") == "2001:db8::/64"
    assert client_key("testclient") == "testclient"

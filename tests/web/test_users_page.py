"""The accounts page: admins change roles and passwords, end sessions, revoke tokens, add and remove
accounts; each takes effect at the next request; nobody else can reach it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Site, csrf_of, login

from veille.auth import issue_token
from veille.store.models import User


def _admin(site: Site) -> tuple[TestClient, str]:
    client = TestClient(site.app, base_url="http://127.0.0.1")
    return client, login(client, "admin")


def _as(site: Site, name: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(site.app, base_url="http://127.0.0.1")
    login(client, name, password)
    assert client.get("/notes").status_code == 200
    return client


def _post(client: TestClient, csrf: str, path: str, **data: str) -> int:
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False).status_code


def _api(client: TestClient, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_only_admins_see_the_accounts_page(site: Site, client: TestClient) -> None:
    assert client.get("/users", follow_redirects=False).status_code == 303
    for role in ("viewer", "editor"):
        assert _as(site, role).get("/users").status_code == 403
    admin, _ = _admin(site)
    page = admin.get("/users")
    assert page.status_code == 200
    for name in ("admin", "editor", "viewer"):
        assert f"/users/{name}/password" in page.text
    assert site.tokens["viewer"] not in page.text
    assert 'href="/users"' in page.text and 'href="/users"' not in _as(site, "editor").get("/").text


def test_a_new_password_from_the_page_ends_sessions_and_tokens(site: Site) -> None:
    admin, csrf = _admin(site)
    editor = _as(site, "editor")
    assert _post(admin, csrf, "/users/editor/password", password="a new long passphrase") == 303
    assert editor.get("/notes", follow_redirects=False).status_code == 303
    assert _api(admin, site.tokens["editor"]) == 401
    viewer = _as(site, "viewer")
    data = {"password": "another passphrase", "keep_tokens": "true"}
    assert _post(admin, csrf, "/users/viewer/password", **data) == 303
    assert viewer.get("/notes", follow_redirects=False).status_code == 303
    assert _api(admin, site.tokens["viewer"]) == 200
    _as(site, "viewer", "another passphrase")


def test_roles_sessions_tokens_and_removal_from_the_page(site: Site) -> None:
    admin, csrf = _admin(site)
    editor = _as(site, "editor")
    assert _post(admin, csrf, "/users/editor/role", role="viewer") == 303
    editor_csrf = csrf_of(editor.get("/").text)
    assert _post(editor, editor_csrf, "/notes", kind="strategy", title="x") == 403
    assert _post(admin, csrf, "/users/editor/sessions/end") == 303
    assert editor.get("/notes", follow_redirects=False).status_code == 303
    with site.workspace.store.session() as session:
        second_id, second = issue_token(session, "viewer")
    assert _post(admin, csrf, f"/users/viewer/tokens/{second_id}/revoke") == 303
    assert _api(admin, second) == 401 and _api(admin, site.tokens["viewer"]) == 200
    assert _post(admin, csrf, "/users/viewer/tokens/revoke") == 303
    assert _api(admin, site.tokens["viewer"]) == 401
    viewer = _as(site, "viewer")
    assert _post(admin, csrf, "/users/viewer/remove") == 303
    assert viewer.get("/notes", follow_redirects=False).status_code == 303
    assert _post(admin, csrf, "/users", name="newbie", role="editor", password="long enough pass") == 303
    _as(site, "newbie", "long enough pass")
    with site.workspace.store.session() as session:
        names = set(session.scalars(select(User.name)))
    assert names == {"admin", "editor", "newbie"}


def test_the_page_refuses_what_the_command_refuses(site: Site) -> None:
    admin, csrf = _admin(site)
    assert _post(admin, csrf, "/users/admin/remove") == 422  # the last admin
    assert _post(admin, csrf, "/users/admin/role", role="viewer") == 422
    assert _post(admin, csrf, "/users/ghost/remove") == 404
    assert _post(admin, csrf, "/users/viewer/password", password="short") == 422
    assert _post(admin, csrf, "/users/viewer/role", role="root") == 422
    assert _post(admin, csrf, "/users", name="viewer", role="admin", password="long enough pass") == 422
    assert _post(admin, csrf, "/users/viewer/tokens/999/revoke") == 404
    assert _post(admin, "forged", "/users/viewer/remove") == 403
    assert _api(admin, site.tokens["viewer"]) == 200 and _api(admin, site.tokens["admin"]) == 200
    assert admin.get("/users").status_code == 200

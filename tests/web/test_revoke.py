"""Taking access back: a password change or a removal ends the user's sessions (and tokens) at once in
every server process, a revoked token is refused at its next request, a new role applies at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from tests.web.conftest import Site, csrf_of, login

from veille.web.app import create_app

NOTE = {"kind": "strategy", "title": "t", "body": "b"}


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def _two_workers(site: Site) -> Iterator[tuple[TestClient, TestClient]]:
    """The site's app and a second app over the same workspace, as two server processes would be."""
    with (
        TestClient(site.app, base_url="http://127.0.0.1") as one,
        TestClient(create_app(site.workspace), base_url="http://127.0.0.1") as two,
    ):
        yield one, two


def _signed_in_everywhere(one: TestClient, two: TestClient, name: str) -> None:
    login(one, name)
    two.cookies.set("veille_session", one.cookies["veille_session"])
    for client in (one, two, one, two):  # the caches of both now know the session
        assert client.get("/notes", follow_redirects=False).status_code == 200


def _refused(client: TestClient) -> bool:
    response = client.get("/notes", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_new_password_ends_sessions_and_tokens_in_every_worker(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    token = site.tokens["editor"]
    with _two_workers(site) as (one, two):
        _signed_in_everywhere(one, two, "editor")
        assert two.get("/api/v1/notes", headers=_h(token)).status_code == 200
        code, out, err = cli(
            "--home",
            str(site.workspace.home),
            "users",
            "passwd",
            "editor",
            "--password-stdin",
            stdin="a brand new passphrase\n",
        )
        assert code == 0, err
        assert "sessions ended" in out and "revoked" in out
        assert _refused(one) and _refused(two)
        assert two.get("/api/v1/notes", headers=_h(token)).status_code == 401
        assert one.get("/api/v1/notes", headers=_h(token)).status_code == 401
        login(one, "editor", "a brand new passphrase")
        assert one.get("/notes").status_code == 200


def test_keep_tokens_keeps_them_but_still_ends_sessions(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    token = site.tokens["viewer"]
    with _two_workers(site) as (one, two):
        _signed_in_everywhere(one, two, "viewer")
        code, _, err = cli(
            "--home",
            str(site.workspace.home),
            "users",
            "passwd",
            "viewer",
            "--password-stdin",
            "--keep-tokens",
            stdin="another long passphrase\n",
        )
        assert code == 0, err
        assert _refused(one) and _refused(two)
        assert two.get("/api/v1/notes", headers=_h(token)).status_code == 200


def test_a_removed_user_is_refused_at_once(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    token = site.tokens["editor"]
    with _two_workers(site) as (one, two):
        _signed_in_everywhere(one, two, "editor")
        for client in (one, two, one, two):  # kept responses, too, must not outlive the account
            assert client.get("/api/v1/competitors", headers=_h(token)).status_code == 200
        code, out, err = cli("--home", str(site.workspace.home), "users", "remove", "editor")
        assert code == 0 and "removed" in out, err
        assert _refused(one) and _refused(two)
        for client in (one, two):
            assert client.get("/api/v1/competitors", headers=_h(token)).status_code == 401
        assert "editor" not in _names(cli, site)


def _names(cli, site: Site) -> set[str]:  # type: ignore[no-untyped-def]
    code, out, err = cli("--home", str(site.workspace.home), "users", "list", "--json")
    assert code == 0, err
    return {row["name"] for row in json.loads(out)}


def test_a_new_role_applies_at_the_next_request(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    token = site.tokens["editor"]
    with _two_workers(site) as (one, two):
        _signed_in_everywhere(one, two, "editor")
        assert two.post("/api/v1/notes", json=NOTE, headers=_h(token)).status_code == 201
        code, out, err = cli("--home", str(site.workspace.home), "users", "role", "editor", "viewer")
        assert code == 0 and "viewer" in out, err
        for client in (one, two):
            assert client.post("/api/v1/notes", json=NOTE, headers=_h(token)).status_code == 403
        page = two.get("/notes")
        assert page.status_code == 200  # still signed in, as a viewer now
        csrf = csrf_of(one.get("/").text)
        response = one.post("/notes", data={"csrf_token": csrf, **NOTE}, follow_redirects=False)
        assert response.status_code == 403


def test_one_token_or_all_of_them_can_be_revoked(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    home = str(site.workspace.home)
    code, second, err = cli("--home", home, "users", "token", "viewer")
    assert code == 0 and "revoke-token viewer" in err
    second = second.strip()
    first = site.tokens["viewer"]
    with _two_workers(site) as (one, two):
        for client in (one, two):
            assert client.get("/api/v1/me", headers=_h(first)).status_code == 200
        code, out, err = cli("--home", home, "users", "tokens", "viewer", "--json")
        ids = [row["id"] for row in json.loads(out)]
        assert len(ids) == 2 and "vl_" not in out
        code, out, err = cli("--home", home, "users", "revoke-token", "viewer", str(ids[0]))
        assert code == 0 and "1 token(s) revoked" in out, err
        for client in (one, two):
            assert client.get("/api/v1/me", headers=_h(first)).status_code == 401
            assert client.get("/api/v1/me", headers=_h(second)).status_code == 200
        code, out, err = cli("--home", home, "users", "revoke-token", "viewer", "--all")
        assert code == 0 and "1 token(s) revoked" in out, err
        assert two.get("/api/v1/me", headers=_h(second)).status_code == 401


def test_end_sessions_signs_out_everywhere_but_keeps_tokens(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    with _two_workers(site) as (one, two):
        _signed_in_everywhere(one, two, "admin")
        code, _, err = cli("--home", str(site.workspace.home), "users", "end-sessions", "admin")
        assert code == 0, err
        assert _refused(one) and _refused(two)
        assert one.get("/api/v1/me", headers=_h(site.tokens["admin"])).status_code == 200


def test_user_commands_refuse_bad_input_cleanly(site: Site, cli) -> None:  # type: ignore[no-untyped-def]
    home = str(site.workspace.home)
    cases = [
        (("users", "remove", "ghost"), 1, "ghost"),
        (("users", "passwd", "ghost", "--password-stdin"), 1, "ghost"),
        (("users", "passwd", "viewer", "--password-stdin"), 1, "at least"),  # stdin "short"
        (("users", "passwd", "viewer"), 2, "--password-stdin"),
        (("users", "role", "viewer", "root"), 2, "one of"),
        (("users", "role", "admin", "viewer"), 1, "last admin"),
        (("users", "remove", "admin"), 1, "last admin"),
        (("users", "revoke-token", "viewer"), 2, "--all"),
        (("users", "revoke-token", "viewer", "1", "--all"), 2, "--all"),
        (("users", "revoke-token", "viewer", "999"), 1, "no token 999"),
        (("users", "revoke-token", "viewer", "abc"), 2, ""),
        (("users", "tokens", "ghost"), 1, "ghost"),
    ]
    for args, expected, said in cases:
        code, _, err = cli("--home", home, *args, stdin="short\n")
        assert code == expected, (args, code, err)
        assert said in err and "Traceback" not in err, (args, err)
    assert {"admin", "viewer", "editor"} <= _names(cli, site)
    # with a second admin, the first may step down
    cli("--home", home, "users", "role", "editor", "admin")
    code, _, err = cli("--home", home, "users", "role", "admin", "viewer")
    assert code == 0, err

"""Rendered responses are reused only while nothing was written, and never across callers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.web.conftest import Site, csrf_of, login

from veille.store.changes import DataVersion
from veille.store.db import Store
from veille.store.models import Note
from veille.web.app import create_app
from veille.web.cache import ResponseCache


def _cache(site: Site) -> ResponseCache:
    cache = site.app.state.responses
    assert isinstance(cache, ResponseCache)
    return cache


def _note(title: str) -> Note:
    return Note(
        kind="quarterly_review",
        competitor="hetzner",
        title=title,
        body="body",
        author="test",
        created_at=datetime.now(UTC),
        data={},
    )


def test_data_version_moves_on_commits_only(any_store: Store) -> None:
    version = DataVersion(any_store.engine)
    first = version.token()
    assert first is not None
    with any_store.session() as session:  # a read changes nothing
        session.execute(text("SELECT count(*) FROM notes")).scalar()
    assert version.token() == first
    with any_store.session() as session:
        session.add(_note("written"))
    second = version.token()
    assert second != first
    assert version.token() == second
    version.close()


def test_data_version_sees_another_connection(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'v.db'}", create=True)
    version = DataVersion(store.engine)
    before = version.token()
    other = sqlite3.connect(tmp_path / "v.db")  # as another process (the watch loop) would write
    other.execute("UPDATE alembic_version SET version_num = version_num")
    other.commit()
    other.close()
    assert version.token() != before
    version.close()
    store.dispose()


def test_in_memory_databases_are_never_cached() -> None:
    store = Store("sqlite://")
    assert DataVersion(store.engine).token() is None
    store.dispose()


def test_a_page_is_reused_until_a_write(site: Site, client: TestClient) -> None:
    login(client, "viewer")
    cache = _cache(site)
    first = client.get("/notes")
    hits = cache.hits
    again = client.get("/notes")
    assert again.text == first.text and cache.hits == hits + 1
    assert again.headers["content-type"].startswith("text/html")
    assert again.headers["cache-control"] == "no-store"
    with site.workspace.store.session() as session:  # the watch loop or a CLI command writes
        session.add(_note("Fresh quarterly note"))
    after = client.get("/notes")
    assert "Fresh quarterly note" in after.text and "Fresh quarterly note" not in first.text
    assert cache.hits == hits + 1


def test_api_answers_are_reused_until_a_write(site: Site, client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {site.tokens['viewer']}"}
    cache = _cache(site)
    client.get("/api/v1/notes", headers=headers)  # verifies the token (and records its use): not kept
    first = client.get("/api/v1/notes", headers=headers)
    hits = cache.hits
    assert client.get("/api/v1/notes", headers=headers).json() == first.json()
    assert cache.hits == hits + 1
    with site.workspace.store.session() as session:
        session.add(_note("API note"))
    titles = [n["title"] for n in client.get("/api/v1/notes", headers=headers).json()["items"]]
    assert "API note" in titles


def test_callers_never_share_a_response(site: Site) -> None:
    with (
        TestClient(site.app, base_url="http://127.0.0.1") as viewer,
        TestClient(site.app, base_url="http://127.0.0.1") as editor,
    ):
        viewer_csrf = login(viewer, "viewer")
        editor_csrf = login(editor, "editor")
        assert viewer_csrf != editor_csrf
        for _ in range(2):
            assert csrf_of(viewer.get("/notes").text) == viewer_csrf
            assert csrf_of(editor.get("/notes").text) == editor_csrf
        viewer.cookies.clear()  # signed out: the kept page is not served
        assert viewer.get("/notes", follow_redirects=False).status_code == 303
        anonymous_api = viewer.get("/api/v1/notes")
        assert anonymous_api.status_code == 401


def test_languages_are_kept_apart(site: Site, client: TestClient) -> None:
    login(client, "viewer")
    for _ in range(2):
        french = client.get("/notes", headers={"Accept-Language": "fr"}).text
        english = client.get("/notes", headers={"Accept-Language": "en"}).text
        assert 'lang="fr"' in french and 'lang="en"' in english
    assert _cache(site).hits >= 2


def test_a_zero_budget_turns_it_off(site: Site) -> None:
    site.workspace.settings.web_cache_mb = 0
    app = create_app(site.workspace)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        login(client, "viewer")
        client.get("/notes")
        client.get("/notes")
    assert app.state.responses.hits == 0 and app.state.responses.misses == 0


def test_warm_up_loads_the_registry_and_templates() -> None:
    """In a fresh interpreter (this one has loaded everything already): nothing before, all after."""
    import subprocess
    import sys

    from veille.web.templating import TEMPLATES

    script = (
        "from veille.sources import _registry\n"
        "from veille.store import fx\n"
        "from veille.web.app import warm_up\n"
        "from veille.web.templating import environment\n"
        "def state():\n"
        "    return (_registry._LOADED, fx._converter.cache_info().currsize,\n"
        "            len(environment('en').cache or ()), len(environment('fr').cache or ()))\n"
        "print(state())\n"
        "warm_up()\n"
        "print(state())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    before, after = out.splitlines()
    templates = len(list(TEMPLATES.glob("*.html")))
    assert before == "(False, 0, 0, 0)"
    assert after == f"(True, 1, {templates}, {templates})"


def test_the_cache_serves_and_forgets_on_each_backend(any_store: Store) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from starlette.responses import Response

    cache = ResponseCache(DataVersion(any_store.engine), 1 << 20)
    renders: list[int] = []

    async def render() -> Response:
        renders.append(1)
        return Response(f"page {len(renders)}".encode(), media_type="text/html")

    async def ask() -> bytes:
        return bytes((await cache.serve(("/page",), render)).body)

    async def scenario() -> list[bytes]:
        seen = [await ask(), await ask()]
        with any_store.session() as session:
            session.add(_note("written"))
        return [*seen, await ask()]

    # a loop of its own, in a thread: the browser tests may leave one running in this thread
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == [b"page 1", b"page 1", b"page 2"]
    assert len(renders) == 2

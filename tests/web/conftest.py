"""Fixtures of the web tests: an app over a seeded workspace, its users and their API tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web import seed

from veille.auth import add_user, new_token
from veille.settings import Settings
from veille.web.app import create_app
from veille.workspace import Workspace

PASSWORD = "correct horse battery"
ROLES = ("viewer", "editor", "admin")


@dataclass
class Site:
    workspace: Workspace
    app: FastAPI
    tokens: dict[str, str]


_TEMPLATE: dict[str, object] = {}


def seed_workspace(ws: Workspace) -> dict[str, str]:
    """Migrate, load the knowledge base and the signals, add a user per role; their API tokens by role."""
    ws.init_store()
    tokens = {}
    with ws.store.session() as session:
        seed.load_kb(session)
        seed.load_signals(session)
        for role in ROLES:
            add_user(session, role, role, PASSWORD)
            tokens[role] = new_token(session, role)
    return tokens


def _template(root: Path) -> tuple[Path, dict[str, str]]:
    """A seeded workspace database built once per session (migrations, knowledge base, users, tokens)."""
    if "db" not in _TEMPLATE:
        ws = Workspace(Settings(home=root, database_url=None, secret_key="test-secret-key"))
        tokens = seed_workspace(ws)
        with ws.store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        ws.store.dispose()
        _TEMPLATE.update(db=root / "veille.db", tokens=tokens)
    return _TEMPLATE["db"], dict(_TEMPLATE["tokens"])  # type: ignore[arg-type,call-overload]


def make_site(home: Path) -> Site:
    """A fresh copy of the seeded workspace under ``home`` and its app."""
    import shutil
    import tempfile

    template, tokens = _template(Path(tempfile.mkdtemp(prefix="veille-web-template-")))
    for folder in (home, home / "captures", home / "reports"):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, home / "veille.db")
    ws = Workspace(Settings(home=home, database_url=None, secret_key="test-secret-key"))
    return Site(ws, create_app(ws), tokens)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = make_site(tmp_path / "ws")
    yield s
    s.workspace.store.dispose()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app, base_url="http://127.0.0.1") as c:
        yield c


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium, headless, driven by Playwright; skips where either is missing.

    One per test module: Playwright's sync API keeps an event loop running on the main thread while it
    lives, and ``asyncio.run`` (the watch, the fetcher) refuses to start inside one, so a browser kept
    for the whole session would break every later test that runs the pipeline."""
    from tests.web.live import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $VEILLE_SCREENSHOTS if set, else a temporary folder."""
    import os

    target = os.environ.get("VEILLE_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path

"""Shared fixtures: workspaces, both database backends, the real reference payloads, the CLI."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from veille.settings import Settings
from veille.store.db import Store, migrate
from veille.store.models import Base
from veille.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "reference"  # real payloads, each with its provenance (reference/README.md)
SEED = FIXTURES / "seed"  # the analysis document: clean, and the mis-encoded original
# The tests' loopback servers are internal hosts the fetcher refuses unless allowed by name: allow the
# usual two here, for in-process runs and the `veille` subprocesses alike (127.0.0.2 and the rest of
# 127/8 stay refused, which the address-policy tests rely on).
os.environ["VEILLE_ALLOWED_INTERNAL_HOSTS"] = "localhost,127.0.0.1"
PG_ADMIN_URL = os.environ.get("VEILLE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# --- no network but loopback ------------------------------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise OSError(f"tests may not reach {host}: the network is blocked (loopback only)")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _shipped_watch_list() -> Iterator[None]:
    """Each test starts from the shipped competitor records and sources (a workspace it opens installs
    its own records of both)."""
    yield
    from veille.kb import ids
    from veille.sources import _registry

    ids.install(None)
    _registry.use_records([])
    _registry.on_miss(None)


# --- reference payloads -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def reference() -> Path:
    """``tests/fixtures/reference``: real payloads of public endpoints, kept in the repository."""
    return REFERENCE


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    """``tests/fixtures/seed``: the analysis document veille started from, clean and mis-encoded."""
    return SEED


# --- the address policy: names resolved by the test, an internal service ------------------------------


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names -> the addresses the address guard resolves them to, instead of asking the system's
    resolver (both its lookups: the fetcher's, async, and the channel check's, sync)."""
    from veille.netguard import AddressGuard

    table: dict[str, list[str]] = {}

    def lookup_now(self: AddressGuard, host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"[test resolver] {host} is unknown")
        return table[host]

    async def lookup(self: AddressGuard, host: str, port: int) -> list[str]:
        return lookup_now(self, host, port)

    monkeypatch.setattr(AddressGuard, "lookup_now", lookup_now)
    monkeypatch.setattr(AddressGuard, "lookup", lookup)
    return table


@pytest.fixture
def internal() -> Iterator[Any]:
    """An "internal service" on 127.0.0.2, which nothing in the tests' settings allows; it answers any path."""
    import re

    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.2")
    server.start()
    server.expect_request(re.compile(".*")).respond_with_data("internal data")
    yield server
    server.clear()
    server.stop()


# --- databases --------------------------------------------------------------------------------------


def _postgres_database() -> Iterator[str]:
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"veille_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    yield from _postgres_database()


def _truncate(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on each backend (SQLite, and PostgreSQL where reachable)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'veille.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store(url)
    migrate(store.engine)
    try:
        yield store
    finally:
        if request.param == "postgresql":
            _truncate(store)
        store.dispose()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh, initialised SQLite workspace (schema only, no knowledge base loaded)."""
    ws = Workspace(Settings(home=tmp_path / "ws", database_url=None))
    ws.init_store()
    return ws


# --- the command line -------------------------------------------------------------------------------


@pytest.fixture
def cli(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``veille ARGS...`` in-process; returns (exit status, stdout, stderr) as text."""
    from veille.cli.main import main_argv

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> tuple[int, str, str]:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        if stdin is not None:
            import io
            import sys

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        capsysbinary.readouterr()
        code = main_argv([str(a) for a in args])
        out, err = capsysbinary.readouterr()
        return code, out.decode(), err.decode()

    return run


@pytest.fixture
def freeze_clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``freeze_clock(module, when)``: ``module.datetime.now()`` returns ``when``, so a command's periods and
    cut-offs stay where the test's fixed-date data is, whatever the real date."""
    from datetime import datetime
    from types import ModuleType

    def freeze(module: ModuleType, when: datetime) -> None:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):  # type: ignore[no-untyped-def]
                return when.astimezone(tz)

        monkeypatch.setattr(module, "datetime", Frozen)

    return freeze

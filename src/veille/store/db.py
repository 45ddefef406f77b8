"""Engines, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from veille.errors import ConfigError

if TYPE_CHECKING:  # Alembic is imported when a migration check runs, not on every command
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision of the newest migration; a test keeps it equal to what Alembic reads from the scripts.
SCHEMA_HEAD = "0001"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest revision. Returns True if anything was applied."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return False
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return True


def schema_head() -> str | None:
    """The newest migration's revision id (reads the migration scripts with Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at ``SCHEMA_HEAD``: one query, no Alembic import on every command."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD


def _reachable_and_current(engine: Engine) -> bool:
    from sqlalchemy.exc import OperationalError

    try:
        return schema_is_current(engine)
    except OperationalError as exc:
        raise ConfigError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {exc.orig}"
        ) from None


class Store:
    """The database of one workspace: an engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> Store:
        """Open the store at ``url``; with ``create`` migrate it, otherwise require a current schema."""
        store = cls(url)
        if create:
            migrate(store.engine)
        elif not _reachable_and_current(store.engine):
            raise ConfigError("the workspace is not initialised or is out of date: run `veille init`")
        return store

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

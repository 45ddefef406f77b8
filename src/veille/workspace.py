"""A workspace: the settings, the database and the folders of one installation."""

from __future__ import annotations

import contextlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from veille.errors import ConfigError

if TYPE_CHECKING:  # the settings (pydantic) and the store (SQLAlchemy) load when first used
    from veille.settings import Settings
    from veille.store.db import Store


class Workspace:
    """Where veille keeps its state. Opening one never creates anything; ``init`` does."""

    def __init__(self, settings: Settings | None = None, home: Path | None = None) -> None:
        if settings is None:
            from veille.settings import Settings

            settings = Settings(home=home) if home is not None else Settings()
        self.settings = settings

    @property
    def home(self) -> Path:
        return self.settings.home

    @cached_property
    def store(self) -> Store:
        """The workspace's store; requires an initialised, current schema."""
        if self.settings.database_url is None and not (self.home / "veille.db").exists():
            raise ConfigError(
                f"no workspace at {self.home.resolve()}: run `veille --home {self.home} init` first"
            )
        from veille.kb.competitors import sync
        from veille.source_records import watch
        from veille.store.db import Store

        store = Store.open(self.settings.db_url)
        sync(store)  # this workspace's competitor records are the ones veille knows from now on
        watch(store)  # the workspace's own sources join the shipped ones
        return store

    def load_competitors(self) -> None:
        """Make this workspace's competitor records the ones names resolve to (opening its store);
        nothing when there is no workspace yet (``init`` seeds them)."""
        with contextlib.suppress(ConfigError):
            _ = self.store

    def init_store(self) -> tuple[Store, bool]:
        """Create the folders and create or migrate the database. Returns (store, changed)."""
        from veille.store.db import Store, migrate

        for folder in (self.home, self.settings.captures_dir, self.settings.reports_dir):
            folder.mkdir(parents=True, exist_ok=True)
        store = Store(self.settings.db_url)
        changed = migrate(store.engine)
        from veille.kb.competitors import sync

        sync(store)  # seeds the shipped competitor records into a new workspace
        from veille.source_records import watch

        watch(store)
        self.__dict__["store"] = store
        return store, changed

"""A workspace: the settings, the database and the folders of one installation."""

from __future__ import annotations

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
        from veille.store.db import Store
        from veille.store.watchlist import watch

        store = Store.open(self.settings.db_url)
        watch(store)  # the workspace's own sources join the shipped ones
        return store

    def init_store(self) -> tuple[Store, bool]:
        """Create the folders and create or migrate the database. Returns (store, changed)."""
        from veille.store.db import Store, migrate

        for folder in (self.home, self.settings.captures_dir, self.settings.reports_dir):
            folder.mkdir(parents=True, exist_ok=True)
        store = Store(self.settings.db_url)
        changed = migrate(store.engine)
        from veille.store.watchlist import watch

        watch(store)
        self.__dict__["store"] = store
        return store, changed

"""Has anything been written? A cheap token that changes whenever a write is committed, by any process.

The dashboard keeps rendered responses while the data they were made from is unchanged; this is how it
knows, without knowing which tables a page reads:

- SQLite: ``PRAGMA data_version`` on a connection of our own that never writes. Its value changes when
  any other connection, in this process or another (the watch loop, a CLI command), commits.
- PostgreSQL: the current snapshot (``xmin:xmax:in-progress xids``). Read-only transactions never
  change it; a write transaction changes it when it starts and again when it ends.
- Anything else (or an in-memory SQLite database): no token, so nothing is ever reused.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, text


class DataVersion:
    """``token()`` returns a value that differs after every committed write (None: cannot tell)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._seen: Any = None
        self._generation = 0
        database = engine.url.database
        self._kind = engine.dialect.name
        if self._kind == "sqlite" and (not database or database == ":memory:"):
            self._kind = "unknown"  # each connection would be its own database
        self.remote = self._kind == "postgresql"  # token() waits for a round trip to the server

    def token(self) -> Any:
        """The current token: equal to an earlier one only if nothing was committed in between."""
        if self._kind == "sqlite":
            return self._sqlite_token()
        if self._kind == "postgresql":
            with self._engine.connect() as conn:
                return conn.execute(text("SELECT pg_current_snapshot()::text")).scalar()
        return None

    def _sqlite_token(self) -> int:
        with self._lock:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(
                    self._engine.url.database or "", check_same_thread=False, timeout=30
                )
            version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
            if version != self._seen:
                self._seen = version
                self._generation += 1
            return self._generation

    def close(self) -> None:
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None

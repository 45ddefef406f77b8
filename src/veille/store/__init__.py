"""The store: SQLAlchemy models, history, Alembic migrations."""

from veille.store.db import Store, migrate

__all__ = ["Store", "migrate"]

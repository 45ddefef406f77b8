"""Logging set-up: readable lines for people, or one JSON object per line for machines.

``VEILLE_LOG_FORMAT=json`` writes each record as one line of JSON (time, level, logger, message, and the
source, run and job ids in force). ``bind(source_id=..., run_id=...)`` sets those ids for the code that
runs inside it, including what it runs in threads started with ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson

CONTEXT_KEYS = ("source_id", "run_id", "job_id")
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("veille_log_context", default={})  # noqa: B039 - never mutated
_HANDLER_NAME = "veille"


@contextmanager
def bind(**ids: Any) -> Iterator[None]:
    """Attach ``ids`` (``source_id``, ``run_id``, ``job_id``) to every record logged inside the block."""
    token = _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the bound ids onto each record (as attributes) so any formatter can show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """``time level logger [source run]: message`` for people."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [
            f"{key}={getattr(record, key)}" for key in CONTEXT_KEYS if getattr(record, key, None) is not None
        ]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (so redirections are honoured)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure(log_format: str = "text", level: str = "WARNING") -> None:
    """Send veille's records to stderr in ``log_format`` (``text`` or ``json``); idempotent."""
    root = logging.getLogger("veille")
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = (
        log_format != "json"
    )  # a JSON stream stays pure: no second, plain copy by the root logger

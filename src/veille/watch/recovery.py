"""Crash recovery: the runs a ``veille watch`` started are recorded, so the next one can free their leases.

Each scheduler keeps a row in ``settings_kv`` (``watch.inflight.<host>.<pid>.<id>``) listing the sources
it started and when. If that process dies (SIGKILL, power cut), the next scheduler on the same machine
finds the row, sees the process is gone, frees the leases it held and closes its unfinished runs; the
sources then run again. A process on another machine cannot be checked: its leases expire by themselves.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from veille.store.db import Store
from veille.store.models import Setting, SourceRun, SourceState

INFLIGHT_PREFIX = "watch.inflight."
LIVE_KEYS: set[str] = set()  # the schedulers of this process (a recycled pid is not a live one)


def new_key() -> str:
    """A registry key for a new scheduler of this process."""
    import uuid

    key = f"{INFLIGHT_PREFIX}{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:12]}"
    LIVE_KEYS.add(key)
    return key


def register(store: Store, key: str, clock_now: datetime, launched: dict[str, str]) -> None:
    """Record the sources this scheduler has started (source id -> wall time of the start)."""
    value: dict[str, Any] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "clock_since": clock_now.isoformat(),
        "sources": dict(launched),
    }
    with store.session() as session:
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value


def unregister(store: Store, key: str) -> None:
    with store.session() as session:
        session.execute(delete(Setting).where(Setting.key == key))


def recover(store: Store) -> list[str]:
    """Free the leases and close the runs of watch processes on this machine that died mid-run."""
    host = socket.gethostname()
    freed: list[str] = []
    with store.session() as session:
        for row in session.scalars(select(Setting).where(Setting.key.startswith(INFLIGHT_PREFIX))):
            value = row.value or {}
            pid = int(value.get("pid", 0))
            if value.get("host") != host or row.key in LIVE_KEYS or (pid != os.getpid() and alive(pid)):
                continue
            started = dict(value.get("sources", {}))
            for source_id, since in started.items():
                launched = datetime.fromisoformat(since)
                session.execute(
                    update(SourceState)
                    .where(
                        SourceState.source_id == source_id,
                        SourceState.running_since >= launched - timedelta(seconds=1),
                    )
                    .values(running_since=None, running_token=None)
                    .execution_options(synchronize_session=False)
                )
                freed.append(source_id)
            if started and value.get("clock_since"):
                session.execute(
                    update(SourceRun)
                    .where(SourceRun.source_id.in_(list(started)), SourceRun.status == "running")
                    .values(
                        status="failed",
                        error=f"abandoned: watch process {pid} died",
                        finished_at=datetime.fromisoformat(value["clock_since"]),
                    )
                    .execution_options(synchronize_session=False)
                )
            session.delete(row)
    return freed


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

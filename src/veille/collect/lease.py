"""Leases on ``source_state`` so one source never runs twice at once, across processes and machines.

A lease is a token (one run, or one claim of several sources) and its holder: the process, as
``host:pid:start`` (``start`` is the process's start time on Linux, so a recycled pid is never taken
for the holder). While a process holds leases, ``keep_alive`` refreshes their heartbeat every quarter
of ``VEILLE_LEASE_HEARTBEAT_TIMEOUT``. A lease is taken at once when it is

- free (no token);
- held by a process of this machine that is gone (SIGKILL, the OOM killer, a crash);
- held by a holder elsewhere that has not beaten for ``stale_after`` seconds (a process on another
  machine that died or froze, a machine that went down; a holder of this machine seen alive keeps
  its lease).

Taking leases is one conditional UPDATE (``take``) in every path (one run, a watch's claim of many);
the runs a dead holder left ``running`` are closed as ``abandoned`` in the same transaction. Giving a
lease back clears it only if the token still matches.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veille.store.db import Store
from veille.store.models import SourceRun, SourceState

DEFAULT_STALE_AFTER = 90.0  # seconds: the default of VEILLE_LEASE_HEARTBEAT_TIMEOUT
CHUNK = 500  # ids per UPDATE (SQLite's bound-parameter limit)
# what a lease given back looks like: every column of the lease cleared
FREED: dict[str, Any] = {
    "running_since": None,
    "running_token": None,
    "running_holder": None,
    "running_heartbeat": None,
}
log = logging.getLogger(__name__)


def holder() -> str:
    """This process as a lease holder: ``host:pid:start``."""
    pid = os.getpid()
    if pid not in _HOLDER:  # keyed by pid: a forked child is another holder
        info = _proc(pid)
        _HOLDER[pid] = f"{machine()}:{pid}:{info[1] if info else ''}"
    return _HOLDER[pid]


_HOLDER: dict[int, str] = {}


def machine() -> str:
    """Where pids mean the same thing: the host name, and the pid namespace when there is one.

    Two containers with the host's name (host networking) do not see each other's processes: each is
    another machine to the other, whose leases only a stale heartbeat frees.
    """
    try:
        namespace = "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}" if namespace else socket.gethostname()


def _proc(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of ``pid`` from ``/proc``; None if it has none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return fields[0], fields[19]


def holder_alive(name: str) -> bool | None:
    """Whether the holder ``name`` still runs: None when it is on another machine (unknowable here)."""
    host, pid_text, start = name.rsplit(":", 2) if name.count(":") >= 2 else ("", "0", "")
    if host != machine():
        return None
    pid = int(pid_text) if pid_text.isdigit() else 0
    if pid <= 0:
        return False
    if not Path("/proc/self/stat").exists():  # no procfs (macOS): the pid alone
        return _pid_exists(pid)
    info = _proc(pid)
    if info is None or info[0] in ("Z", "X"):  # gone, or a zombie nobody reaped yet
        return False
    return not start or info[1] == start  # another start time: the pid was recycled


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def state(session: Session, source_id: str) -> SourceState:
    """The source's state row, created (flushed) if missing."""
    row = session.get(SourceState, source_id)
    if row is None:
        row = SourceState(source_id=source_id, consecutive_failures=0)
        session.add(row)
        session.flush()
    return row


def _held(connection: Connection) -> dict[str, str | None]:
    """The leases held now: source id -> holder (few: the runs in flight)."""
    query = select(SourceState.source_id, SourceState.running_holder).where(
        SourceState.running_token.is_not(None)
    )
    return {source_id: name for source_id, name in connection.execute(query)}


def _takeable(wall: datetime, stale_after: float, dead: Sequence[str], live: Sequence[str]) -> Any:
    """The condition of a lease that may be taken: free, held by a dead holder, or stale.

    A holder of this machine seen alive keeps its lease even with a late heartbeat (another
    process's long transaction may have held the database's write lock).
    """
    beat = func.coalesce(SourceState.running_heartbeat, SourceState.running_since)  # leases of old versions
    stale = beat < wall - timedelta(seconds=stale_after)
    if live:
        stale = and_(
            stale, or_(SourceState.running_holder.is_(None), SourceState.running_holder.not_in(live))
        )
    conditions = [SourceState.running_token.is_(None), stale]
    if dead:
        conditions.append(SourceState.running_holder.in_(list(dead)))
    return or_(*conditions)


def _judge(held: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """The holders of ``held`` known dead, and those known alive (both on this machine)."""
    verdicts = {name: holder_alive(name) for name in set(held.values()) if name}
    dead = sorted(name for name, alive in verdicts.items() if alive is False)
    return dead, sorted(name for name, alive in verdicts.items() if alive)


def take(
    connection: Connection,
    ids: Sequence[str],
    token: str,
    *,
    stale_after: float = DEFAULT_STALE_AFTER,
    now: datetime | None = None,
) -> dict[str, dict[str, Any] | None]:
    """Take the leases of ``ids`` that are free or whose holder is gone, in the caller's transaction.

    Returns {source id: its validators} for the leases taken (their state rows must exist). The runs
    a gone holder left ``running`` are closed as ``abandoned`` (at ``now``, the caller's clock).
    """
    wall = datetime.now(UTC)
    held = _held(connection)
    dead, live = _judge(held)
    taken: dict[str, dict[str, Any] | None] = {}
    for start in range(0, len(ids), CHUNK):
        taken.update(
            connection.execute(
                update(SourceState)
                .where(SourceState.source_id.in_(ids[start : start + CHUNK]), _takeable(wall, stale_after, dead, live))
                .values(running_since=wall, running_token=token, running_holder=holder(), running_heartbeat=wall)
                .returning(SourceState.source_id, SourceState.validators)
            ).all()
        )  # fmt: skip
    over = [source_id for source_id in taken if source_id in held]
    if over:
        close_runs(connection, over, now or wall, "abandoned: its lease was taken over (the holder was gone)")
    return taken


def close_runs(connection: Connection, ids: Sequence[str], at: datetime, why: str) -> None:
    """Mark the runs of ``ids`` still ``running`` as ``abandoned`` (nothing of theirs was stored)."""
    for start in range(0, len(ids), CHUNK):
        connection.execute(
            update(SourceRun)
            .where(SourceRun.source_id.in_(ids[start : start + CHUNK]), SourceRun.status == "running")
            .values(status="abandoned", error=why, finished_at=at)
        )


def acquire(store: Store, source_id: str, *, stale_after: float = DEFAULT_STALE_AFTER) -> str | None:
    """Take the lease of ``source_id``; returns its token, or None when a live holder has it."""
    try:
        with store.session() as session:
            state(session, source_id)
    except IntegrityError:
        pass  # created by a concurrent process: fine
    token = uuid.uuid4().hex
    with store.session() as session:
        taken = take(session.connection(), [source_id], token, stale_after=stale_after)
    return token if source_id in taken else None


def release(session: Session, source_id: str, token: str) -> None:
    """Give the lease back (in the caller's transaction) if ``token`` still holds it."""
    session.execute(_RELEASE, {"source": source_id, "token": token})


_RELEASE = (
    update(SourceState)
    .where(SourceState.source_id == bindparam("source"), SourceState.running_token == bindparam("token"))
    .values(**FREED)
    # built once (every run gives its lease back); the caller's loaded state row is not matched in
    # memory against the bound token (SQLAlchemy's "evaluate" costs about 1 ms): only the row changes
    .execution_options(synchronize_session=False)
)


def release_now(store: Store, source_id: str, token: str) -> None:
    with store.session() as session:
        release(session, source_id, token)


def give_back(store: Store, source_id: str, token: str, run_id: int | None, at: datetime, why: str) -> None:
    """An interrupted run: its lease given back and its run row, if still ``running``, ``abandoned``."""
    with store.session() as session:
        release(session, source_id, token)
        if run_id is not None:
            session.execute(
                update(SourceRun)
                .where(SourceRun.id == run_id, SourceRun.status == "running")
                .values(status="abandoned", error=why, finished_at=at)
                .execution_options(synchronize_session=False)
            )


def free_dead(store: Store, now: datetime | None = None) -> list[str]:
    """Free the leases held by processes of this machine that are gone; returns their sources."""
    with store.session() as session:
        connection = session.connection()
        dead, _ = _judge(_held(connection))
        if not dead:
            return []
        freed = list(
            connection.execute(
                update(SourceState)
                .where(SourceState.running_holder.in_(dead), SourceState.running_token.is_not(None))
                .values(**FREED)
                .returning(SourceState.source_id)
            ).scalars()
        )
        close_runs(connection, freed, now or datetime.now(UTC), "abandoned: its process was gone")
    return sorted(freed)


def beat(store: Store) -> int:
    """Refresh the heartbeat of every lease this process holds; returns how many."""
    with store.session() as session:
        result = session.execute(
            update(SourceState)
            .where(SourceState.running_holder == holder(), SourceState.running_token.is_not(None))
            .values(running_heartbeat=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


@contextlib.contextmanager
def keep_alive(store: Store, stale_after: float = DEFAULT_STALE_AFTER) -> Iterator[None]:
    """While inside, a thread refreshes this process's leases every quarter of ``stale_after``."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(stale_after / 4):
            try:
                beat(store)
            except Exception:  # a busy or lost database: the next beat tries again
                log.warning("could not refresh the leases' heartbeat", exc_info=True)

    thread = threading.Thread(target=loop, name="veille-lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


_HELD = SourceState.running_token == bindparam("tok")
_DONE_VALUES: dict[str, Any] = {
    "last_run_at": bindparam("now"),
    "last_status": bindparam("status"),
    "last_error": None,
    "consecutive_failures": 0,
    "next_run_at": bindparam("next"),
    # the lease is given back only by its holder (a lease taken over from it is not this run's any more)
    **{name: case((_HELD, None), else_=getattr(SourceState, name)) for name in FREED},
}
_DONE = update(SourceState).where(SourceState.source_id == bindparam("sid")).values(**_DONE_VALUES)
_DONE_VALIDATORS = (
    update(SourceState)
    .where(SourceState.source_id == bindparam("sid"))
    .values(**_DONE_VALUES, validators=bindparam("validators", type_=SourceState.__table__.c.validators.type))
)  # built once, like the one above: every stored run ends with one of them


def finish(connection: Connection, runs: Sequence[dict[str, Any]], *, validators: bool = False) -> None:
    """The state of sources whose run stored its snapshot, their leases given back: one UPDATE.

    Each of ``runs`` holds ``sid``, ``tok`` (the run's lease token), ``now``, ``status`` and ``next``
    (the next run's time), and with ``validators`` the source's merged ``validators``. The outcome is
    written even where the lease was taken over (what the run stored is the latest state); the lease
    is cleared only where ``tok`` still holds it.
    """
    if runs:
        connection.execute(_DONE_VALIDATORS if validators else _DONE, list(runs))

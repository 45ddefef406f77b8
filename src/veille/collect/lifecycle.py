"""The one run lifecycle: claim, fetch, capture, parse, ingest, detect, route, finish.

Every way of running a source goes through it: one run (``veille collect``, a worker's job), the
watch's batches of due sources, and replay of recorded captures.

1. **claim** (one transaction for the sources started together): create missing state rows, take each
   lease with ``veille.collect.lease.take`` (one conditional UPDATE), open a ``source_runs`` row per
   source, read the conditional-GET validators and the enabled alert rules (a rule edited during a
   pass applies from the sources claimed next);
2. **fetch** with the shared fetcher, inside the caller's slots (``gate``);
3. **store**: ``veille.collect.commit.commit_run`` (its own single transaction: captures, parse,
   ingest, events, routing, state, lease), or ``record_failure``; with a ``Batcher``, the sources
   answered 304 Not Modified are written together, one transaction per batch, as they arrive.

A run is all or nothing: nothing of a source's snapshot is written outside its transaction. A run
stopped before storing gives its lease back and closes its run row as ``abandoned``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select, update

from veille.collect import lease
from veille.collect.commit import commit_run, record_failure
from veille.collect.record import describe
from veille.collect.result import RunResult
from veille.sources import SourceSpec
from veille.sources.fetcher import FetchResult
from veille.store.models import SourceRun, SourceState
from veille.workspace import Workspace

T = TypeVar("T")


@dataclass
class Claim:
    """A source whose lease this process holds, with its open run."""

    spec: SourceSpec
    token: str
    run_id: int
    validators: dict[str, Any]
    every: timedelta | None  # the plan's cadence (None: the source's own, read when storing)
    rules: Sequence[Any]  # the enabled alert rules, read once for the sources claimed together


def claim(
    workspace: Workspace, specs: Sequence[tuple[SourceSpec, timedelta | None]], now: datetime
) -> tuple[list[Claim], list[str]]:
    """Take the leases of ``specs`` and open their runs in one transaction. Returns (claimed, busy ids)."""
    from veille.act.rules import enabled_rules

    ids = [spec.id for spec, _ in specs]
    with workspace.store.session() as session:
        _ensure_states(session, ids)
        token = uuid.uuid4().hex  # one token for the sources claimed together
        connection = session.connection()
        validators = lease.take(
            connection, ids, token, stale_after=workspace.settings.lease_heartbeat_timeout, now=now
        )  # the leases taken, with the validators of their sources
        busy = [i for i in ids if i not in validators]
        if not validators:
            return [], busy
        opened = [
            {"source_id": i, "started_at": now, "status": "running", "observations": 0, "events": 0}
            for i in ids
            if i in validators
        ]
        runs = dict(
            connection.execute(insert(SourceRun).returning(SourceRun.source_id, SourceRun.id), opened).all()
        )
        rules = enabled_rules(session)
        claimed = [
            Claim(spec, token, runs[spec.id], dict(validators[spec.id] or {}), every, rules)
            for spec, every in specs
            if spec.id in validators
        ]
    return claimed, busy


def _ensure_states(session: Any, ids: Sequence[str]) -> None:
    """Create the missing state rows of ``ids`` (another process may create the same: no conflict)."""
    known = set(session.scalars(select(SourceState.source_id).where(SourceState.source_id.in_(ids))))
    missing = [{"source_id": i, "consecutive_failures": 0} for i in ids if i not in known]
    if not missing:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(SourceState).on_conflict_do_nothing(index_elements=["source_id"]), missing)
    else:
        session.execute(insert(SourceState).prefix_with("OR IGNORE"), missing)


def abandon(workspace: Workspace, c: Claim, now: datetime, why: str) -> None:
    """Give back a claimed source whose run was not started or was interrupted before storing."""
    lease.give_back(workspace.store, c.spec.id, c.token, c.run_id, now, why)


def store(
    workspace: Workspace, c: Claim, fetched: FetchResult, now: datetime, error: Exception | None = None
) -> RunResult:
    """The run's end: its snapshot stored (``commit_run``), or its failure (``error``, or one while
    storing) recorded. Never raises: a database that cannot even record the failure still gives one
    result, and the lease is given back for the next run."""
    if error is None:
        try:
            return commit_run(
                workspace, c.spec, c.run_id, c.token, fetched, now, c.every, validators=c.validators, rules=c.rules
            )  # fmt: skip
        except Exception as exc:  # every failure is the source's own, recorded below
            error = exc
    try:
        return record_failure(workspace, c.spec, c.run_id, c.token, now, error, fetched.pages)
    except Exception as unrecorded:  # the database itself is failing
        message = f"{describe(error)}; the failure could not be recorded: {describe(unrecorded)}"
        with contextlib.suppress(Exception):  # else the next run takes the lease over (holder gone)
            abandon(workspace, c, now, f"abandoned: {message}")
        return RunResult(c.spec.id, "failed", c.run_id, error=message)


def store_bodies(workspace: Workspace, fetched: FetchResult) -> None:
    """Write the capture files of ``fetched``'s pages (``commit_run`` then finds them in place)."""
    from veille.capture import store_body

    for page in fetched.pages:
        store_body(workspace.settings.captures_dir, page.path or page.read(), page.sha256)


def write_unchanged(workspace: Workspace, items: Sequence[tuple[Claim, datetime]]) -> None:
    """Record sources answered 304 Not Modified: state and lease, then run rows, in one transaction."""
    with workspace.store.session() as session:
        connection = session.connection()
        lease.finish(
            connection,
            [
                {"sid": c.spec.id, "tok": c.token, "now": now, "next": now + (c.every or c.spec.cadence), "status": "unchanged"}
                for c, now in items
            ],
        )  # fmt: skip
        connection.execute(_UNCHANGED_RUN, [{"rid": c.run_id, "now": now} for c, now in items])


_UNCHANGED_RUN = (
    update(SourceRun)
    .where(SourceRun.id == bindparam("rid"))
    .values(status="unchanged", finished_at=bindparam("now"))
)  # built once: a watch writes a batch of 304 answers many times a cycle


class Batcher:
    """Groups the 304 answers that arrive while the write lock is busy into one transaction."""

    def __init__(self, workspace: Workspace, write_lock: asyncio.Lock) -> None:
        self.workspace, self.write_lock = workspace, write_lock
        self.pending: list[tuple[Claim, datetime, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def add(self, c: Claim, now: datetime) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((c, now, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self.pending:
            await asyncio.sleep(0)  # let the answers that are ready join this batch
            async with self.write_lock:
                batch, self.pending = self.pending, []
                try:
                    await asyncio.to_thread(
                        write_unchanged, self.workspace, [(c, now) for c, now, _ in batch]
                    )
                except Exception as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
            for _, _, future in batch:
                if not future.done():
                    future.set_result(None)


async def run_claimed(
    workspace: Workspace,
    c: Claim,
    *,
    fetcher: Any,
    clock: Callable[[], datetime],
    write_lock: asyncio.Lock,
    batcher: Batcher | None = None,
    gate: AbstractAsyncContextManager[Any] | None = None,
    start: Callable[[], bool] | None = None,
    stamp: bool = True,
) -> RunResult | None:
    """Fetch (inside ``gate``) and store one claimed source; None when ``start`` says not to begin.

    ``stamp``: the pages are dated at the run's start (the watch's clock) rather than when each came.
    Failures are recorded on the source, not raised.
    """
    fetched, error = FetchResult(), None
    released = False
    started, now = time.monotonic(), clock()
    try:
        async with gate or contextlib.nullcontext():
            if start is not None and not start():
                async with write_lock:
                    await asyncio.to_thread(
                        abandon, workspace, c, clock(), "not started: the watch is stopping"
                    )
                released = True
                return None
            started, now = time.monotonic(), clock()  # the run begins once it has its slots
            try:
                fetched = await fetcher.fetch_source(c.spec, validators=c.validators)
            except Exception as exc:  # recorded below, outside the slots
                error = exc
        if error is None and stamp:
            for page in fetched.pages:
                page.fetched_at = now
        result = await _finish(workspace, c, fetched, now, error, write_lock, batcher)
        released = True
    finally:
        fetched.discard()
        if not released:  # abandoned before storing: the lease given back, the run row closed
            with contextlib.suppress(Exception):  # or the next claim takes the lease over (holder gone)
                abandon(workspace, c, clock(), "abandoned: the run was stopped")
    result.seconds = time.monotonic() - started
    return result


async def _finish(
    workspace: Workspace,
    c: Claim,
    fetched: FetchResult,
    now: datetime,
    error: Exception | None,
    write_lock: asyncio.Lock,
    batcher: Batcher | None,
) -> RunResult:
    """Store what the fetch brought (a 304 through ``batcher`` when there is one) or its failure."""
    if error is None and fetched.not_modified and batcher is not None:
        try:
            await to_the_end(batcher.add(c, now))
            return RunResult(c.spec.id, "unchanged", c.run_id)
        except Exception as exc:
            error = exc
    if error is None:
        try:
            # the capture files first, outside the write lock (content-addressed, written before the
            # transaction; one whose run rolls back is harmless): the serialised part is the transaction
            await asyncio.to_thread(store_bodies, workspace, fetched)
        except Exception as exc:
            error = exc
    async with write_lock:  # a stop during the transaction lets it finish: the run is stored
        return await to_the_end(asyncio.to_thread(store, workspace, c, fetched, now, error))


async def to_the_end(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` through cancellations: a store under way (a thread) always completes.

    A watch stopped in the middle of a run's transaction keeps the stored run rather than leave a
    thread committing behind a lease already given back.
    """
    task = asyncio.ensure_future(awaitable)
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()

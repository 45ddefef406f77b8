"""Running many sources at once with few database round trips.

``veille.collect.run_source`` runs one source with five small transactions (state row, lease, run row,
the run itself, release), some of them on the event loop. For a scheduler starting hundreds of
sources that is most of the cost, and SQLite makes the event loop wait while another thread writes.
Here the same steps are grouped, every database call runs in a worker thread under the write lock:

1. **claim** (one transaction for all the sources started together): create missing state rows,
   take each lease with ``veille.collect.lease.take`` (one conditional UPDATE), open a
   ``source_runs`` row per source, read the conditional-GET validators and the enabled alert rules
   (the stored runs use both instead of reading them again: a rule edited during a pass applies
   from the sources claimed next);
2. **fetch** each source with the shared fetcher (per-host and global bounds are the caller's);
3. **store**: a changed source goes through ``veille.collect.runner.commit_run`` (its own single
   transaction: captures, parse, history, events, alerts, state, lease); a failure through
   ``record_failure``; sources answered 304 Not Modified are written together, in one transaction
   per batch (state, run row, lease), as they arrive.

A run is still all or nothing: nothing of a source's snapshot is written outside its transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from veille.collect import lease
from veille.sources import SourceSpec
from veille.store.models import SourceRun, SourceState
from veille.workspace import Workspace


@dataclass
class Claim:
    spec: SourceSpec
    token: str
    run_id: int
    validators: dict[str, Any]
    every: timedelta
    rules: Sequence[Any]  # the enabled alert rules, read once for the sources claimed together


def claim(
    workspace: Workspace, specs: Sequence[tuple[SourceSpec, timedelta]], now: datetime
) -> tuple[list[Claim], list[str]]:
    """Take the leases of ``specs`` and open their runs in one transaction. Returns (claimed, busy ids)."""
    from veille.act.rules import enabled_rules

    ids = [spec.id for spec, _ in specs]
    claimed: list[Claim] = []
    busy: list[str] = []
    with workspace.store.session() as session:
        known = set(session.scalars(select(SourceState.source_id).where(SourceState.source_id.in_(ids))))
        missing = [{"source_id": i, "consecutive_failures": 0} for i in ids if i not in known]
        if missing:  # another process may create the same rows: ignore those conflicts
            if session.get_bind().dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                session.execute(
                    pg_insert(SourceState).on_conflict_do_nothing(index_elements=["source_id"]), missing
                )
            else:
                session.execute(insert(SourceState).prefix_with("OR IGNORE"), missing)
        token = uuid.uuid4().hex  # one token for the sources claimed together
        connection = session.connection()
        validators = lease.take(
            connection, ids, token, stale_after=workspace.settings.lease_heartbeat_timeout, now=now
        )  # the leases taken, with the validators of their sources
        busy = [i for i in ids if i not in validators]
        if validators:
            runs = dict(
                connection.execute(
                    insert(SourceRun).returning(SourceRun.source_id, SourceRun.id),
                    [
                        {
                            "source_id": i,
                            "started_at": now,
                            "status": "running",
                            "observations": 0,
                            "events": 0,
                        }
                        for i in ids
                        if i in validators
                    ],
                ).all()
            )
            rules = enabled_rules(session)
            for spec, every in specs:
                if spec.id in validators:
                    claimed.append(
                        Claim(spec, token, runs[spec.id], dict(validators[spec.id] or {}), every, rules)
                    )
    return claimed, busy


def abandon(workspace: Workspace, c: Claim, now: datetime, why: str) -> None:
    """Give back a claimed source whose run was not started or was interrupted (the watch is stopping)."""
    lease.give_back(workspace.store, c.spec.id, c.token, c.run_id, now, why)


def write_unchanged(workspace: Workspace, items: Sequence[tuple[Claim, datetime]]) -> None:
    """Record sources answered 304 Not Modified: state and lease, then run rows, in one transaction.

    The state is written only where the lease is still this run's (a lease taken over from a holder
    thought gone belongs to a newer run).
    """
    states = [
        {"sid": c.spec.id, "tok": c.token, "now": now, "next": now + c.every, "status": "unchanged"}
        for c, now in items
    ]
    runs = [{"rid": c.run_id, "now": now} for c, now in items]
    with workspace.store.session() as session:
        connection = session.connection()
        connection.execute(_UNCHANGED_STATE, states)
        connection.execute(_UNCHANGED_RUN, runs)


_UNCHANGED_STATE = (
    update(SourceState)
    .where(SourceState.source_id == bindparam("sid"), SourceState.running_token == bindparam("tok"))
    .values(
        last_run_at=bindparam("now"),
        last_status=bindparam("status"),
        last_error=None,
        consecutive_failures=0,
        next_run_at=bindparam("next"),
        **lease.FREED,
    )
)  # built once, like the next one: a watch writes a batch of 304 answers many times a cycle
_UNCHANGED_RUN = (
    update(SourceRun)
    .where(SourceRun.id == bindparam("rid"))
    .values(status="unchanged", finished_at=bindparam("now"))
)


def store_bodies(workspace: Workspace, fetched: Any) -> None:
    """Write the capture files of ``fetched``'s pages (``commit_run`` then finds them in place)."""
    from veille.capture import store_body

    for page in fetched.pages:
        store_body(workspace.settings.captures_dir, page.path or page.read(), page.sha256)


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
    batcher: Batcher,
    gate: AbstractAsyncContextManager[Any],
    start: Callable[[], bool],
) -> Any:
    """Fetch (inside ``gate``) and store one claimed source; None when ``start`` says not to begin.

    Failures are recorded on the source, not raised.
    """
    from veille.collect import RunResult
    from veille.collect.runner import commit_run, record_failure, to_the_end
    from veille.sources.fetcher import FetchResult

    fetched = FetchResult()
    released = False
    started, now = time.monotonic(), clock()
    try:
        async with gate:
            if not start():
                async with write_lock:
                    await asyncio.to_thread(
                        abandon, workspace, c, clock(), "not started: the watch is stopping"
                    )
                released = True
                return None
            started, now = time.monotonic(), clock()  # the run begins once it has its slots
            try:
                fetched = await fetcher.fetch_source(c.spec, validators=c.validators)
                problem: Exception | None = None
            except Exception as exc:  # recorded below, outside the slots
                problem = exc
        if problem is not None:
            raise problem
        for page in fetched.pages:
            page.fetched_at = now
        if fetched.not_modified:
            await to_the_end(batcher.add(c, now))
            released = True
            result = RunResult(c.spec.id, "unchanged", c.run_id)
        else:
            # the capture files first, outside the write lock (content-addressed, written before the
            # transaction; one whose run rolls back is harmless): the serialised part is the transaction
            await asyncio.to_thread(store_bodies, workspace, fetched)
            async with write_lock:  # a stop during the transaction lets it finish: the run is stored
                result = await to_the_end(asyncio.to_thread(
                    functools.partial(commit_run, validators=c.validators, rules=c.rules),
                    workspace, c.spec, c.run_id, c.token, fetched, now, c.every,
                ))  # fmt: skip
            released = True
    except Exception as exc:  # every failure is the source's own, recorded here
        async with write_lock:
            result = await to_the_end(
                asyncio.to_thread(
                    record_failure, workspace, c.spec, c.run_id, c.token, now, exc, fetched.pages
                )
            )
        released = True
    finally:
        fetched.discard()
        if not released:  # abandoned before storing: the lease given back, the run row closed
            with contextlib.suppress(Exception):  # or the next claim takes the lease over (holder gone)
                abandon(workspace, c, clock(), "abandoned: the watch was stopped")
    result.seconds = time.monotonic() - started
    return result

"""Sources run by workers on several machines: a Procrastinate task queue in the workspace's PostgreSQL.

With a PostgreSQL workspace, ``veille watch`` is the scheduler: it queues each due source as a job, and
``veille worker`` processes (any number, on any machine that reaches the database) run the jobs through
the same run lifecycle as a single process. No broker: the queue is tables in the same database.

- **Queued once**: a job carries the source id as its queueing lock, and the scheduler skips sources
  that already have a job waiting or running.
- **Run once at a time**: the run takes the source's lease (``veille.collect.lease``); a source whose
  lease a live process holds is retried a little later, never skipped.
- **A killed worker's job runs again**: workers send heartbeats; the scheduler gives the jobs of a
  worker silent for longer than ``stalled_after`` seconds back to the queue. Storing is idempotent
  (history rows are written only on change, events are deduplicated, alerts are unique per rule, event
  and channel), so a job run twice stores nothing twice.
- **Heavy catalogues on their own queue** (``catalogues``) so a large price file never delays a status
  page; ``veille worker --queue sources`` serves only the light one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.schema import SchemaManager
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from veille.errors import ConfigError
from veille.sources import SourceSpec
from veille.workspace import Workspace

LIGHT_QUEUE = "sources"
HEAVY_QUEUE = "catalogues"
QUEUES = (LIGHT_QUEUE, HEAVY_QUEUE)
TASK_NAME = "veille.collect_source"
SCHEMA_LOCK = 0x7665696C6C65  # "veille": serialises the queue schema's installation across processes
HEARTBEAT_SECONDS = 5.0
log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


def queue_of(spec: SourceSpec) -> str:
    """The queue of a source: streamed or paged price catalogues are heavy, everything else light."""
    heavy = spec.streaming or (spec.kind == "prices" and spec.paginate is not None)
    return HEAVY_QUEUE if heavy else LIGHT_QUEUE


def require_postgresql(workspace: Workspace) -> str:
    """The workspace's PostgreSQL URL; ConfigError for a SQLite workspace."""
    url = workspace.settings.db_url
    if make_url(url).get_backend_name() != "postgresql":
        raise ConfigError(
            "workers need a PostgreSQL workspace (VEILLE_DATABASE_URL); "
            "a SQLite workspace runs its sources inside `veille watch`"
        )
    return url


def make_app(workspace: Workspace) -> procrastinate.App:
    """A Procrastinate app on the workspace's database, with veille's task."""
    url = make_url(require_postgresql(workspace)).set(drivername="postgresql")
    connector = procrastinate.PsycopgConnector(conninfo=url.render_as_string(hide_password=False))
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace="")
    return app


def ensure_queue_schema(workspace: Workspace) -> bool:
    """Install the queue's tables once (several processes may start together). True if installed now."""
    engine = workspace.store.engine
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        if inspect(conn).has_table("procrastinate_jobs"):
            return False
        conn.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    return True


class SourceBusy(Exception):
    """The source's lease is held by a live process: the job runs again a little later."""


@blueprint.task(
    name=TASK_NAME,
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=60, wait=5, retry_exceptions={SourceBusy}),
)
async def collect_source(context: procrastinate.JobContext, source_id: str) -> str:
    """Run one source through the one run lifecycle, then send the alerts it queued.

    A source found busy (another live process holds its lease) is not a finished job: it is retried,
    so that no cycle of a source is skipped."""
    from veille.act.outbox import dispatch
    from veille.collect import run_source
    from veille.sources import get_source

    workspace: Workspace = context.additional_context["workspace"]
    # the worker's own state: Procrastinate copies ``additional_context`` for each job, not what it holds
    shared: dict[str, Any] = context.additional_context["worker"]
    if "executor" not in shared:  # each running job stores through a thread: one each, not the default few
        shared["executor"] = ThreadPoolExecutor(shared["concurrency"] + 4, thread_name_prefix="veille-job")
        asyncio.get_running_loop().set_default_executor(shared["executor"])
    spec = get_source(source_id)
    if "fetcher" not in shared:  # one per worker: its connections and per-host slots serve every job
        shared["fetcher"] = shared_fetcher(workspace)
    result = await run_source(workspace, spec, client=shared["fetcher"])
    if result.status == "busy":
        raise SourceBusy(f"{source_id}: {result.error}")
    if result.events:  # its alerts go out now; the scheduler sends the rest (retries, digests) each tick
        await asyncio.to_thread(
            partial(dispatch, workspace.store, workspace.home, datetime.now(UTC), settings=workspace.settings)
        )
    return result.status


def shared_fetcher(workspace: Workspace) -> Any:
    """A fetcher whose per-host limits hold across every worker (``veille.store.hostgate``)."""
    from veille.sources.fetcher import Fetcher
    from veille.store.hostgate import PgHostGate

    settings = workspace.settings
    gate = PgHostGate(workspace.store.engine, settings.http_per_host, settings.http_host_interval)
    spool = workspace.home / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    return Fetcher(settings, spool_dir=spool, gate=gate)


@dataclass
class Queued:
    """What one pass of the scheduler did."""

    queued: list[str]
    waiting: list[str]
    requeued: int


def active_sources(workspace: Workspace) -> set[str]:
    """Sources with a job waiting or running."""
    with workspace.store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT queueing_lock FROM procrastinate_jobs "
                "WHERE task_name = :task AND status IN ('todo', 'doing')"
            ),
            {"task": TASK_NAME},
        )
        return {row[0] for row in rows if row[0]}


async def enqueue(app: procrastinate.App, workspace: Workspace, due: Sequence[SourceSpec]) -> Queued:
    """Queue each due source that has no job waiting or running."""
    active = await asyncio.to_thread(active_sources, workspace)
    queued, waiting = [], []
    task = app.tasks[TASK_NAME]
    for spec in due:
        if spec.id in active:
            waiting.append(spec.id)
            continue
        # no Procrastinate ``lock``: with one per source its job fetch scanned every waiting job (most of
        # the database's CPU in the bench); the source's lease is the lock, and a busy source retries
        job = task.configure(queueing_lock=spec.id, queue=queue_of(spec))
        try:
            await job.defer_async(source_id=spec.id)
        except AlreadyEnqueued:  # another scheduler queued it between our read and our write
            waiting.append(spec.id)
        else:
            queued.append(spec.id)
    return Queued(queued, waiting, 0)


async def requeue_stalled(app: procrastinate.App, stalled_after: float) -> int:
    """Give the jobs of workers silent for ``stalled_after`` seconds back to the queue."""
    jobs = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after))
    for job in jobs:
        log.warning(
            "worker of job %s (%s) went silent: queued again", job.id, job.task_kwargs.get("source_id")
        )
        await app.job_manager.retry_job(job)
    return len(jobs)


def worker_options(workspace: Workspace, queues: Iterable[str] | None, concurrency: int) -> dict[str, Any]:
    """Procrastinate worker options: heartbeats, graceful stop, finished jobs deleted."""
    return {
        "queues": list(queues) if queues else None,
        "concurrency": concurrency,
        "name": "veille-worker",
        "additional_context": {"workspace": workspace, "worker": {"concurrency": concurrency}},
        "update_heartbeat_interval": HEARTBEAT_SECONDS,
        "stalled_worker_timeout": HEARTBEAT_SECONDS * 6,
        "shutdown_graceful_timeout": 60.0,
        "delete_jobs": "successful",
        "install_signal_handlers": True,
    }


async def run_scheduler(
    workspace: Workspace,
    app: procrastinate.App,
    *,
    specs: Sequence[SourceSpec] | None = None,
    tick: float = 5.0,
    stalled_after: float = HEARTBEAT_SECONDS * 6,
    passes: int | None = None,
    stop: asyncio.Event | None = None,
    on_pass: Any = None,
) -> None:
    """Queue the due sources every ``tick`` seconds and requeue stalled jobs, until ``stop`` is set."""
    from veille.act.outbox import dispatch
    from veille.watch.scheduler import Scheduler

    scheduler = Scheduler(workspace, specs=specs, dispatch=False)
    stop = stop or asyncio.Event()
    done = 0
    async with app.open_async():
        while not stop.is_set():
            result = await enqueue(app, workspace, await asyncio.to_thread(scheduler.due))
            result.requeued = await requeue_stalled(app, stalled_after)
            await asyncio.to_thread(
                partial(
                    dispatch, workspace.store, workspace.home, datetime.now(UTC), settings=workspace.settings
                )
            )
            if on_pass is not None:
                on_pass(result)
            done += 1
            if passes is not None and done >= passes:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)

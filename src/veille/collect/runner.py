"""The collection runner: fetch -> capture -> parse -> one transaction (ingest, events, act, state).

``run_sources`` runs many sources concurrently (fetches overlap; database writes are serialised within
the process). A source's run is all or nothing: any error rolls its transaction back, and the failure
is recorded on its own (``source_runs``, ``source_state``, a ``source_failure`` event); the other
sources go on. A lease on ``source_state`` keeps a source from running twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import bindparam, case, func, select, update

from veille.act import route_events
from veille.capture import record as record_capture
from veille.collect import lease
from veille.collect.model_read import hold_reason, parse_or_read
from veille.collect.record import failure_draft, finish_run, insert_events, retry_delay
from veille.detect.prices import OfferSnapshot
from veille.errors import ParseError, VeilleError
from veille.ingest import IngestContext, ingest
from veille.logs import bind
from veille.observations import Observation, Offer
from veille.sources import ParseContext, SourceSpec, get_parser
from veille.sources.fetcher import Fetcher, FetchResult, Page, credential_problem
from veille.store.models import AiCall, SourceRun, SourceState
from veille.workspace import Workspace

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[[str, str, "RunResult | None"], None]  # (source_id, "start" | "done", result)


@dataclass
class RunResult:
    """What one source run did. ``status``: ok, unchanged, suspect, failed, disabled, busy, late.

    ``late``: the snapshot was fetched before the source's stored state; kept, not compared.
    """

    source_id: str
    status: str
    run_id: int | None = None
    observations: int = 0
    events: int = 0
    pages: int = 0
    bytes: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Summary:
    """The results of a batch of runs."""

    results: list[RunResult] = field(default_factory=list)
    stopped_by: int | None = None  # the signal that stopped the runs (SIGTERM, SIGINT), if one did

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def all_failed(self) -> bool:
        ran = [r for r in self.results if r.status not in ("disabled", "busy")]
        return bool(ran) and all(r.status == "failed" for r in ran)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)


def run_sources(
    workspace: Workspace,
    specs: Sequence[SourceSpec],
    *,
    concurrency: int | None = None,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    handle_signals: bool = False,
) -> Summary:
    """Run ``specs`` now (blocking); see ``arun_sources``."""
    return asyncio.run(
        arun_sources(
            workspace, specs, concurrency=concurrency, client=client, now=now, progress=progress,
            handle_signals=handle_signals,
        )
    )  # fmt: skip


async def arun_sources(
    workspace: Workspace,
    specs: Sequence[SourceSpec],
    *,
    concurrency: int | None = None,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    handle_signals: bool = False,
) -> Summary:
    """Run ``specs`` with at most ``concurrency`` at a time, sharing one fetcher; never raises for a source.

    With ``handle_signals``, SIGTERM or SIGINT stops them: the runs not yet storing are abandoned
    (leases given back, run rows closed), those storing finish, and ``Summary.stopped_by`` says which
    signal it was; a second signal ends the process at once (the next run takes its leases over).
    """
    limit = asyncio.Semaphore(max(1, concurrency or workspace.settings.http_concurrency))
    fetcher, own = _fetcher(workspace, client)
    write_lock = asyncio.Lock()

    async def one(spec: SourceSpec) -> RunResult:
        async with limit:
            if progress:
                progress(spec.id, "start", None)
            result = await run_source(workspace, spec, client=fetcher, now=now, write_lock=write_lock)
            if progress:
                progress(spec.id, "done", result)
            return result

    tasks = [asyncio.ensure_future(one(spec)) for spec in specs]
    summary = Summary()
    stop = functools.partial(_stop, summary, tasks)
    try:
        with (
            lease.keep_alive(workspace.store, workspace.settings.lease_heartbeat_timeout),
            _on_signals(stop) if handle_signals else contextlib.nullcontext(),
        ):
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        if own:
            await fetcher.aclose()
    for spec, outcome in zip(specs, outcomes, strict=True):
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, BaseException):  # cancelled before it began
            outcome = RunResult(spec.id, "abandoned", error="abandoned: the run was stopped")
        summary.results.append(outcome)
    return summary


def _stop(summary: Summary, tasks: Sequence[asyncio.Future[Any]], signum: int) -> None:
    """The first signal abandons the runs not yet storing; a second one ends the process at once."""
    if summary.stopped_by is not None:
        sys.stderr.write(f"stopped by {signal.Signals(signum).name} again: leaving at once\n")
        os._exit(128 + signum)
    summary.stopped_by = signum
    for task in tasks:
        task.cancel()


@contextlib.contextmanager
def _on_signals(handler: Callable[[int], None]) -> Iterator[None]:
    """Route SIGTERM and SIGINT to ``handler`` in the running loop; the previous handlers come back after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    installed = []
    for sig in previous:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, handler, sig)
            installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            if previous[sig] is not None:
                signal.signal(sig, previous[sig])


async def run_source(
    workspace: Workspace,
    spec: SourceSpec,
    *,
    client: Fetcher | httpx.AsyncClient | None = None,
    now: datetime | None = None,
    write_lock: asyncio.Lock | None = None,
) -> RunResult:
    """Fetch, capture, parse and store one source in one transaction; failures are recorded, not raised."""
    with bind(source_id=spec.id):
        result = await _run_source(workspace, spec, client=client, now=now, write_lock=write_lock)
        with bind(run_id=result.run_id):
            _log_result(result)
    return result


def _log_result(result: RunResult) -> None:
    if result.status == "failed":
        log.warning("failed: %s", result.error)
    elif result.status == "busy":
        log.warning("skipped: %s", result.error)
    else:
        log.info("%s: %d observation(s), %d event(s)", result.status, result.observations, result.events)


async def _run_source(
    workspace: Workspace,
    spec: SourceSpec,
    *,
    client: Fetcher | httpx.AsyncClient | None,
    now: datetime | None,
    write_lock: asyncio.Lock | None,
) -> RunResult:
    started = time.monotonic()
    problem = credential_problem(spec, workspace.settings)
    if problem:
        return RunResult(spec.id, "disabled", error=problem)
    store = workspace.store
    token = lease.acquire(store, spec.id, stale_after=workspace.settings.lease_heartbeat_timeout)
    if token is None:
        return RunResult(spec.id, "busy", error=BUSY)
    run_now = now or datetime.now(UTC)
    run_id, validators = _open_run(store, spec.id, token, run_now)
    fetcher, own = _fetcher(workspace, client)
    fetched = FetchResult()
    stored = False
    try:
        fetched = await fetcher.fetch_source(spec, validators=validators)
        if now is not None:
            for page in fetched.pages:
                page.fetched_at = now
        async with write_lock or asyncio.Lock():  # a stop during the transaction lets it finish
            result = await to_the_end(
                asyncio.to_thread(commit_run, workspace, spec, run_id, token, fetched, run_now)
            )
        stored = True
    except Exception as exc:  # every failure is the source's own, recorded below
        async with write_lock or asyncio.Lock():
            try:
                result = await to_the_end(
                    asyncio.to_thread(
                        record_failure, workspace, spec, run_id, token, run_now, exc, fetched.pages
                    )
                )
                stored = True
            except Exception as unrecorded:  # the database itself is failing: still one result per source
                from veille.collect.record import describe

                message = f"{describe(exc)}; the failure could not be recorded: {describe(unrecorded)}"
                result = RunResult(spec.id, "failed", run_id, error=message)
    finally:
        fetched.discard()
        if own:
            await fetcher.aclose()
        # interrupted before storing (a stop): the run row is closed too
        _release(store, spec.id, token, None if stored else run_id, run_now)
    result.seconds = time.monotonic() - started
    return result


def _open_run(store: Any, source_id: str, token: str, now: datetime) -> tuple[int, dict[str, Any]]:
    """The run's ``running`` row and the source's validators; the lease is given back if that fails."""
    try:
        with store.session() as session:
            run = SourceRun(source_id=source_id, started_at=now, status="running", observations=0, events=0)
            session.add(run)
            session.flush()
            return run.id, dict(lease.state(session, source_id).validators or {})
    except BaseException:
        _release(store, source_id, token)
        raise


BUSY = "already running (another live process holds its lease)"


def _release(
    store: Any, source_id: str, token: str, run_id: int | None = None, now: datetime | None = None
) -> None:
    """Give the lease back, and close the run row of ``run_id`` if it is still running.

    A database that fails here leaves the lease to the next run, which takes it over once this
    process is gone or has stopped beating.
    """
    try:
        if run_id is None:
            lease.release_now(store, source_id, token)
        else:
            why = "abandoned: the run was stopped"
            lease.give_back(store, source_id, token, run_id, now or datetime.now(UTC), why)
    except Exception:
        log.warning("could not release the lease of %s", source_id, exc_info=True)


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


def commit_run(
    workspace: Workspace,
    spec: SourceSpec,
    run_id: int,
    token: str,
    fetched: FetchResult,
    now: datetime,
    every: timedelta | None = None,
    *,
    validators: dict[str, Any] | None = None,
    rules: Sequence[Any] | None = None,
) -> RunResult:
    """The run's single transaction: captures, ingest, events, routing, state.

    The next run is due ``every`` after ``now`` (the watch passes the plan's cadence); without it, the
    source's own cadence (or its override). The watch also passes what it read when it claimed the
    run: the source's ``validators`` (read again here otherwise) and the enabled alert ``rules``.
    """
    settings = workspace.settings
    with workspace.store.session() as session:
        latest = observed_until(session, spec.id)
        if latest is not None and now < latest:  # late data: never the present, never news
            return _record_late(session, workspace, spec, run_id, token, fetched, now, latest)
        if every is None or validators is None:
            validators, cadence = _read_state(session, spec.id)
            if every is None:
                every = timedelta(seconds=cadence) if cadence is not None else spec.cadence
        if fetched.not_modified:
            _write_state(session, spec.id, token, now, "unchanged", now + every, None)
            finish_run(session, run_id, status="unchanged", now=now)
            return RunResult(spec.id, "unchanged", run_id)
        capture_ids = [_capture(session, workspace, spec, run_id, page) for page in fetched.pages]
        ctx = IngestContext(
            session=session,
            source=spec,
            run_id=run_id,
            now=now,
            settings=settings,
            capture_ids=capture_ids,
            url=fetched.pages[0].url if fetched.pages else spec.url,
        )
        count, drafts = parse_and_ingest(ctx, spec, fetched.pages, capture_ids)
        rows = insert_events(
            session,
            drafts,
            now=now,
            source_id=spec.id,
            run_id=run_id,
            capture_id=ctx.capture_ids[0] if ctx.capture_ids else None,
        )
        from veille.detect.triage import record_words

        record_words(rows)  # the word lists' triage of items, mentions and news (the model's comes later)
        route_events(
            session, [r for r in rows if r.status == "open"], now, rules, fresh=True
        )  # rows just inserted
        status = "suspect" if any(r.kind == "price_review" for r in rows) else "ok"
        merged = {**(validators or {}), **fetched.validators}
        _write_state(session, spec.id, token, now, status, now + every, merged)
        finish_run(session, run_id, status=status, now=now, observations=count, events=len(rows))
        return RunResult(
            spec.id, status, run_id, count, len(rows), len(fetched.pages), sum(p.size for p in fetched.pages)
        )


OBSERVED = ("ok", "suspect", "unchanged")  # the run statuses whose snapshot is the stored state


def observed_until(session: Any, source_id: str) -> datetime | None:
    """The fetch time of the latest snapshot stored for ``source_id`` (None: nothing stored yet).

    ``source_state.last_run_at`` when the last run stored one; after a failure, the latest stored
    run's start (a failure stores nothing, so a snapshot fetched before it may still be news).
    """
    row = session.connection().execute(_LAST_RUN, {"sid": source_id}).first()
    if row is None or row[0] is None:
        return None
    if row[1] in OBSERVED:
        return row[0]
    return session.connection().execute(_LAST_OBSERVED, {"sid": source_id}).scalar()


_LAST_RUN = select(SourceState.last_run_at, SourceState.last_status).where(
    SourceState.source_id == bindparam("sid")
)
_LAST_OBSERVED = select(func.max(SourceRun.started_at)).where(
    SourceRun.source_id == bindparam("sid"), SourceRun.status.in_(OBSERVED)
)


def _record_late(
    session: Any,
    workspace: Workspace,
    spec: SourceSpec,
    run_id: int,
    token: str,
    fetched: FetchResult,
    now: datetime,
    latest: datetime,
) -> RunResult:
    """A snapshot fetched before the source's stored state: its bodies are kept, nothing is compared.

    The source's state (last run, next run, validators) is left as it is and no event is raised:
    what the snapshot shows was either already seen or superseded by the newer stored snapshot.
    """
    for page in fetched.pages:
        _capture(session, workspace, spec, run_id, page)
    note = (
        f"late: fetched at {now:%Y-%m-%d %H:%M:%S}Z, before the stored state of "
        f"{latest:%Y-%m-%d %H:%M:%S}Z; kept as captures, not compared"
    )
    log.info("%s: %s", spec.id, note)
    lease.release(session, spec.id, token)
    finish_run(session, run_id, status="late", now=now, error=note)
    size = sum(p.size for p in fetched.pages)
    return RunResult(spec.id, "late", run_id, pages=len(fetched.pages), bytes=size, error=note)


def _read_state(session: Any, source_id: str) -> tuple[dict[str, Any] | None, int | None]:
    """The source's (validators, cadence override), its state row created if missing."""
    row = session.connection().execute(_STATE_READ, {"sid": source_id}).first()
    if row is None:
        st = lease.state(session, source_id)
        return st.validators, st.cadence_seconds
    return row[0], row[1]


def _write_state(
    session: Any,
    source_id: str,
    token: str,
    now: datetime,
    status: str,
    next_run: datetime,
    validators: dict[str, Any] | None,
) -> None:
    """A successful run's state and, if ``token`` still holds it, the lease given back: one UPDATE."""
    session.flush()  # a state row created by ``_read_state`` is written before it is updated
    params = {"sid": source_id, "tok": token, "now": now, "status": status, "next": next_run}
    if validators is None:
        session.connection().execute(_STATE_WRITE, params)
    else:
        session.connection().execute(_STATE_WRITE_VALIDATORS, {**params, "validators": validators})


_STATE_READ = select(SourceState.validators, SourceState.cadence_seconds).where(
    SourceState.source_id == bindparam("sid")
)
_HELD = SourceState.running_token == bindparam("tok")
_STATE_VALUES: dict[str, Any] = {
    "last_run_at": bindparam("now"),
    "last_status": bindparam("status"),
    "last_error": None,
    "consecutive_failures": 0,
    "next_run_at": bindparam("next"),
    # the lease is given back only by its holder (a lease taken over from it is not this run's any more)
    **{
        name: case((_HELD, None), else_=getattr(SourceState, name))
        for name in lease.FREED  # running_since, running_token, running_holder, running_heartbeat
    },
}
_STATE_WRITE = (
    update(SourceState).where(SourceState.source_id == bindparam("sid")).values(**_STATE_VALUES)
)  # built once, like the statements below: every run ends with it
_STATE_WRITE_VALIDATORS = (
    update(SourceState)
    .where(SourceState.source_id == bindparam("sid"))
    .values(
        **_STATE_VALUES, validators=bindparam("validators", type_=SourceState.__table__.c.validators.type)
    )
)


def parse_and_ingest(
    ctx: IngestContext, spec: SourceSpec, pages: Sequence[Page], capture_ids: Sequence[int | None]
) -> tuple[int, list[Any]]:
    """Parse page by page; offers stream into an ``OfferSnapshot``, the rest go through ``ingest``."""
    info = get_parser(spec.parser)
    merge = getattr(info.func, "merge_pages", None)
    if merge is not None and len(pages) > 1 and not info.streaming:
        # a parser that needs every page at once (gcp.skus: a machine's SKUs span pages)
        pages = [dataclasses.replace(pages[0], body=merge([p.read() for p in pages]), path=None)]
        capture_ids = [capture_ids[0]]
    snapshot = OfferSnapshot(ctx) if spec.kind == "prices" else None
    others: list[Observation] = []
    count = 0
    for page, capture_id in zip(pages, capture_ids, strict=True):
        pctx = ParseContext(
            spec.id,
            spec.competitor,
            page.url,
            page.fetched_at,
            dict(page.request.params),
            page.headers,
            spec.options,
        )
        observations, reading = parse_or_read(
            functools.partial(_parse, info, spec, page, pctx), ctx, page.read, pctx
        )
        if reading is not None and snapshot is not None:
            reason = hold_reason(ctx, reading)
            if reason and reason not in snapshot.review.holds:
                snapshot.review.holds.append(reason)
        count += len(observations)
        if snapshot is None:
            others.extend(observations)
            continue
        snapshot.add_all(
            (o for o in observations if isinstance(o, Offer)), capture_id=capture_id, url=page.url
        )
        others.extend(o for o in observations if not isinstance(o, Offer))
    # a snapshot source (a job board) is ingested even when empty, so what left it is closed
    drafts = ingest(ctx, others) if others or snapshot is None else []
    if snapshot is not None:
        drafts.extend(snapshot.finish())
    return count, drafts


def _parse(info: Any, spec: SourceSpec, page: Page, pctx: ParseContext) -> list[Observation]:
    try:
        if info.streaming:
            if page.path is not None:
                with page.path.open("rb") as handle:
                    return list(info.func(handle, pctx))
            import io

            return list(info.func(io.BytesIO(page.read()), pctx))
        return list(info.func(page.read(), pctx))
    except VeilleError:
        raise
    except Exception as exc:  # a parser bug or an unforeseen shape: still one clear error
        raise ParseError(spec.parser, f"unexpected {type(exc).__name__} on {page.url}: {exc}") from exc


def record_failure(
    workspace: Workspace,
    spec: SourceSpec,
    run_id: int,
    token: str,
    now: datetime,
    error: BaseException,
    pages: Sequence[Page] = (),
) -> RunResult:
    """Record a failed run in a fresh transaction (the run's own was rolled back)."""
    from veille.collect.record import describe

    message = describe(error)
    with workspace.store.session() as session:
        for page in pages:  # the bodies that failed to parse are evidence worth keeping
            try:
                _capture(session, workspace, spec, run_id, page)
            except OSError:
                break
        for call in getattr(error, "ai_calls", ()):  # model calls paid for stay counted and cached
            session.add(AiCall(**call))
        st = lease.state(session, spec.id)
        st.consecutive_failures = (st.consecutive_failures or 0) + 1
        st.last_run_at, st.last_status, st.last_error = now, "failed", message
        st.next_run_at = now + retry_delay(st.consecutive_failures)
        lease.release(session, spec.id, token)
        draft = failure_draft(spec.id, spec.competitor, spec.url, error, st.consecutive_failures, now, run_id)
        rows = insert_events(session, [draft], now=now, source_id=spec.id, run_id=run_id)
        route_events(session, rows, now)
        finish_run(session, run_id, status="failed", now=now, error=message, events=len(rows))
    return RunResult(spec.id, "failed", run_id, events=len(rows), error=message)


def _capture(session: Any, workspace: Workspace, spec: SourceSpec, run_id: int, page: Page) -> int:
    """Store the page's body (content-addressed) and insert its ``captures`` row; returns the row's id."""
    return record_capture(
        session,
        workspace.settings.captures_dir,
        source_id=spec.id,
        run_id=run_id,
        url=page.url,
        status=page.status,
        headers=page.headers,
        fetched_at=page.fetched_at,
        body=page.path if page.path is not None else page.read(),
        sha256=page.sha256,
    )


def _fetcher(workspace: Workspace, client: Fetcher | httpx.AsyncClient | None) -> tuple[Fetcher, bool]:
    if isinstance(client, Fetcher):
        return client, False
    spool = workspace.home / "tmp"
    spool.mkdir(parents=True, exist_ok=True)
    return Fetcher(workspace.settings, client=client, spool_dir=spool), True

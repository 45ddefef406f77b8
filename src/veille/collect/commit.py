"""A run's end in the database: its snapshot stored in one transaction, or its failure recorded.

``commit_run`` is the single transaction of a run that fetched something: captures, parse, ingest,
events (deduplicated), routing to alerts and actions, the source's state and its lease given back.
``record_failure`` writes a failed run in a fresh transaction (the run's own was rolled back).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from veille.capture import record as record_capture
from veille.collect import lease
from veille.collect.model_read import hold_reason, parse_or_read
from veille.collect.record import describe, failure_draft, finish_run, record_events, retry_delay
from veille.collect.result import RunResult
from veille.errors import ParseError, VeilleError
from veille.ingest import IngestContext, Ingestion
from veille.observations import Observation
from veille.sources import ParseContext, SourceSpec, get_parser
from veille.sources.fetcher import FetchResult, Page
from veille.store.models import AiCall, SourceRun, SourceState
from veille.workspace import Workspace

log = logging.getLogger(__name__)


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
        rows = record_events(
            session,
            drafts,
            now=now,
            source_id=spec.id,
            run_id=run_id,
            capture_id=ctx.capture_ids[0] if ctx.capture_ids else None,
            rules=rules,
            released=ctx.released,
        )
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
    run = {"sid": source_id, "tok": token, "now": now, "status": status, "next": next_run}
    if validators is None:
        lease.finish(session.connection(), [run])
    else:
        lease.finish(session.connection(), [{**run, "validators": validators}], validators=True)


_STATE_READ = select(SourceState.validators, SourceState.cadence_seconds).where(
    SourceState.source_id == bindparam("sid")
)


def parse_and_ingest(
    ctx: IngestContext, spec: SourceSpec, pages: Sequence[Page], capture_ids: Sequence[int | None]
) -> tuple[int, list[Any]]:
    """Parse page by page, each page's observations fed to the run's ``Ingestion`` (offers stream into
    their snapshot as they come); returns the number of observations and the events found."""
    info = get_parser(spec.parser)
    merge = getattr(info.func, "merge_pages", None)
    if merge is not None and len(pages) > 1 and not info.streaming:
        # a parser that needs every page at once (gcp.skus: a machine's SKUs span pages)
        pages = [dataclasses.replace(pages[0], body=merge([p.read() for p in pages]), path=None)]
        capture_ids = [capture_ids[0]]
    ingestion = Ingestion(ctx)
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
        if reading is not None and (reason := hold_reason(ctx, reading)):
            ingestion.hold(reason)
        count += len(observations)
        ingestion.add(observations, capture_id=capture_id, url=page.url)
    return count, ingestion.finish()


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
        rows = record_events(session, [draft], now=now, source_id=spec.id, run_id=run_id)
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

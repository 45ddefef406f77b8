"""Replaying recorded responses as if they had been fetched then.

Layout of a capture set (easy to write by hand)::

    DIR/
      2026-11-20T10-00-00Z/            one folder per fetch time (ISO 8601; ``-`` may stand for ``:``,
        hetzner.server_types/          a bare date means midnight UTC), replayed in time order
          page-1.json                  the response bodies, in page order (sorted by file name)
          page-2.json
          meta.json                    optional
        ecb.daily/
          eurofxref-daily.xml

``meta.json`` (every key optional)::

    {"pages": [{"file": "page-1.json", "url": "https://...", "status": 200, "headers": {"etag": "..."}}],
     "fetched_at": "2026-11-20T10:00:03Z",
     "parser": "toy.catalog", "competitor": "hetzner", "kind": "prices", "url": "https://..."}

Without ``pages``, every other file of the folder is a page, fetched from the source's URL. The
folder name is a registered source id; for a source that is not registered, ``parser`` (and
``competitor``, ``kind``, ``url``) in ``meta.json`` describe it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from veille.collect import lease
from veille.collect.runner import RunResult, Summary, commit_run, record_failure
from veille.errors import ImportFormatError, NotFoundError
from veille.sources._http import FetchResult, Page
from veille.sources._registry import Request, SourceSpec, get_source
from veille.store.models import SourceRun
from veille.workspace import Workspace

_TIME_DASHES = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ])(\d{2})-(\d{2})(?:-(\d{2}))?(.*)$")


def parse_folder_time(name: str) -> datetime:
    """The fetch time a folder name stands for (``2026-11-20T10-00-00Z``, ``2026-11-20T10:00Z``, ``2026-11-20``)."""
    text = name.strip()
    match = _TIME_DASHES.match(text)
    if match:
        text = f"{match[1]}{match[2]}:{match[3]}:{match[4] or '00'}{match[5]}"
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ImportFormatError(
            f"capture folder {name!r} is not an ISO time (e.g. 2026-11-20T10-00-00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plan(capture_dir: Path) -> list[tuple[datetime, Path]]:
    """Every (time, source folder) of a capture set, in time then source order."""
    if not capture_dir.is_dir():
        raise NotFoundError(f"no capture folder {capture_dir}")
    steps: list[tuple[datetime, Path]] = []
    for folder in sorted(p for p in capture_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        when = parse_folder_time(folder.name)
        steps.extend(
            (when, sub) for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.name.startswith(".")
        )
    if not steps:
        raise ImportFormatError(f"{capture_dir} holds no <time>/<source>/ folders")
    return sorted(steps, key=lambda s: (s[0], s[1].name))


def load_source(folder: Path, when: datetime) -> tuple[SourceSpec, FetchResult]:
    """The source a folder records and its pages, as the fetcher would have returned them."""
    meta: dict[str, Any] = {}
    if (folder / "meta.json").is_file():
        try:
            meta = orjson.loads((folder / "meta.json").read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ImportFormatError(f"{folder / 'meta.json'}: not JSON ({exc})") from None
    try:
        spec = get_source(folder.name)
    except NotFoundError:
        if not meta.get("parser"):
            raise NotFoundError(
                f"{folder}: no source {folder.name!r}; name a registered source or give 'parser' in meta.json"
            ) from None
        spec = SourceSpec(
            id=folder.name,
            competitor=meta.get("competitor"),
            kind=meta.get("kind", "prices"),
            parser=meta["parser"],
            url=meta.get("url", f"replay://{folder.name}"),
            cadence=timedelta(hours=1),
        )
    fetched_at = parse_folder_time(meta["fetched_at"]) if meta.get("fetched_at") else when
    entries = meta.get("pages") or [
        {"file": p.name}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "meta.json" and not p.name.startswith(".")
    ]
    pages = []
    for entry in entries:
        path = folder / entry["file"]
        if not path.is_file():
            raise NotFoundError(f"{folder}: page file {entry['file']!r} is missing")
        body = path.read_bytes()
        url = entry.get("url") or meta.get("url") or spec.url
        pages.append(
            Page(
                url=url,
                status=int(entry.get("status", 200)),
                headers={k.lower(): str(v) for k, v in (entry.get("headers") or {}).items()},
                fetched_at=fetched_at,
                sha256=hashlib.sha256(body).hexdigest(),
                size=len(body),
                request=Request(url),
                body=body,
            )
        )
    return spec, FetchResult(pages=pages)


def replay(
    workspace: Workspace,
    capture_dir: Path,
    *,
    progress: Callable[[str, datetime, RunResult], None] | None = None,
) -> Summary:
    """Ingest a capture set in time order, each folder as a run fetched at its recorded time."""
    summary = Summary()
    for when, folder in plan(capture_dir):
        spec, fetched = load_source(folder, when)
        result = replay_one(workspace, spec, fetched, when)
        summary.results.append(result)
        if progress:
            progress(spec.id, when, result)
    return summary


def replay_one(workspace: Workspace, spec: SourceSpec, fetched: FetchResult, when: datetime) -> RunResult:
    """Store one recorded snapshot through the same transaction as a live run."""
    token = lease.acquire(workspace.store, spec.id, stale_after=workspace.settings.lease_heartbeat_timeout)
    if token is None:
        return RunResult(spec.id, "busy", error="already running (another process holds its lease)")
    with workspace.store.session() as session:
        run = SourceRun(source_id=spec.id, started_at=when, status="running", observations=0, events=0)
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        return commit_run(workspace, spec, run_id, token, fetched, when)
    except Exception as exc:
        return record_failure(workspace, spec, run_id, token, when, exc, fetched.pages)
    finally:
        lease.release_now(workspace.store, spec.id, token)

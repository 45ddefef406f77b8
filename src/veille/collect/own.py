"""Importing VMCloud's own catalogue: a file, or a URL through the shared fetcher (and its address checks).

Either way it is one run of the pseudo-source ``vmcloud.catalogue``: the body captured, parsed by the
``vmcloud.catalogue`` parser, stored as a full snapshot of competitor ``vmcloud`` (an offer missing from
the new file is closed, its history kept), in one transaction; a bad row fails the run with one line and
stores nothing but the failure.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from veille.collect import lifecycle
from veille.collect.result import RunResult
from veille.collect.runner import run_source
from veille.errors import ValidationError
from veille.sources import Request, SourceSpec
from veille.sources.fetcher import FetchResult, Page
from veille.sources.vmcloud_catalogue import OWN_CADENCE, OWN_COMPETITOR, OWN_SOURCE, PARSER
from veille.workspace import Workspace

MAX_FILE_BYTES = 5 * 1024 * 1024


def own_spec(url: str) -> SourceSpec:
    """The pseudo-source of our own catalogue, read from ``url`` (a file's ``file://`` URL, or http(s))."""
    return SourceSpec(
        id=OWN_SOURCE,
        competitor=OWN_COMPETITOR,
        kind="prices",
        parser=PARSER,
        url=url,
        cadence=OWN_CADENCE,
        description="VMCloud's own catalogue (CSV, JSON or YAML), imported by `veille prices own import`",
    )


def import_catalogue(workspace: Workspace, location: str, now: datetime | None = None) -> RunResult:
    """Import our catalogue from ``location`` (a path, or an http(s) URL); returns the run's result."""
    when = now or datetime.now(UTC)
    if location.startswith(("http://", "https://")):
        return asyncio.run(run_source(workspace, own_spec(location), now=when))
    return _import_file(workspace, Path(location), when)


def _page(path: Path, when: datetime) -> Page:
    if not path.is_file():
        raise ValidationError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{path}: {size} bytes, more than the {MAX_FILE_BYTES} a catalogue may hold")
    body = path.read_bytes()
    url = path.resolve().as_uri()
    return Page(
        url=url,
        status=200,
        headers={},
        fetched_at=when,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        request=Request(url),
        body=body,
    )


def _import_file(workspace: Workspace, path: Path, when: datetime) -> RunResult:
    """One run of our catalogue's source through the one run lifecycle: claim, store, finish."""
    page = _page(path, when)
    spec = own_spec(page.url)
    claimed, busy = lifecycle.claim(workspace, [(spec, OWN_CADENCE)], when)
    if busy or not claimed:
        raise ValidationError("another import of our catalogue is running; try again")
    return lifecycle.store(workspace, claimed[0], FetchResult(pages=[page]), when)

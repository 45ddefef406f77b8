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

The whole set is checked before anything is stored: ``meta.json`` against :class:`CaptureMeta` (types,
unknown keys), and every page file must lie inside its source folder; symbolic links are refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from pydantic import ValidationError as PydanticValidationError

from veille.collect import lifecycle
from veille.collect.result import BUSY, RunResult, Summary
from veille.errors import ImportFormatError, NotFoundError
from veille.kb.ids import is_competitor_id
from veille.sources import Request, SourceSpec, get_parser, get_source
from veille.sources.fetcher import FetchResult, Page
from veille.workspace import Workspace

MAX_META_BYTES = 1_000_000
MAX_URL_CHARS = 2000
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


def _no_symlink(path: Path) -> None:
    if path.is_symlink():
        raise ImportFormatError(f"{path}: symbolic links are not followed in a capture set")


def plan(capture_dir: Path) -> list[tuple[datetime, Path]]:
    """Every (time, source folder) of a capture set, in time then source order."""
    if not capture_dir.is_dir():
        raise NotFoundError(f"no capture folder {capture_dir}")
    steps: list[tuple[datetime, Path]] = []
    for folder in sorted(p for p in capture_dir.iterdir() if not p.name.startswith(".")):
        _no_symlink(folder)
        if not folder.is_dir():
            continue
        when = parse_folder_time(folder.name)
        for sub in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
            _no_symlink(sub)
            if sub.is_dir():
                steps.append((when, sub))
    if not steps:
        raise ImportFormatError(f"{capture_dir} holds no <time>/<source>/ folders")
    return sorted(steps, key=lambda s: (s[0], s[1].name))


class PageMeta(BaseModel):
    """One entry of ``meta.json``'s ``pages``: a body file of the folder and how it was served."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(min_length=1, max_length=255)
    url: str | None = Field(default=None, max_length=MAX_URL_CHARS)
    status: int = Field(default=200, ge=100, le=599)
    headers: dict[str, StrictStr | StrictInt] = Field(default_factory=dict, max_length=200)

    @field_validator("file")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("a file name holds no NUL character")
        return value


class CaptureMeta(BaseModel):
    """``meta.json``: every key optional, unknown keys refused (a typo would silently change nothing)."""

    model_config = ConfigDict(extra="forbid")

    pages: list[PageMeta] | None = Field(default=None, max_length=10_000)
    fetched_at: datetime | None = None
    parser: str | None = Field(default=None, min_length=1, max_length=120)
    competitor: str | None = Field(default=None, max_length=40)
    kind: str = Field(default="prices", min_length=1, max_length=40)
    url: str | None = Field(default=None, max_length=MAX_URL_CHARS)

    @field_validator("competitor")
    @classmethod
    def _known_competitor(cls, value: str | None) -> str | None:
        if value is not None and not is_competitor_id(value):
            raise ValueError(f"unknown competitor id {value!r}")
        return value

    @field_validator("fetched_at", mode="before")
    @classmethod
    def _folder_time(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("an ISO time string is expected (e.g. 2026-11-20T10:00:03Z)")
        try:
            return parse_folder_time(value)
        except ImportFormatError:
            raise ValueError(f"{value[:40]!r} is not an ISO time") from None


def read_meta(folder: Path) -> CaptureMeta:
    """The folder's ``meta.json`` checked against :class:`CaptureMeta` (empty when there is none)."""
    path = folder / "meta.json"
    if not path.exists() and not path.is_symlink():
        return CaptureMeta()
    _no_symlink(path)
    if not path.is_file() or path.stat().st_size > MAX_META_BYTES:
        raise ImportFormatError(f"{path}: not a file of at most {MAX_META_BYTES} bytes")
    try:
        return CaptureMeta.model_validate_json(path.read_bytes())
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise ImportFormatError(f"{path}: {where}: {first['msg']}") from None


def _page_path(folder: Path, name: str) -> Path:
    """``folder/name``, refused when it is a link or resolves outside the source folder."""
    path = folder / name
    root = folder.resolve()
    resolved = path.resolve()
    if path.is_symlink() or resolved == root or not resolved.is_relative_to(root):
        raise ImportFormatError(
            f"{folder}: page file {name[:100]!r} is outside the folder or a symbolic link"
        )
    if not path.is_file():
        raise NotFoundError(f"{folder}: page file {name!r} is missing")
    return path


def _spec(folder: Path, meta: CaptureMeta) -> SourceSpec:
    try:
        return get_source(folder.name)
    except NotFoundError:
        if not meta.parser:
            raise NotFoundError(
                f"{folder}: no source {folder.name!r}; name a registered source or give 'parser' in meta.json"
            ) from None
    get_parser(meta.parser)  # NotFoundError names the unknown parser
    return SourceSpec(
        id=folder.name,
        competitor=meta.competitor,
        kind=meta.kind,
        parser=meta.parser,
        url=meta.url or f"replay://{folder.name}",
        cadence=timedelta(hours=1),
    )


@dataclass(frozen=True)
class Step:
    """One source folder of a capture set, checked: its source, time and page files (not yet read)."""

    spec: SourceSpec
    when: datetime
    fetched_at: datetime
    pages: list[tuple[Path, PageMeta]]
    url: str


def check_source(folder: Path, when: datetime) -> Step:
    """Everything about a folder that can be wrong, found before anything is stored."""
    meta = read_meta(folder)
    spec = _spec(folder, meta)
    if meta.pages:
        entries = meta.pages
    else:
        files = sorted(p for p in folder.iterdir() if p.name != "meta.json" and not p.name.startswith("."))
        entries = [PageMeta(file=p.name) for p in files if p.is_symlink() or p.is_file()]
    pages = [(_page_path(folder, entry.file), entry) for entry in entries]
    return Step(spec, when, meta.fetched_at or when, pages, meta.url or spec.url)


def load_pages(step: Step) -> FetchResult:
    """The step's pages, as the fetcher would have returned them."""
    pages = []
    for path, entry in step.pages:
        body = path.read_bytes()
        url = entry.url or step.url
        pages.append(
            Page(
                url=url,
                status=entry.status,
                headers={k.lower(): str(v) for k, v in entry.headers.items()},
                fetched_at=step.fetched_at,
                sha256=hashlib.sha256(body).hexdigest(),
                size=len(body),
                request=Request(url),
                body=body,
            )
        )
    return FetchResult(pages=pages)


def replay(
    workspace: Workspace,
    capture_dir: Path,
    *,
    progress: Callable[[str, datetime, RunResult], None] | None = None,
) -> Summary:
    """Ingest a capture set in time order, each folder as a run fetched at its recorded time.

    Every folder is checked first (meta.json, page paths): a capture set with a fault stores nothing."""
    steps = [check_source(folder, when) for when, folder in plan(capture_dir)]
    summary = Summary()
    for step in steps:
        result = replay_one(workspace, step.spec, load_pages(step), step.when)
        summary.results.append(result)
        if progress:
            progress(step.spec.id, step.when, result)
    return summary


def replay_one(workspace: Workspace, spec: SourceSpec, fetched: FetchResult, when: datetime) -> RunResult:
    """Store one recorded snapshot through the run lifecycle, as a live run fetched at ``when``."""
    claimed, _ = lifecycle.claim(workspace, [(spec, None)], when)
    if not claimed:
        return RunResult(spec.id, "busy", error=BUSY)
    return lifecycle.store(workspace, claimed[0], fetched, when)

"""Report files in the workspace, and generating new ones through ``veille.reports``."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.errors import ConfigError, NotFoundError, ValidationError
from veille.workspace import Workspace

KINDS = ("analysis", "digest", "battlecard")
FORMATS = ("md", "html", "pdf")
LANGS = ("fr", "en")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
MEDIA = {
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
}


@dataclass
class ReportFile:
    name: str
    size: int
    modified: datetime

    @property
    def format(self) -> str:
        return self.name.rsplit(".", 1)[-1] if "." in self.name else ""


def files(ws: Workspace, limit: int = 200) -> list[ReportFile]:
    """Report files, newest first."""
    folder = ws.settings.reports_dir
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        if path.is_file() and SAFE_NAME.match(path.name) and path.suffix in MEDIA:
            stat = path.stat()
            out.append(ReportFile(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    out.sort(key=lambda f: f.modified, reverse=True)
    return out[:limit]


def path_of(ws: Workspace, name: str) -> Path:
    """The file ``name`` in the reports folder (never anywhere else)."""
    if not SAFE_NAME.match(name) or Path(name).suffix not in MEDIA:
        raise NotFoundError(f"no report {name!r}")
    path = ws.settings.reports_dir / name
    if not path.is_file():
        raise NotFoundError(f"no report {name!r}")
    return path


def _renderer() -> Any | None:
    try:
        module = importlib.import_module("veille.reports")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("veille.reports"):
            return None
        raise
    for name in ("write_report", "generate", "render_report", "build"):
        if hasattr(module, name):
            return getattr(module, name)
    return None


def available() -> bool:
    return _renderer() is not None


def generate(ws: Workspace, kind: str, lang: str, fmt: str, competitor: str | None) -> ReportFile:
    """Write a new report into the reports folder and return it."""
    if kind not in KINDS or lang not in LANGS or fmt not in FORMATS:
        raise ValidationError("unknown report kind, language or format")
    if kind == "battlecard" and not competitor:
        raise ValidationError("a battlecard needs a competitor")
    fn = _renderer()
    if fn is None:
        raise ConfigError("report generation is not installed in this version")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = f"-{competitor}" if kind == "battlecard" and competitor else ""
    target = ws.settings.reports_dir / f"{kind}{suffix}-{lang}-{stamp}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {"lang": lang}
    if "fmt" in params:
        kwargs["fmt"] = fmt
    elif "format" in params:
        kwargs["format"] = fmt
    if "competitor" in params:
        kwargs["competitor"] = competitor
    if "out" in params:
        kwargs["out"] = target
    elif "output" in params:
        kwargs["output"] = target
    result = fn(ws, kind, **kwargs)
    if not target.is_file():
        if isinstance(result, bytes):
            target.write_bytes(result)
        elif isinstance(result, str):
            target.write_text(result, encoding="utf-8")
        elif isinstance(result, Path) and result.is_file():
            target = result
        else:
            raise ConfigError("the report generator returned nothing")
    stat = target.stat()
    return ReportFile(target.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

"""Report files in the workspace, and generating new ones through ``veille.reports``."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.errors import ConfigError, NotFoundError, ValidationError
from veille.workspace import Workspace

KINDS = ("analysis", "digest", "review", "battlecard")
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


def _reports() -> Any | None:
    try:
        return importlib.import_module("veille.reports")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("veille.reports"):
            return None
        raise


def available() -> bool:
    module = _reports()
    return module is not None and hasattr(module, "produce")


def kinds() -> tuple[str, ...]:
    module = _reports()
    return tuple(getattr(module, "KINDS", KINDS)) if module is not None else KINDS


def generate(ws: Workspace, kind: str, lang: str, fmt: str, competitor: str | None) -> ReportFile:
    """Produce a report with ``veille.reports`` and write it into the workspace's reports folder."""
    if kind not in kinds() or lang not in LANGS or fmt not in FORMATS:
        raise ValidationError("unknown report kind, language or format")
    if kind == "battlecard" and not competitor:
        raise ValidationError("a battlecard needs a competitor")
    module = _reports()
    if module is None or not hasattr(module, "produce"):
        raise ConfigError("report generation is not installed in this version")
    with ws.store.session() as session:
        report = module.produce(
            session, kind, lang, fmt, datetime.now(UTC), competitor if kind == "battlecard" else None
        )
    path = module.write(report, ws.settings.reports_dir)
    stat = path.stat()
    return ReportFile(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

"""Report files in the workspace, and generating new ones through ``veille.reports``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from veille import reports as reporting
from veille.errors import NotFoundError, ValidationError
from veille.kb.schema import LANGS, Lang
from veille.reports import FORMATS, KINDS
from veille.workspace import Workspace

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


def generate(ws: Workspace, kind: str, lang: str, fmt: str, competitor: str | None) -> ReportFile:
    """Produce a report with ``veille.reports`` and write it into the workspace's reports folder."""
    if kind not in KINDS or lang not in LANGS or fmt not in FORMATS:
        raise ValidationError("unknown report kind, language or format")
    if kind == "battlecard" and not competitor:
        raise ValidationError("a battlecard needs a competitor")
    with ws.store.session() as session:
        report = reporting.produce(
            session,
            kind,
            cast(Lang, lang),
            fmt,
            datetime.now(UTC),
            competitor if kind == "battlecard" else None,
        )
    path = reporting.write(report, ws.settings.reports_dir)
    stat = path.stat()
    return ReportFile(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

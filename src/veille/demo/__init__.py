"""``veille demo``: the main job, offline, in accelerated time.

Three weekly states of fifteen real sources are served on loopback; the real pipeline and scheduler
run over them week by week (a manual clock jumps a week between cycles); the alerts go through the
file channel to ``DIR/alerts.jsonl``; the reports are written to ``DIR/reports/``. The served bodies
are also written as a capture set under ``DIR/capture-sets/`` (``veille replay`` reads it).
"""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veille.demo import claims_story, scenario
from veille.demo.server import DemoServer
from veille.errors import ConfigError
from veille.reports.render import pdf_problem
from veille.settings import Settings
from veille.sources import SourceSpec, get_source
from veille.store.models import Alert, EventRow
from veille.workspace import Workspace

MARKER = ".veille-demo"
BATTLECARDS = ("ovhcloud", "scaleway", "hetzner", "infomaniak", "digitalocean")
_EXT = {"application/json": "json", "text/xml": "xml", "application/rss+xml": "xml"}


@dataclass
class DemoResult:
    home: Path
    weeks: list[datetime]
    events: Counter[str] = field(default_factory=Counter)
    alerts: int = 0
    failed_runs: int = 0
    reports: list[Path] = field(default_factory=list)


def _prepare(out: Path) -> None:
    """An empty folder for the demo; a previous demo there is replaced, anything else is refused."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise ConfigError(f"{out} exists and is not a veille demo workspace; choose another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("created by `veille demo`; removed and rebuilt by the next run\n")


def _write_capture_set(out: Path, at: datetime, captures: list[scenario.Capture]) -> None:
    folder = out / "capture-sets" / at.strftime("%Y-%m-%dT%H-%M-%SZ")
    for capture in captures:
        ext = _EXT.get(capture.response.content_type.split(";")[0], "html")
        target = folder / capture.source_id
        target.mkdir(parents=True, exist_ok=True)
        (target / f"page-1.{ext}").write_bytes(capture.response.body)


def weeks(today: datetime | None = None) -> list[datetime]:
    """The three state times: two weeks ago, one week ago and now (on the hour), so nothing is in the future."""
    end = (today or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    return [end - (scenario.STEPS - 1 - i) * scenario.WEEK for i in range(scenario.STEPS)]


def run_demo(out: Path, say: Callable[[str], None] = print, *, pdf: bool = True) -> DemoResult:
    """Build the demo workspace in ``out`` and return what it found."""
    from veille.act.rules import ensure_defaults
    from veille.kb.store import load_bundled
    from veille.watch.clock import ManualClock
    from veille.watch.scheduler import Scheduler

    _prepare(out)
    if pdf and (problem := pdf_problem()):
        say(f"PDF reports skipped: {problem}")
        pdf = False
    times = weeks()
    specs = {sid: get_source(sid) for sid in scenario.source_ids()}
    server = DemoServer()
    server.start()
    try:
        settings = Settings(
            home=out,
            database_url=f"sqlite:///{(out / 'veille.db').resolve()}",
            url_map=server.url_map(list(specs.values())),
            allowed_internal_hosts=[server.host],
            **scenario.TOKENS,  # type: ignore[arg-type]
        )
        ws = Workspace(settings)
        store, _ = ws.init_store()
        load_bundled(store)
        with store.session() as session:
            ensure_defaults(session)
            _switch_on(session, specs.values())
        tokens = {
            "hetzner.server_types": scenario.TOKENS["hetzner_token"],
            "digitalocean.sizes": scenario.TOKENS["digitalocean_token"],
        }
        clock = ManualClock(times[0])
        scheduler = Scheduler(ws, clock=clock, specs=list(specs.values()))
        result = DemoResult(out, times)
        for step, at in enumerate(times):
            clock.current = at
            captures = scenario.state(step, times)
            _write_capture_set(out, at, captures)
            server.serve(captures, specs, tokens)
            report = asyncio.run(scheduler.run_cycle())
            failed = [r for r in report.results if r.status == "failed"]
            result.failed_runs += len(failed)
            say(
                f"week {step + 1} ({at:%Y-%m-%d}): {len(report.results)} sources run, {report.events} events, {len(failed)} failed"
            )
            if step == 1:
                for line in claims_story.decide(store, at):
                    say(line)
            if step == 0:
                result.reports += _reports(
                    ws,
                    at + timedelta(minutes=1),
                    out / "reports" / "editions",
                    kinds=("analysis",),
                    pdf=pdf,
                )
        clock.current = times[-1] + timedelta(minutes=1)
        scheduler.dispatch_now(include_digests=True)
        result.reports += _reports(ws, clock.current, out / "reports", pdf=pdf)
        for line in claims_story.summary(store):
            say(line)
        with store.session() as session:
            result.events = Counter(
                dict(session.execute(select(EventRow.kind, func.count()).group_by(EventRow.kind)).all())
            )
            result.alerts = (
                session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "sent")) or 0
            )
        store.dispose()
        return result
    finally:
        server.stop()


def _switch_on(session: Session, specs: Iterable[SourceSpec]) -> None:
    """Record in the workspace that the demo runs its unverified or off-by-default sources (as
    ``veille sources enable`` would), so its pages show them as the plan they ran in."""
    from veille.collect.lease import state

    for spec in specs:
        if not (spec.verified and spec.enabled_by_default):
            state(session, spec.id).enabled = True


def _reports(
    ws: Workspace,
    now: datetime,
    folder: Path,
    *,
    kinds: tuple[str, ...] = ("analysis", "digest", "review"),
    pdf: bool,
) -> list[Path]:
    """Every report of ``kinds`` (and, for the full set, a battlecard per competitor) in both languages,
    each one edition rendered into Markdown, HTML and (with ``pdf``) PDF."""
    from veille import reports

    formats = ("md", "html", "pdf") if pdf else ("md", "html")
    prefix = f"{now:%Y-%m-%d}-" if folder.name == "editions" else ""
    written = []
    with ws.store.session() as session:
        for lang in ("fr", "en"):
            jobs: list[tuple[str, str | None]] = [(kind, None) for kind in kinds]
            if kinds != ("analysis",):
                jobs += [("battlecard", competitor) for competitor in BATTLECARDS]
            for kind, competitor in jobs:
                for report in reports.produce_edition(session, kind, lang, formats, now, competitor):
                    named = reports.Report(prefix + report.filename, report.media_type, report.content)
                    written.append(reports.write(named, folder))
    return written

"""The watch plan's sources: the registry joined with their state (never a credential's value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError
from veille.settings import Settings
from veille.store.models import SourceRun, SourceState

RUN_STATUSES = ("running", "ok", "unchanged", "suspect", "late", "failed")
"""A source run's status (``source_runs.status``), as the run lifecycle writes it."""
WHY_DISABLED = ("unverified", "off_by_default", "operator", "credential")
"""Why a source is off (``SourceView.why_code``)."""


@dataclass
class SourceView:
    id: str
    competitor: str | None
    kind: str
    parser: str
    url: str
    cadence_seconds: int
    description: str
    enabled: bool
    why_disabled: str | None
    credential: str | None  # the setting's name
    credential_present: bool | None  # None: no credential needed
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    consecutive_failures: int
    next_run_at: datetime | None
    why_code: str | None = (
        None  # unverified, off_by_default, operator, credential: for labels in the reader's language
    )

    @property
    def health(self) -> str:
        """What its runs say: failing or ok after a run (even if it is switched off since, which
        ``why_disabled`` says beside it); never run, or disabled when it will not run either."""
        if self.last_status not in (None, "disabled", "busy"):  # a run that fetched something
            return "failing" if self.last_status in ("failed", "suspect") else "ok"
        return "never" if self.enabled else "disabled"


def _specs() -> list:  # type: ignore[type-arg,unused-ignore]
    from veille.sources import sources

    return list(sources())


def _switch(
    spec: Any, state: SourceState | None, present: bool | None
) -> tuple[bool, str | None, str | None]:
    """Whether a source runs, and if not why: in words (the API's) and as a ``WHY_DISABLED`` code."""
    if present is False:
        return False, f"credential {spec.credential} missing", "credential"
    if state is not None and state.enabled is not None:
        return (True, None, None) if state.enabled else (False, "disabled by an operator", "operator")
    if not spec.verified:
        return False, "unverified endpoint", "unverified"
    if not spec.enabled_by_default:
        return False, "off by default", "off_by_default"
    return True, None, None


def views(session: Session, settings: Settings) -> list[SourceView]:
    """Every registered source with its state, sorted by competitor then id."""
    states = {s.source_id: s for s in session.scalars(select(SourceState))}
    out = []
    for spec in _specs():
        state = states.get(spec.id)
        present = None if spec.credential is None else settings.credential(spec.credential) is not None
        enabled, why, code = _switch(spec, state, present)
        out.append(
            SourceView(
                spec.id,
                spec.competitor,
                spec.kind,
                spec.parser,
                spec.url,
                int(spec.cadence.total_seconds()),
                spec.description,
                enabled,
                why,
                spec.credential,
                present,
                state.last_run_at if state else None,
                state.last_status if state else None,
                state.last_error if state else None,
                state.consecutive_failures if state else 0,
                state.next_run_at if state else None,
                code,
            )
        )
    out.sort(key=lambda v: (v.competitor or "~", v.id))
    return out


def health_counts(items: list[SourceView]) -> dict[str, int]:
    counts = {"ok": 0, "failing": 0, "never": 0, "disabled": 0}
    for item in items:
        counts[item.health] += 1
    return counts


def set_enabled(session: Session, source_id: str, enabled: bool) -> None:
    """Enable or disable a source (the operator's choice, kept in ``source_state``)."""
    if source_id not in {s.id for s in _specs()}:
        raise NotFoundError(f"no source {source_id!r}")
    state = session.get(SourceState, source_id)
    if state is None:
        session.add(SourceState(source_id=source_id, enabled=enabled, consecutive_failures=0))
    else:
        state.enabled = enabled


def runs(session: Session, source_id: str, limit: int = 20) -> list[SourceRun]:
    query = select(SourceRun).where(SourceRun.source_id == source_id).order_by(SourceRun.id.desc())
    return list(session.scalars(query.limit(limit)))

"""Which sources are enabled, and why not; choosing the sources of a run."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from veille.errors import NotFoundError
from veille.settings import Settings
from veille.sources import SourceSpec, get_source, sources
from veille.sources.fetcher import credential_problem
from veille.store.models import SourceState


def why_disabled(spec: SourceSpec, settings: Settings, state: SourceState | None) -> str | None:
    """Why ``spec`` does not run (missing credential, switched off, unverified), or None if it runs."""
    problem = credential_problem(spec, settings)
    if problem:
        return problem
    if state is not None and state.enabled is not None:
        return None if state.enabled else "disabled by `veille sources disable`"
    if not spec.verified:
        return "endpoint unverified: enable it with `veille sources enable` once checked"
    if not spec.enabled_by_default:
        return "off by default: `veille sources enable` turns it on"
    return None


def states(session: Session) -> dict[str, SourceState]:
    return {row.source_id: row for row in session.scalars(select(SourceState))}


def choose(
    session: Session,
    settings: Settings,
    *,
    ids: Sequence[str] = (),
    kind: str | None = None,
) -> tuple[list[SourceSpec], dict[str, str]]:
    """The sources to run now and the skipped ones with their reason.

    Named sources (``ids``) run even if switched off, but never without their credential.
    """
    known = states(session)
    chosen = [get_source(i) for i in ids] if ids else list(sources())
    if kind:
        kinds = {s.kind for s in sources()}
        if kind not in kinds:
            raise NotFoundError(f"no source of kind {kind!r}; kinds: {', '.join(sorted(kinds)) or 'none'}")
        chosen = [s for s in chosen if s.kind == kind]
    run: list[SourceSpec] = []
    skipped: dict[str, str] = {}
    for spec in chosen:
        reason = why_disabled(spec, settings, known.get(spec.id))
        if reason and (not ids or credential_problem(spec, settings)):
            skipped[spec.id] = reason
        else:
            run.append(spec)
    return run, skipped

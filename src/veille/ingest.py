"""Where observations meet the store: one ingestor per observation type.

The collection runner calls ``ingest`` once per source run, inside that run's single transaction,
with every observation the run produced (a full snapshot of the source). Each ingestor writes its
history rows and returns the changes it found as ``EventDraft``s; the runner stores those (dedup by
``dedup_key``) and hands them to ``veille.act.route_events`` in the same transaction.

Ingestors live in the modules of ``veille.detect`` (found by walking the package) and register with
``@ingestor("offer")`` and so on.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from veille.events import EventDraft
from veille.observations import Observation
from veille.settings import Settings
from veille.sources._registry import SourceSpec


@dataclass
class IngestContext:
    """What an ingestor knows about the run it is storing."""

    session: Session
    source: SourceSpec
    run_id: int | None
    now: datetime  # when the snapshot was fetched (replays pass the recorded time)
    settings: Settings
    capture_ids: list[int] = field(default_factory=list)
    url: str | None = None  # the first request's URL, for evidence
    # events held earlier and released in this transaction (a held snapshot confirmed by this run):
    # the run routes them with its own new events (``veille.collect.record.record_events``)
    released: list[Any] = field(default_factory=list)


Ingestor = Callable[[IngestContext, Sequence[Observation]], list[EventDraft]]
_INGESTORS: dict[str, list[Ingestor]] = defaultdict(list)
_SNAPSHOT_KINDS: dict[str, set[str]] = defaultdict(set)  # observation type -> source kinds
_LOADED = False


def ingestor(observation_type: str, *, snapshot_of: Sequence[str] = ()) -> Callable[[Ingestor], Ingestor]:
    """Register an ingestor of one observation type (``Offer.type``, ``Incident.type``...).

    Several detectors may read the same type (feed items feed both features and funding); they run
    in module order. ``snapshot_of`` names source kinds (``"jobs"``) whose runs are full snapshots:
    the ingestor is then called even when a run yields none of its observations (an emptied board).
    """

    def register(func: Ingestor) -> Ingestor:
        funcs = _INGESTORS[observation_type]
        if func not in funcs:
            funcs.append(func)
        _SNAPSHOT_KINDS[observation_type].update(snapshot_of)
        return func

    return register


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("veille.detect")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"veille.detect.{info.name}")
    _LOADED = True


def ingest(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Store a run's observations, type by type, and return the changes found.

    Every type the source's parser can produce gets its ingestor called, even with an empty list, so a
    snapshot can close what disappeared.
    """
    _load()
    by_type: dict[str, list[Observation]] = defaultdict(list)
    for type_name, kinds in _SNAPSHOT_KINDS.items():
        if ctx.source.kind in kinds:
            by_type[type_name] = []
    for obs in observations:
        by_type[obs.type].append(obs)
    drafts: list[EventDraft] = []
    for type_name, items in by_type.items():
        funcs = _INGESTORS.get(type_name)
        if not funcs:
            raise LookupError(f"no ingestor for observations of type {type_name!r}")
        for func in funcs:
            drafts.extend(func(ctx, items))
    return drafts

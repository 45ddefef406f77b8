"""Where observations meet the store: one ingestion interface for every kind of observation.

A run's observations go into an ``Ingestion`` (inside the run's single transaction) batch by batch,
page by page, then ``finish`` returns the changes found as ``EventDraft``s; the runner records those
(``veille.collect.record.record_events``). Each observation type has one way in:

- a **sink** (``@sink("offer")``): an object fed batches as they are parsed (a catalogue of a million
  offers streams through it) and finished once; or
- an **ingestor** (``@ingestor("job")``): a function given the run's whole list at ``finish``.

``snapshot_of`` names source kinds (``"prices"``, ``"jobs"``) whose runs are full snapshots: their
sink or ingestor runs even when a run yields none of its observations (an emptied board closes what
left it). Sinks and ingestors live in the modules of ``veille.detect`` (found by walking the package).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from veille.events import EventDraft
from veille.observations import Observation
from veille.settings import Settings
from veille.sources import SourceSpec


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


class Sink(Protocol):
    """Takes a run's observations of one type in batches, then finishes (returning its events)."""

    def add(self, batch: Sequence[Observation], *, capture_id: int | None, url: str | None) -> None: ...

    def hold(self, reason: str) -> None:
        """Hold the run's snapshot for a person's decision (``reason``: why)."""

    def finish(self) -> list[EventDraft]: ...


SinkFactory = Callable[[IngestContext], Sink]
_SINKS: dict[str, SinkFactory] = {}
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


def sink(observation_type: str, *, snapshot_of: Sequence[str] = ()) -> Callable[[SinkFactory], SinkFactory]:
    """Register the sink of one observation type: ``factory(ctx)`` makes one per run that meets it."""

    def register(factory: SinkFactory) -> SinkFactory:
        _SINKS[observation_type] = factory
        _SNAPSHOT_KINDS[observation_type].update(snapshot_of)
        return factory

    return register


class Ingestion:
    """One run's ingestion: batches in (``add``), events out (``finish``)."""

    def __init__(self, ctx: IngestContext) -> None:
        _load()
        self.ctx = ctx
        self.sinks: dict[str, Sink] = {
            name: _SINKS[name](ctx)
            for name, kinds in _SNAPSHOT_KINDS.items()
            if ctx.source.kind in kinds and name in _SINKS
        }
        self.batched: dict[str, list[Observation]] = {
            name: []
            for name, kinds in _SNAPSHOT_KINDS.items()
            if ctx.source.kind in kinds and name not in _SINKS
        }

    def add(
        self, batch: Sequence[Observation], *, capture_id: int | None = None, url: str | None = None
    ) -> None:
        """Feed one batch (a page's observations): to each type's sink now, or kept for its ingestor."""
        by_type: dict[str, list[Observation]] = defaultdict(list)
        for obs in batch:
            by_type[obs.type].append(obs)
        for name, items in by_type.items():
            if name in _SINKS:
                if name not in self.sinks:
                    self.sinks[name] = _SINKS[name](self.ctx)
                self.sinks[name].add(items, capture_id=capture_id, url=url)
            elif name in _INGESTORS:
                self.batched.setdefault(name, []).extend(items)
            else:
                raise LookupError(f"no ingestor for observations of type {name!r}")

    def hold(self, reason: str) -> None:
        """Hold the run's snapshots (a reading a person must check): every sink is told why."""
        for each in self.sinks.values():
            each.hold(reason)

    def finish(self) -> list[EventDraft]:
        """The ingestors over their lists, then every sink finished: the events of the run."""
        drafts: list[EventDraft] = []
        for name, items in self.batched.items():
            for func in _INGESTORS[name]:
                drafts.extend(func(self.ctx, items))
        for each in self.sinks.values():
            drafts.extend(each.finish())
        return drafts


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
    """Store a run's observations in one batch and return the changes found (``Ingestion``)."""
    ingestion = Ingestion(ctx)
    capture_id = ctx.capture_ids[0] if ctx.capture_ids else None
    ingestion.add(observations, capture_id=capture_id, url=ctx.url)
    return ingestion.finish()

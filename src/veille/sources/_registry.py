"""The source and parser registry.

Each module of ``veille.sources`` (one per provider or platform) declares:

- parsers, with the ``@parser("platform.document", reads="...")`` decorator: pure functions
  ``(body, ctx) -> list[Observation]`` that raise ``ParseError`` on an unknown shape;
- ``SOURCES``: a list of ``SourceSpec``, the endpoints to fetch, for which competitor, how often.

The registry finds the modules by walking the package, so a new source for a competitor veille
already knows is one module here (or one more ``SourceSpec`` in an existing one) plus, for a new
parser, a fixture and its case in ``FIXTURE_CASES`` (tests/test_contract.py), and a line in
docs/sources.md. A module whose sources follow the competitors (a mention search, a review page, a job
board by slug) also declares ``for_competitor(record) -> list[SourceSpec]``, built from the record's
``identifiers`` (``veille.kb.ids``): a new competitor needs no code at all, only its record
(``veille competitors add``) and, if the analysis is to speak of it, its sheet in the knowledge base.
A retired competitor's sources leave ``sources()`` (its history stays; ``get_source`` still finds them).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import IO, Any, Protocol

from veille.errors import NotFoundError
from veille.kb import ids
from veille.observations import Observation


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the body: which source, which URL, when it was fetched."""

    source_id: str
    competitor: str | None
    url: str
    fetched_at: datetime
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


class ParseFn(Protocol):
    def __call__(self, body: Any, ctx: ParseContext, /) -> list[Observation]: ...


@dataclass(frozen=True)
class ParserInfo:
    """A registered parser. ``streaming`` parsers receive a binary file object instead of bytes."""

    id: str
    reads: str
    func: ParseFn
    streaming: bool = False
    module: str = ""


@dataclass(frozen=True)
class Request:
    """One HTTP request of a source (pagination yields several).

    ``then`` queues requests to make after this one when the paginator has no next page for it: a
    listing can fan out to the documents it lists.
    """

    url: str
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    then: tuple[Request, ...] = ()

    def after(self, following: Request | None) -> Request | None:
        """The request to make after this one: the paginator's ``following`` (which inherits this
        request's queue), else the first queued request (carrying the rest)."""
        if following is not None:
            return replace(following, then=following.then + self.then) if self.then else following
        return replace(self.then[0], then=self.then[0].then + self.then[1:]) if self.then else None


# A paginator gets the request just made, its response headers and body, and returns the next request
# or None (the fetcher then takes the request's queued ``then``, if any).
Paginator = Callable[[Request, Mapping[str, str], bytes], "Request | None"]


@dataclass(frozen=True)
class SourceSpec:
    """One endpoint to watch.

    ``credential`` names a Settings field (``hetzner_token``); ``auth`` turns its value into headers
    or params. ``html`` sources are checked against robots.txt. ``verified`` is False for endpoints
    not yet checked against a live answer: they are disabled by default until someone checks them.
    """

    id: str
    competitor: str | None
    kind: str  # prices, fx, incidents, changelog, mentions, reviews, jobs, funding, availability
    parser: str
    url: str
    cadence: timedelta
    description: str = ""
    method: str = "GET"
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    credential: str | None = None
    also_needs: tuple[str, ...] = ()  # further Settings credentials the source's auth reads itself
    auth: Callable[[str], Mapping[str, Mapping[str, str]]] | None = None
    paginate: Paginator | None = None
    html: bool = False
    streaming: bool = False
    verified: bool = True
    enabled_by_default: bool = True
    max_pages: int = 1000

    def first_request(self) -> Request:
        return Request(self.url, self.method, dict(self.params), dict(self.headers), self.json)


def bearer(token: str) -> Mapping[str, Mapping[str, str]]:
    """``Authorization: Bearer TOKEN``."""
    return {"headers": {"Authorization": f"Bearer {token}"}}


_PARSERS: dict[str, ParserInfo] = {}
_SOURCES: dict[str, SourceSpec] = {}
# ``for_competitor`` of each module, and what they built for the installed records (by generation).
Builder = Callable[[ids.CompetitorRecord], Sequence[SourceSpec]]
_BUILDERS: list[Builder] = []
_DERIVED: tuple[int, dict[str, SourceSpec]] = (-1, {})
_LOADED = False
_LOADING = threading.RLock()


def parser(parser_id: str, *, reads: str, streaming: bool = False) -> Callable[[ParseFn], ParseFn]:
    """Register a parser under ``parser_id`` (``<platform>.<document>``)."""

    def register(func: ParseFn) -> ParseFn:
        if parser_id in _PARSERS and _PARSERS[parser_id].func is not func:
            raise ValueError(f"parser {parser_id!r} registered twice")
        _PARSERS[parser_id] = ParserInfo(parser_id, reads, func, streaming, getattr(func, "__module__", ""))
        return func

    return register


def load() -> None:
    """Import every module of ``veille.sources`` once and collect their ``SOURCES``."""
    global _LOADED
    if _LOADED:
        return
    with _LOADING:  # the dashboard warms the registry in a thread while requests may already need it
        if _LOADED:
            return
        package = importlib.import_module("veille.sources")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"veille.sources.{info.name}")
            for spec in getattr(module, "SOURCES", ()):
                if spec.id in _SOURCES:
                    raise ValueError(f"source {spec.id!r} declared twice")
                _SOURCES[spec.id] = spec
            if callable(getattr(module, "for_competitor", None)):
                _BUILDERS.append(module.for_competitor)
        _LOADED = True


def _derived() -> dict[str, SourceSpec]:
    """The sources built from the installed competitor records (every record, retired ones too)."""
    global _DERIVED
    generation = ids.generation()
    if _DERIVED[0] == generation:
        return _DERIVED[1]
    built: dict[str, SourceSpec] = {}
    for record in ids.roster().records.values():
        for build in _BUILDERS:
            for spec in build(record):
                if spec.id not in _SOURCES:  # a module's own declaration wins over a derived twin
                    built.setdefault(spec.id, spec)
    _DERIVED = (generation, built)
    return built


def _watched(spec: SourceSpec) -> bool:
    found = ids.record(spec.competitor) if spec.competitor else None
    return found is None or not found.retired


def parsers() -> Sequence[ParserInfo]:
    """Every registered parser, sorted by id."""
    load()
    return [_PARSERS[k] for k in sorted(_PARSERS)]


def get_parser(parser_id: str) -> ParserInfo:
    load()
    try:
        return _PARSERS[parser_id]
    except KeyError:
        raise NotFoundError(f"no parser {parser_id!r}; `veille sources parsers` lists them") from None


def sources() -> Sequence[SourceSpec]:
    """Every source of a watched competitor (or of none), declared or built from the records, by id."""
    load()
    every = {**_derived(), **_SOURCES}
    return [every[k] for k in sorted(every) if _watched(every[k])]


def get_source(source_id: str) -> SourceSpec:
    load()
    try:
        return _SOURCES.get(source_id) or _derived()[source_id]
    except KeyError:
        raise NotFoundError(f"no source {source_id!r}; `veille sources list` lists them") from None


def parse_body(parser_id: str, body: bytes | IO[bytes], ctx: ParseContext) -> list[Observation]:
    """Run one parser on one body (bytes, or a binary file for streaming parsers)."""
    info = get_parser(parser_id)
    if info.streaming and isinstance(body, bytes):
        import io

        body = io.BytesIO(body)
    elif not info.streaming and not isinstance(body, bytes):
        body = body.read()
    return info.func(body, ctx)

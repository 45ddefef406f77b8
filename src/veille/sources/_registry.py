"""The source and parser registry.

Code declares how to read: each module of ``veille.sources`` (one per provider or platform) registers

- parsers, with the ``@parser("platform.document", reads="...")`` decorator: pure functions
  ``(body, ctx) -> list[Observation]`` that raise ``ParseError`` on an unknown shape;
- named paginators (``@paginator("hn.next_window")``) and authentication schemes
  (``@auth_scheme("bearer")``) that watch-list entries refer to by name.

Data declares what to watch: the sources (endpoint, parser, competitor, cadence, options) are watch-list
entries, read in this order, a later one replacing an earlier one of the same id:

1. the sources that follow the competitors (a mention search, a review page, a job board by slug, a
   feed): a module declaring ``for_competitor(record) -> list[SourceSpec]`` builds them from each
   competitor record's ``identifiers`` (``veille.kb.ids``), so a new competitor needs no code, only its
   record (``veille competitors add``); a retired competitor's sources leave ``sources()`` (its history
   stays, ``get_source`` still finds them);
2. the default watch list shipped with veille (``veille/sources/data/watchlist.yaml``);
3. the ``veille.sources`` entry points of installed packages (plugins: their own parsers and sources);
4. the workspace's own records (``veille sources add|edit|import``), installed by ``use_records``.

A new source of a kind veille reads is one watch-list entry (``veille sources add``), no code; a new
kind of document is a parser here, with a fixture and its case in ``FIXTURE_CASES``
(tests/test_contract.py), and a line in docs/sources.md.
"""

from __future__ import annotations

import importlib
import importlib.metadata
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
    options: Mapping[str, Any] = field(default_factory=dict)  # the source's options (selectors, field map)


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
    options: Mapping[str, Any] = field(default_factory=dict)  # what the parser reads besides the body
    origin: str = "builtin"  # builtin, plugin:<distribution>, or workspace

    def first_request(self) -> Request:
        return Request(self.url, self.method, dict(self.params), dict(self.headers), self.json)


AuthFn = Callable[[str], Mapping[str, Mapping[str, str]]]

_PARSERS: dict[str, ParserInfo] = {}
_PAGINATORS: dict[str, Paginator] = {}
_AUTH: dict[str, AuthFn] = {}
_SOURCES: dict[str, SourceSpec] = {}
_BASE: dict[str, SourceSpec] = {}  # the shipped and plugin sources, before the workspace's records
# ``for_competitor`` of each module, and what they built for the installed records (by generation).
Builder = Callable[[ids.CompetitorRecord], Sequence[SourceSpec]]
_BUILDERS: list[Builder] = []
_DERIVED: tuple[int, dict[str, SourceSpec]] = (-1, {})
_LOADED = False
_LOADING = threading.RLock()
ENTRY_POINT_GROUP = "veille.sources"


def _named(table: dict[str, Any], kind: str, name: str) -> Callable[[Any], Any]:
    def register(func: Any) -> Any:
        if table.get(name, func) is not func:
            raise ValueError(f"{kind} {name!r} registered twice")
        table[name] = func
        return func

    return register


def paginator(name: str) -> Callable[[Paginator], Paginator]:
    """Register a paginator under ``name`` for watch-list entries (``paginate: NAME``)."""
    return _named(_PAGINATORS, "paginator", name)


def auth_scheme(name: str) -> Callable[[AuthFn], AuthFn]:
    """Register an authentication scheme under ``name`` for watch-list entries (``auth: NAME``)."""
    return _named(_AUTH, "auth scheme", name)


@auth_scheme("bearer")
def bearer(token: str) -> Mapping[str, Mapping[str, str]]:
    """``Authorization: Bearer TOKEN``."""
    return {"headers": {"Authorization": f"Bearer {token}"}}


def get_paginator(name: str) -> Paginator:
    load_code()
    try:
        return _PAGINATORS[name]
    except KeyError:
        raise NotFoundError(f"no paginator {name!r} (known: {', '.join(sorted(_PAGINATORS))})") from None


def get_auth(name: str) -> AuthFn:
    load_code()
    try:
        return _AUTH[name]
    except KeyError:
        raise NotFoundError(f"no auth scheme {name!r} (known: {', '.join(sorted(_AUTH))})") from None


def name_of(func: Any) -> str | None:
    """The registered name of a paginator or auth scheme (None for None)."""
    if func is None:
        return None
    for table in (_PAGINATORS, _AUTH):
        for name, known in table.items():
            if known is func:
                return name
    raise ValueError(f"{func!r} is not a registered paginator or auth scheme")


def parser(parser_id: str, *, reads: str, streaming: bool = False) -> Callable[[ParseFn], ParseFn]:
    """Register a parser under ``parser_id`` (``<platform>.<document>``)."""

    def register(func: ParseFn) -> ParseFn:
        if parser_id in _PARSERS and _PARSERS[parser_id].func is not func:
            raise ValueError(f"parser {parser_id!r} registered twice")
        _PARSERS[parser_id] = ParserInfo(parser_id, reads, func, streaming, getattr(func, "__module__", ""))
        return func

    return register


_CODE_LOADED = False


def load_code() -> None:
    """Import every module of ``veille.sources`` once: their parsers, paginators and auth schemes."""
    global _CODE_LOADED
    if _CODE_LOADED:
        return
    with _LOADING:
        if _CODE_LOADED:
            return
        package = importlib.import_module("veille.sources")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"veille.sources.{info.name}")
            if callable(getattr(module, "for_competitor", None)):
                _BUILDERS.append(module.for_competitor)
        _CODE_LOADED = True


def load() -> None:
    """Load the parsers, then the shipped watch list and the plugins' sources (see the module's doc)."""
    global _LOADED
    if _LOADED:
        return
    with _LOADING:  # the dashboard warms the registry in a thread while requests may already need it
        if _LOADED:
            return
        load_code()  # imports ``veille.sources.watchlist``, which says how to read the watch list
        base = {spec.id: spec for spec in _WATCH_LIST["shipped"]()}
        for spec in _plugin_sources():
            base[spec.id] = spec
        _BASE.clear()
        _BASE.update(base)
        _SOURCES.clear()
        _SOURCES.update(base)
        _LOADED = True


_WATCH_LIST: dict[str, Callable[..., Any]] = {}


def watch_list_format(*, shipped: Callable[[], list[SourceSpec]], entry: Callable[..., SourceSpec]) -> None:
    """How the watch list is read (``veille.sources.watchlist`` tells the registry when imported): the
    shipped list, and one entry of a plugin's list."""
    _WATCH_LIST.update(shipped=shipped, entry=entry)


def _derived() -> dict[str, SourceSpec]:
    """The sources built from the installed competitor records (every record, retired ones too)."""
    global _DERIVED
    generation = ids.generation()
    if _DERIVED[0] == generation:
        return _DERIVED[1]
    built: dict[str, SourceSpec] = {}
    for record in ids.roster().records.values():
        for build in _BUILDERS:
            for spec in build(record):  # a watch-list entry of the same id wins (``sources``)
                built.setdefault(spec.id, spec)
    _DERIVED = (generation, built)
    return built


def _watched(spec: SourceSpec) -> bool:
    found = ids.record(spec.competitor) if spec.competitor else None
    return found is None or not found.retired


def _plugin_sources() -> list[SourceSpec]:
    """The sources of every ``veille.sources`` entry point: a module (its ``SOURCES``) or a callable
    returning them; entries are ``SourceSpec`` objects or watch-list mappings."""
    spec_from_entry = _WATCH_LIST["entry"]
    found: list[SourceSpec] = []
    for point in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        target = point.load()
        entries = target() if callable(target) else getattr(target, "SOURCES", ())
        origin = f"plugin:{point.dist.name if point.dist else point.name}"
        for entry in entries:
            spec = entry if isinstance(entry, SourceSpec) else spec_from_entry(entry)
            found.append(replace(spec, origin=origin))
    return found


_RECORDS: set[str] = set()  # the ids ``use_records`` installed last


def use_records(specs: Sequence[SourceSpec]) -> None:
    """Install a workspace's own sources over the shipped and plugin ones (replacing the previous set)."""
    load()
    with _LOADING:
        for source_id in _RECORDS:
            if source_id in _BASE:
                _SOURCES[source_id] = _BASE[source_id]
            else:
                _SOURCES.pop(source_id, None)
        _RECORDS.clear()
        for spec in specs:
            _SOURCES[spec.id] = spec
            _RECORDS.add(spec.id)


_REFRESH: list[Callable[[], None]] = []


def on_miss(refresh: Callable[[], None] | None) -> None:
    """What ``get_source`` calls once before saying an id is unknown: the open workspace re-reads its
    records (a source added by another process since)."""
    _REFRESH[:] = [refresh] if refresh is not None else []


def refresh() -> None:
    """Re-read the open workspace's records, if a workspace said how."""
    for hook in list(_REFRESH):
        hook()


def builtin(source_id: str) -> SourceSpec | None:
    """The shipped or plugin source of this id (before the workspace's records), if any."""
    load()
    return _BASE.get(source_id) or _derived().get(source_id)


def parsers() -> Sequence[ParserInfo]:
    """Every registered parser, sorted by id."""
    load()
    return [_PARSERS[k] for k in sorted(_PARSERS)]


def has_parser(parser_id: str) -> bool:
    """Whether a parser of this id is registered (veille's own, or an already loaded plugin's)."""
    load_code()
    return parser_id in _PARSERS


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
    if source_id not in _SOURCES:
        refresh()
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

"""The shipped sources read by one module's parsers (the watch list is data; the modules hold parsers)."""

from __future__ import annotations

from types import ModuleType

from veille.sources import SourceSpec, get_parser, sources


def sources_of(module: ModuleType) -> list[SourceSpec]:
    """The shipped and plugin sources whose parser ``module`` registers, sorted by id."""
    return [
        s for s in sources() if s.origin != "workspace" and get_parser(s.parser).module == module.__name__
    ]

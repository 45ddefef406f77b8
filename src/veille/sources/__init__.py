"""Sources: one module per provider or platform (see ``_registry``)."""

from veille.sources._registry import (
    ParseContext,
    ParserInfo,
    Request,
    SourceSpec,
    bearer,
    get_parser,
    get_source,
    parse_body,
    parser,
    parsers,
    sources,
)

__all__ = [
    "ParseContext",
    "ParserInfo",
    "Request",
    "SourceSpec",
    "bearer",
    "get_parser",
    "get_source",
    "parse_body",
    "parser",
    "parsers",
    "sources",
]

"""Fetch a source once and parse it without storing anything: what ``veille sources add --check`` and
the dashboard's preview show before a source is saved.

The fetch goes through the normal fetcher (address checks of ``veille.netguard``, robots.txt, size and
time caps); the address of the URL is also checked before anything is sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from veille.errors import ValidationError, VeilleError
from veille.netguard import AddressRefused
from veille.settings import Settings
from veille.sources import ParseContext, SourceSpec, parse_body
from veille.sources.fetcher import Fetcher

MAX_SHOWN = 20


@dataclass
class Preview:
    """What one source would record: its observations (as dicts), or the one-line error."""

    source_id: str
    observations: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.count > 0


def check_address(url: str, settings: Settings) -> None:
    """Refuse a URL whose host (after ``url_map``) resolves to an address veille does not reach."""
    mapped = url
    for prefix in sorted(settings.url_map, key=len, reverse=True):
        if url.startswith(prefix):
            mapped = settings.url_map[prefix] + url[len(prefix) :]
            break
    parts = urlsplit(mapped)
    if not parts.hostname:
        raise ValidationError(f"{url}: no host")
    try:
        settings.address_guard.resolve_now(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        )
    except AddressRefused as error:
        raise ValidationError(f"{url}: {error}") from None
    except OSError as error:
        raise ValidationError(
            f"{url}: {parts.hostname} does not resolve ({error.strerror or error})"
        ) from None


async def _preview(spec: SourceSpec, settings: Settings) -> Preview:
    preview = Preview(spec.id)
    try:
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch_source(spec)
        try:
            for page in result.pages:
                ctx = ParseContext(spec.id, spec.competitor, page.url, page.fetched_at,
                                   dict(page.request.params), page.headers, spec.options)  # fmt: skip
                found = parse_body(spec.parser, page.read(), ctx)
                preview.count += len(found)
                room = MAX_SHOWN - len(preview.observations)
                preview.observations += [o.to_dict() for o in found[: max(room, 0)]]
        finally:
            result.discard()
        if preview.count == 0:
            preview.error = "the source answered but its parser found nothing to record"
    except VeilleError as error:
        preview.error = str(error)
    except Exception as error:  # a parser bug or an unforeseen shape: one line, never a traceback
        preview.error = f"{type(error).__name__}: {error}"
    return preview


def preview(specs: list[SourceSpec], settings: Settings) -> list[Preview]:
    """Fetch and parse each of ``specs`` once (no database)."""
    for spec in specs:
        check_address(spec.url, settings)

    async def run() -> list[Preview]:
        return [await _preview(spec, settings) for spec in specs]

    return asyncio.run(run())

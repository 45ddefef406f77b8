"""The fetcher's public names, for collection and the scheduler (the code is in ``_http``)."""

from veille.sources._http import (
    Fetcher,
    FetchResult,
    HostPools,
    Page,
    credential_problem,
    http_client,
    parsed_url,
    retry_after_seconds,
)

__all__ = [
    "FetchResult",
    "Fetcher",
    "HostPools",
    "Page",
    "credential_problem",
    "http_client",
    "parsed_url",
    "retry_after_seconds",
]

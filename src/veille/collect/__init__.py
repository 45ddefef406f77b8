"""The collection pipeline: run sources (fetch, capture, parse, store, detect, act) and replay captures."""

from veille.collect.result import RunResult, Summary
from veille.collect.runner import Progress, arun_sources, run_source, run_sources
from veille.collect.select import choose, why_disabled

__all__ = [
    "Progress",
    "RunResult",
    "Summary",
    "arun_sources",
    "choose",
    "run_source",
    "run_sources",
    "why_disabled",
]

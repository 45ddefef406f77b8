"""What a source run did (``RunResult``) and what a batch of runs did (``Summary``)."""

from __future__ import annotations

from dataclasses import dataclass, field

BUSY = "already running (another live process holds its lease)"


@dataclass
class RunResult:
    """What one source run did. ``status``: ok, unchanged, suspect, failed, disabled, busy, late.

    ``late``: the snapshot was fetched before the source's stored state; kept, not compared.
    """

    source_id: str
    status: str
    run_id: int | None = None
    observations: int = 0
    events: int = 0
    pages: int = 0
    bytes: int = 0
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Summary:
    """The results of a batch of runs."""

    results: list[RunResult] = field(default_factory=list)
    stopped_by: int | None = None  # the signal that stopped the runs (SIGTERM, SIGINT), if one did

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def all_failed(self) -> bool:
        ran = [r for r in self.results if r.status not in ("disabled", "busy")]
        return bool(ran) and all(r.status == "failed" for r in ran)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)

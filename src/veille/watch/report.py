"""What a watch reports: each pass of the loop, and the totals since it started."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.collect.result import RunResult


@dataclass
class CycleReport:
    """A pass of the loop: the runs that finished in it and the alerts sent after them."""

    number: int
    started_at: datetime
    due: int = 0
    results: list[RunResult] = field(default_factory=list)
    alerts_sent: int = 0
    alerts_retried: int = 0
    seconds: float = 0.0

    @property
    def statuses(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.results)

    def line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())) or "no run"
        return (
            f"{len(self.results)} run(s) ({counts}), {self.events} event(s), "
            f"{self.alerts_sent} alert(s) sent, {self.seconds:.2f}s"
        )


@dataclass
class Totals:
    """Everything a watch did since it started: runs by source and status, events, alerts."""

    runs: dict[str, Counter[str]] = field(default_factory=dict)
    events: Counter[str] = field(default_factory=Counter)
    alerts_sent: int = 0
    passes: int = 0

    def add(self, report: CycleReport) -> None:
        self.passes += 1
        self.alerts_sent += report.alerts_sent
        for r in report.results:
            self.runs.setdefault(r.source_id, Counter())[r.status] += 1
            self.events[r.source_id] += r.events

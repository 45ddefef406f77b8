"""The scheduler behind ``veille watch``: every source at its cadence, for as long as it runs.

The loop starts each source when it becomes due (``veille.plan`` gives each its cadence; a failing
source backs off exponentially, 5 minutes doubling up to 6 hours) and sends the outbox as runs finish.

- **Bounded and polite**: at most ``http_concurrency`` runs at once, and never more runs of one host
  than ``http_per_host`` (the fetcher's own per-host limit), so a busy host never holds the slots
  other hosts could use; a slow source never holds back the others (there is no cycle barrier).
- **Never twice at once**: each run takes the source's lease in ``source_state``
  (``veille.collect.lease``); a second scheduler on the same database finds it busy. A lease records
  its holder (``host:pid:start``) and a heartbeat the holder refreshes: a process killed mid-run
  loses its leases at once to the next run on its machine, and to any machine once its heartbeat is
  stale (``VEILLE_LEASE_HEARTBEAT_TIMEOUT``).
- **Nothing lost**: every run is one transaction (events and their alerts included); alerts are sent
  from the outbox afterwards. On SIGTERM/SIGINT no new run starts and the running ones finish; a
  second signal abandons those still fetching (leases given back, run rows ``abandoned``; the next
  start runs them again) and lets those in their transaction finish.
- **State in the database**: last and next run, consecutive failures, back-off.
- **Clock injected**: tests and the demo run in accelerated or manual time.
"""

from veille.watch.clock import AcceleratedClock, Clock, ManualClock, SystemClock
from veille.watch.pool import host_of
from veille.watch.report import CycleReport, Totals
from veille.watch.scheduler import Scheduler, due_at, retry_delay

__all__ = [
    "AcceleratedClock",
    "Clock",
    "CycleReport",
    "ManualClock",
    "Scheduler",
    "SystemClock",
    "Totals",
    "due_at",
    "host_of",
    "retry_delay",
]

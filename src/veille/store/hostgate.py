"""Per-host politeness held in PostgreSQL, shared by every worker (``veille.sources.politeness``).

Two small tables: ``host_slots`` (one row per host and slot; a slot is held by one request until it is
given back or its lease expires: the lease is the request's own deadline and a little more, so a killed
worker's slots come back by themselves as soon as its requests would have ended) and ``host_pace``
(when the next request to a host may start). Taking a slot is one ``UPDATE ... FOR UPDATE SKIP LOCKED``;
the pace is one upsert that reserves the next start time and says how long to wait for it.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta

from sqlalchemy import Engine, text

from veille.errors import FetchError

POLL_SECONDS = 0.02  # between two tries for a slot held elsewhere (with jitter)

_SEED = text(
    "INSERT INTO host_slots (host, slot) SELECT :host, s FROM generate_series(0, :n - 1) AS s "
    "ON CONFLICT DO NOTHING"
)
_TAKE = text(
    "UPDATE host_slots SET holder = :me, expires_at = now() + :ttl "
    "WHERE (host, slot) = (SELECT host, slot FROM host_slots WHERE host = :host AND slot < :n "
    "AND (holder IS NULL OR expires_at < now()) ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING slot"
)
_PACE = text(
    "INSERT INTO host_pace AS p (host, next_at) VALUES (:host, now() + :spacing) "
    "ON CONFLICT (host) DO UPDATE SET next_at = greatest(p.next_at, now()) + :spacing "
    "RETURNING extract(epoch FROM p.next_at - :spacing - now())"
)
_GIVE = text(
    "UPDATE host_slots SET holder = NULL, expires_at = NULL WHERE host = :host AND slot = :slot AND holder = :me"
)
_HOLD = text(
    "INSERT INTO host_pace AS p (host, next_at) VALUES (:host, now() + :wait) "
    "ON CONFLICT (host) DO UPDATE SET next_at = greatest(p.next_at, now() + :wait)"
)


class PgHostGate:
    """At most ``per_host`` requests in flight to a host across all workers, ``spacing`` seconds apart."""

    def __init__(self, engine: Engine, per_host: int, spacing: float = 0.0, margin: float = 5.0) -> None:
        self.engine, self.per_host = engine, max(1, per_host)
        self.spacing, self.margin = timedelta(seconds=max(0.0, spacing)), timedelta(seconds=margin)
        self.me = uuid.uuid4().hex
        self._seeded: set[str] = set()

    def _take(self, host: str, lease: timedelta) -> tuple[int | None, float]:
        """A free slot of ``host`` held for ``lease`` and the seconds to wait before starting, or (None, 0)
        if none is free."""
        with self.engine.begin() as conn:
            if host not in self._seeded:
                conn.execute(_SEED, {"host": host, "n": self.per_host})
                self._seeded.add(host)
            slot = conn.execute(
                _TAKE, {"me": self.me, "ttl": lease, "host": host, "n": self.per_host}
            ).scalar()
            if slot is None:
                return None, 0.0
            wait = conn.execute(_PACE, {"host": host, "spacing": self.spacing}).scalar()
        return int(slot), max(0.0, float(wait or 0))

    async def acquire(self, host: str, deadline: float) -> object:
        loop = asyncio.get_running_loop()
        until = loop.time() + deadline
        lease = timedelta(seconds=deadline) + self.margin  # a request never outlives its deadline
        while True:
            slot, wait = await asyncio.to_thread(self._take, host, lease)
            if slot is not None:
                break
            if loop.time() >= until:
                raise FetchError(
                    host,
                    f"no request slot for {host} freed up within {deadline:g}s (all workers' slots busy)",
                )
            await asyncio.sleep(POLL_SECONDS * (1 + random.random()))
        if wait > 0:
            if loop.time() + wait > until:
                await self.release(host, slot)
                raise FetchError(host, f"{host} asked every worker to wait {wait:.0f}s, past the deadline")
            await asyncio.sleep(wait)
        return slot

    async def release(self, host: str, slot: object) -> None:
        def give() -> None:
            with self.engine.begin() as conn:
                conn.execute(_GIVE, {"host": host, "slot": slot, "me": self.me})

        await asyncio.to_thread(give)

    async def hold(self, host: str, seconds: float) -> None:
        def hold() -> None:
            with self.engine.begin() as conn:
                conn.execute(_HOLD, {"host": host, "wait": timedelta(seconds=max(0.0, seconds))})

        await asyncio.to_thread(hold)

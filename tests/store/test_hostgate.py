"""Per-host politeness shared by workers, held in PostgreSQL (``veille.store.hostgate``)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from tests.conftest import _postgres_database

from veille.errors import FetchError
from veille.settings import Settings
from veille.sources._http import Fetcher
from veille.sources._registry import Request
from veille.store.db import Store, migrate
from veille.store.hostgate import PgHostGate


@pytest.fixture
def engines() -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one fresh database: two workers' connections."""
    gen = _postgres_database()
    url = next(gen)
    first, second = Store(url), Store(url)
    migrate(first.engine)
    yield first.engine, second.engine
    first.dispose()
    second.dispose()
    next(gen, None)


pytestmark = pytest.mark.postgres


def test_no_more_than_per_host_in_flight_across_workers(engines: tuple[Engine, Engine]) -> None:
    gates = [PgHostGate(engine, per_host=2) for engine in engines]
    in_flight, peak, done = 0, 0, 0

    async def request(gate: PgHostGate) -> None:
        nonlocal in_flight, peak, done
        slot = await gate.acquire("a.example", deadline=30)
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.03)
        in_flight -= 1
        await gate.release("a.example", slot)
        done += 1

    async def main() -> None:
        await asyncio.gather(*(request(gates[n % 2]) for n in range(10)), request(PgHostGate(engines[0], 2)))

    asyncio.run(main())
    assert done == 11 and peak == 2


def test_starts_are_spaced_and_a_retry_after_holds_every_worker(engines: tuple[Engine, Engine]) -> None:
    first, second = (
        PgHostGate(engines[0], per_host=4, spacing=0.2),
        PgHostGate(engines[1], per_host=4, spacing=0.2),
    )

    async def starts() -> list[float]:
        out = []
        for gate in (first, second, first):
            slot = await gate.acquire("b.example", deadline=30)
            out.append(time.monotonic())
            await gate.release("b.example", slot)
        return out

    times = asyncio.run(starts())
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(times))

    async def held() -> float:
        await first.hold("c.example", 0.5)
        started = time.monotonic()
        slot = await second.acquire("c.example", deadline=30)
        await second.release("c.example", slot)
        return time.monotonic() - started

    assert asyncio.run(held()) >= 0.45


def test_a_dead_workers_slot_comes_back_and_a_full_host_fails_at_the_deadline(
    engines: tuple[Engine, Engine],
) -> None:
    dead = PgHostGate(engines[0], per_host=1, margin=0.1)
    alive = PgHostGate(engines[1], per_host=1)

    async def main() -> None:
        await dead.acquire("d.example", deadline=0.2)  # never released: its worker was killed
        with pytest.raises(FetchError, match=r"no request slot for d\.example"):
            await alive.acquire("d.example", deadline=0.1)
        await asyncio.sleep(0.35)
        slot = await alive.acquire("d.example", deadline=5)
        await alive.release("d.example", slot)

    asyncio.run(main())


class RecordingGate:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def acquire(self, host: str, deadline: float) -> object:
        self.calls.append(("acquire", host))
        return 0

    async def release(self, host: str, slot: object) -> None:
        self.calls.append(("release", host))

    async def hold(self, host: str, seconds: float) -> None:
        self.calls.append(("hold", seconds))


def test_the_fetcher_passes_every_attempt_through_the_gate(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/p").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/p").respond_with_data('{"ok": true}', content_type="application/json")
    gate = RecordingGate()
    settings = Settings(http_retries=2, allowed_internal_hosts="127.0.0.1,localhost")

    async def fetch() -> bytes:
        async def no_sleep(_seconds: float) -> None:
            return None

        async with Fetcher(settings, gate=gate, sleep=no_sleep) as fetcher:
            page = await fetcher.fetch(Request(httpserver.url_for("/p")))
            assert page is not None
            return page.read()

    assert asyncio.run(fetch()) == b'{"ok": true}'
    assert gate.calls == [("acquire", "localhost"), ("hold", 1.0), ("release", "localhost"),
                          ("acquire", "localhost"), ("release", "localhost")]  # fmt: skip

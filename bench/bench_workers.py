"""Workers on several processes: 3,000 sources on 100 loopback hosts, PostgreSQL workspace, Procrastinate.

Each answer is delayed 50 ms; between the first and the measured cycle, 10% of the pages change. For 1,
2 and 4 ``veille worker`` processes (each running up to ``CONCURRENCY`` sources at once), one cycle is
timed from queueing the 3,000 sources to an empty queue, with the workers' CPU (their own rusage).
The loopback servers (one process, 127.0.0.1-100) count the requests in flight per host: the politeness
limit (``http_per_host``, held in PostgreSQL across the workers) must never be exceeded. Every change
must be detected once and nothing else.

Run: ``python -m bench workers`` (needs PostgreSQL at 127.0.0.1:5432; ``BENCH_PG`` names another
server). Figures go to stdout and ``bench/out/bench_workers.json``.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

HOSTS = 100
SOURCES = 3000
DELAY = 0.050
ITEMS = 3  # offers per page: a changed page moves the price of each
CHANGED_EVERY = 10  # page n changes when n % 10 == 3: 10%
PER_HOST = 2
CONCURRENCY = 50  # sources a worker runs at once
WORKER_COUNTS = tuple(int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(","))
PG = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
OUT = Path(__file__).resolve().parent / "out"


def page_body(n: int, generation: int) -> bytes:
    cents = 500 + 37 * n
    if generation >= 2 and n % CHANGED_EVERY == 3:
        cents = cents * (9 + generation) // 10
    items = [
        {"sku": f"s{n}-{k}", "name": f"Plan {n}.{k}", "hourly": f"{(cents + 11 * k) / 10000:.4f}"}
        for k in range(3)
    ]
    return json.dumps({"currency": "EUR", "items": items}).encode()


def serve(port: int, generation: Any, peaks: Any, ready: Any) -> None:
    """100 addresses on one port, 50 ms before each answer, the peak of requests in flight per host."""
    in_flight = [0] * HOSTS

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = int(writer.get_extra_info("sockname")[0].rsplit(".", 1)[1]) - 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                in_flight[host] += 1
                peaks[host] = max(peaks[host], in_flight[host])
                try:
                    await asyncio.sleep(DELAY)
                    body = page_body(int(path.rsplit("/", 1)[1]), generation.value)
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                    await writer.drain()
                finally:
                    in_flight[host] -= 1
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [
            await asyncio.start_server(handle, f"127.0.0.{h + 1}", port, backlog=1024) for h in range(HOSTS)
        ]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def register(port: int) -> list[Any]:
    """The bench's parser and its 3,000 sources, in this process's registry."""
    from bench.bench_watch import bench_parser
    from veille.sources import _registry
    from veille.sources._registry import SourceSpec

    bench_parser()
    specs = [
        SourceSpec(
            id=f"bench.w{n}",
            competitor="hetzner",
            kind="prices",
            parser="bench.prices",
            url=f"http://127.0.0.{n % HOSTS + 1}:{port}/p/{n}",
            cadence=timedelta(hours=1),
        )
        for n in range(SOURCES)
    ]
    for spec in specs:
        _registry._SOURCES[spec.id] = spec
    return specs


def settings_env(home: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "VEILLE_HOME": str(home),
        "VEILLE_DATABASE_URL": url,
        "VEILLE_HTTP_RETRIES": "0",
        "VEILLE_HTTP_PER_HOST": str(PER_HOST),
        "VEILLE_ALLOWED_INTERNAL_HOSTS": "127.0.0.0/8",
    }


def worker_main(port: int) -> None:
    """A ``veille worker`` that knows the bench's sources (started as ``python -m bench.bench_workers``)."""
    from veille.runtime import collect_less
    from veille.watch.tasks import make_app, worker_options
    from veille.workspace import Workspace

    collect_less()
    register(port)
    ws = Workspace()
    make_app(ws).run_worker(**worker_options(ws, None, CONCURRENCY))


def fresh_database() -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"veille_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG.rsplit("/", 1)[0] + f"/{name}", drop


def queue_left(ws: Any) -> int:
    from sqlalchemy import text

    with ws.store.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
            ).scalar()
            or 0
        )


def cycle(ws: Any, specs: list[Any], workers: int, port: int, home: Path, url: str) -> dict[str, float]:
    """Queue every source, let ``workers`` processes run them; wall time and the workers' CPU."""
    from sqlalchemy import text

    from veille.watch.tasks import enqueue, make_app

    with ws.store.engine.begin() as conn:  # every source due again
        conn.execute(text("UPDATE source_state SET last_run_at = last_run_at - interval '2 hours'"))
    env = settings_env(home, url)
    procs = [
        subprocess.Popen([sys.executable, "-m", "bench.bench_workers", "worker", str(port)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1])
        for _ in range(workers)
    ]  # fmt: skip
    time.sleep(3)  # let them start (imports, registration) before the clock starts

    async def queue() -> None:
        app = make_app(ws)
        async with app.open_async():
            await enqueue(app, ws, specs)

    started = time.perf_counter()
    asyncio.run(queue())
    while queue_left(ws):
        time.sleep(0.05)
    wall = time.perf_counter() - started
    cpu = 0.0
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        _, _, usage = os.wait4(proc.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "worker_cpu_s": cpu}


def one_setting(workers: int, port: int, generation: Any, peaks: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from veille.settings import Settings
    from veille.store.models import EventRow
    from veille.watch.tasks import ensure_queue_schema
    from veille.workspace import Workspace

    url, drop = fresh_database()
    home = OUT / f"workers-{workers}"
    try:
        ws = Workspace(Settings(home=home, database_url=url, http_retries=0))
        ws.init_store()
        ensure_queue_schema(ws)
        specs = register(port)
        generation.value = 1
        first = cycle(ws, specs, workers, port, home, url)
        for h in range(HOSTS):
            peaks[h] = 0
        generation.value = 2
        measured = cycle(ws, specs, workers, port, home, url)
        with ws.store.session() as session:
            changes = session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.kind == "price_change")
            )
            others = session.scalar(
                select(func.count())
                .select_from(EventRow)
                .where(EventRow.kind.not_in(("price_change", "offer_added")))
            )
        ws.store.dispose()
    finally:
        drop()
    return {
        "workers": workers,
        "first_cycle_s": round(first["wall_s"], 2),
        "cycle_s": round(measured["wall_s"], 2),
        "cpu_ms_per_source": round(measured["worker_cpu_s"] * 1000 / SOURCES, 2),
        "peak_per_host": max(peaks[h] for h in range(HOSTS)),
        "price_changes": changes,
        "expected_changes": SOURCES // CHANGED_EVERY * ITEMS,
        "other_events": others,
    }


def main() -> None:
    OUT.mkdir(exist_ok=True)
    generation, peaks, ready = mp.Value("i", 1), mp.Array("i", HOSTS), mp.Event()
    port = int(os.environ.get("BENCH_PORT", "18731"))
    server = mp.Process(target=serve, args=(port, generation, peaks, ready), daemon=True)
    server.start()
    ready.wait(30)
    floor = SOURCES / (HOSTS * PER_HOST) * DELAY
    print(f"workers: {SOURCES} sources on {HOSTS} hosts, {DELAY * 1000:.0f} ms per answer, {PER_HOST} per host "
          f"(floor {floor:.2f} s)")  # fmt: skip
    results = []
    try:
        for workers in WORKER_COUNTS:
            row = one_setting(workers, port, generation, peaks)
            results.append(row)
            print(
                f"  {workers} worker(s): cycle {row['cycle_s']:.2f} s (first {row['first_cycle_s']:.2f} s), "
                f"{row['cpu_ms_per_source']:.2f} ms CPU per source, peak {row['peak_per_host']} in flight per host "
                f"(limit {PER_HOST}), {row['price_changes']}/{row['expected_changes']} changes, "
                f"{row['other_events']} other events"
            )
    finally:
        server.terminate()
    (OUT / "bench_workers.json").write_text(json.dumps({"floor_s": floor, "results": results}, indent=2))


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker_main(int(sys.argv[2]))
    else:
        main()

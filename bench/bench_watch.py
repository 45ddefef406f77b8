"""The watch loop at scale: 300 sources on 30 loopback hosts, each answer delayed 50 ms, 10% changed.

Measures, in one run and against the same pages:

- veille: one full scheduler cycle (``Scheduler.run_cycle``: fetch with conditional GET, capture,
  parse, one transaction per source, detect, route alerts, send them to a file channel), against the
  floor the per-host politeness rules allow (``http_per_host`` requests at once per host);
- urlwatch 2.29 (installed by this benchmark into ``bench/out/urlwatch-venv`` with pip; it runs 10
  threads), over the same 300 URLs;
- that every change is detected and nothing else (veille: one price-change event per changed page;
  urlwatch: one CHANGED job per changed page).

After a first cycle over new pages, ``BENCH_WATCH_CYCLES`` (default 5) cycles each see 10% of the pages
changed; urlwatch runs right after each veille cycle over the same pages, so that a pair sees the
machine alike (shared machines change speed from minute to minute). Each pair is printed, then the
median and range of each figure.

Targets: veille's cycle within 1.5x its floor; at least 5x faster than urlwatch with no more CPU per
source. Run: ``python -m bench watch`` (or ``python bench/bench_watch.py``). Figures go to stdout and
``bench/out/bench_watch.json``.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

HOSTS = 30
PER_HOST = 10
SOURCES = HOSTS * PER_HOST
DELAY = 0.050
CHANGED_EVERY = 10  # pages n with n % 10 == 3 change between two cycles: 10%
CYCLES = int(os.environ.get("BENCH_WATCH_CYCLES", "5"))  # measured cycles after the first, each with changes
ITEMS = 5
PER_HOST_LIMIT = 2  # veille's default http_per_host
URLWATCH_THREADS = 10  # urlwatch 2.29: worker.MAX_WORKERS
OUT = Path(__file__).resolve().parent / "out"


# --- the loopback sites (a separate process, so their CPU is nobody's) --------------------------------------


def page_body(n: int, generation: int) -> bytes:
    """Page ``n``: a small JSON price list; from generation 2 on, changed pages raise their first price by
    a tenth of its first value every generation (+10%, then +9%, +8%...: over the price alert's 5%)."""
    items = []
    for k in range(ITEMS):
        cents = 500 + 37 * n + 11 * k
        if generation >= 2 and k == 0 and n % CHANGED_EVERY == 3:
            cents = cents * (9 + generation) // 10
        items.append({"sku": f"s{n}-{k}", "name": f"Plan {n}.{k}", "hourly": f"{cents / 10000:.4f}"})
    return json.dumps({"currency": "EUR", "items": items}, indent=1).encode()


def serve(port: int, generation: Any, ready: Any) -> None:
    """30 addresses (127.0.0.1-30) on one port; HTTP/1.1 keep-alive, ETag, 50 ms before every answer."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1].split("?")[0]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                n = int(path.rsplit("/", 1)[-1])
                gen = generation.value
                version = gen if n % CHANGED_EVERY == 3 else 1
                etag = f'"p{n}-v{version}"'
                await asyncio.sleep(DELAY)
                if headers.get("if-none-match") == etag:
                    writer.write(
                        f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode()
                    )
                else:
                    body = page_body(n, gen)
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: {etag}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [
            await asyncio.start_server(handle, f"127.0.0.{h + 1}", port, backlog=512) for h in range(HOSTS)
        ]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def url(port: int, n: int) -> str:
    return f"http://127.0.0.{n % HOSTS + 1}:{port}/page/{n}"


# --- veille ----------------------------------------------------------------------------------------------


def bench_parser() -> None:
    """Register the bench's parser (a JSON price list), outside the package, for this process only."""
    import orjson

    from veille.errors import ParseError
    from veille.observations import Offer
    from veille.sources import _registry
    from veille.sources._registry import ParseContext, ParserInfo

    def parse(body: Any, ctx: ParseContext) -> list[Any]:
        try:
            doc = orjson.loads(body)
            items = doc["items"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ParseError("bench.prices", f"not a price list: {exc}") from None
        return [
            Offer(
                competitor=ctx.competitor or "hetzner",
                sku=i["sku"],
                name=i["name"],
                category="vps",
                currency=doc["currency"],
                price_hourly=Decimal(i["hourly"]),
                price_monthly=None,
                vcpu=Decimal(2),
                ram_gb=Decimal(4),
                region="bench",
            )
            for i in items
        ]

    _registry.load()
    _registry._PARSERS["bench.prices"] = ParserInfo(
        "bench.prices", "bench JSON price list", parse, False, __name__
    )


def veille_run(port: int, generation: Any, after_cycle: Callable[[int], None]) -> dict[str, Any]:
    """veille's first cycle, then CYCLES cycles each over changed pages; ``after_cycle(gen)`` runs after
    each of them (untimed, in a thread: urlwatch on the same pages, so both see the machine alike)."""
    from sqlalchemy import select

    from veille.act.rules import ensure_defaults
    from veille.runtime import collect_less
    from veille.settings import Settings
    from veille.sources._registry import SourceSpec
    from veille.store.models import EventRow
    from veille.watch import ManualClock, Scheduler
    from veille.workspace import Workspace

    collect_less()  # as `veille watch` does
    bench_parser()
    home = OUT / "veille-ws"
    shutil.rmtree(home, ignore_errors=True)
    concurrency = HOSTS * PER_HOST_LIMIT
    ws = Workspace(
        Settings(
            home=home,
            database_url=None,
            http_retries=0,
            http_per_host=PER_HOST_LIMIT,
            http_concurrency=concurrency,
            allowed_internal_hosts=["127.0.0.0/8"],  # the loopback servers below
        )
    )
    ws.init_store()
    with ws.store.session() as session:
        ensure_defaults(session)
    competitors = ("hetzner", "ovhcloud", "scaleway", "digitalocean", "vultr", "infomaniak")
    specs = [
        SourceSpec(
            id=f"bench.page{n:03d}",
            competitor=competitors[n % len(competitors)],
            kind="prices",
            parser="bench.prices",
            url=url(port, n),
            cadence=timedelta(hours=1),
        )
        for n in range(SOURCES)
    ]
    expected = sorted(f"bench.page{n:03d}" for n in range(SOURCES) if n % CHANGED_EVERY == 3)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    scheduler = Scheduler(ws, clock=clock, specs=specs)

    def detected(since: datetime) -> dict[str, Any]:
        with ws.store.session() as session:
            new = session.scalars(select(EventRow).where(EventRow.detected_at >= since)).all()
            found = sorted({e.source_id or "" for e in new if e.kind == "price_change"})
            other = [f"{e.kind} {e.source_id}" for e in new if e.kind != "price_change"]
        exact = found == expected and not other and len(new) == len(expected)
        return {"changes_found": len(found), "exact": exact, "unexpected": other[:10]}

    async def cycles() -> list[dict[str, Any]]:
        figures = []
        for gen in range(1, CYCLES + 2):
            generation.value = gen
            cpu, wall = time.process_time(), time.perf_counter()
            report = await scheduler.run_cycle()
            figure = {
                "generation": gen,
                "wall_s": time.perf_counter() - wall,
                "cpu_s": time.process_time() - cpu,
                "statuses": dict(report.statuses),
                "events": report.events,
                "alerts_sent": report.alerts_sent,
            }
            if gen > 1:
                figure.update(await asyncio.to_thread(detected, report.started_at))
            figures.append(figure)
            await asyncio.to_thread(after_cycle, gen)
            clock.advance(timedelta(hours=1))
        return figures

    first, *changed = asyncio.run(cycles())
    floor = max(math.ceil(PER_HOST / PER_HOST_LIMIT), math.ceil(SOURCES / concurrency)) * DELAY
    return {
        "first_cycle": first,
        "cycles": changed,
        "floor_s": floor,
        "per_host": PER_HOST_LIMIT,
        "concurrency": concurrency,
        "changes_expected": len(expected),
    }


# --- the reference: what the loopback sites allow on this machine now --------------------------------------


async def _raw_cycle(port: int) -> tuple[float, float]:
    """300 conditional GETs over raw asyncio streams (kept alive, 2 per host): no HTTP library, no storing.

    Not a tool: it shows how close to the floor the sites and this machine's load let anything get.
    """
    slots = [asyncio.Semaphore(PER_HOST_LIMIT) for _ in range(HOSTS)]
    idle: list[list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = [[] for _ in range(HOSTS)]
    opened: list[asyncio.StreamWriter] = []

    async def one(n: int) -> None:
        h = n % HOSTS
        async with slots[h]:
            if idle[h]:
                reader, writer = idle[h].pop()
            else:
                reader, writer = await asyncio.open_connection(f"127.0.0.{h + 1}", port)
                opened.append(writer)
            writer.write(f'GET /page/{n} HTTP/1.1\r\nHost: x\r\nIf-None-Match: "p{n}-v1"\r\n\r\n'.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            if length:
                await reader.readexactly(length)
            idle[h].append((reader, writer))

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(SOURCES)))
    figures = time.perf_counter() - wall, time.process_time() - cpu
    for writer in opened:
        writer.close()
    return figures


def raw_run(port: int, generation: Any) -> dict[str, Any]:
    generation.value = 1
    wall, cpu = asyncio.run(_raw_cycle(port))
    return {"wall_s": wall, "cpu_s": cpu}


# --- urlwatch ----------------------------------------------------------------------------------------------


def urlwatch_install() -> Path:
    venv = OUT / "urlwatch-venv"
    exe = venv / "bin" / "urlwatch"
    if not exe.exists():
        print("installing urlwatch 2.29 into bench/out/urlwatch-venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "urlwatch==2.29"], check=True)
    return exe


def urlwatch_runner(port: int) -> Callable[[int], dict[str, Any]]:
    """A function running urlwatch once over the 300 pages as they are now (its cache kept between runs)."""
    exe = urlwatch_install()
    work = OUT / "urlwatch"
    shutil.rmtree(work, ignore_errors=True)
    (work / "home").mkdir(parents=True)
    urls = work / "urls.yaml"
    urls.write_text("\n---\n".join(f"name: page{n}\nurl: {url(port, n)}" for n in range(SOURCES)) + "\n")
    config = work / "urlwatch.yaml"
    config.write_text(
        "display:\n  new: false\n  error: true\n  unchanged: false\n  empty-diff: false\n"
        "report:\n  text:\n    details: true\n    footer: false\n    minimal: true\n"
        "  stdout:\n    enabled: true\n    color: false\n  html:\n    diff: unified\n"
        "  email:\n    enabled: false\n"
    )
    command = [str(exe), "--urls", str(urls), "--config", str(config), "--cache", str(work / "cache.db")]
    env = {
        **os.environ,
        "HOME": str(work / "home"),
        "XDG_CONFIG_HOME": str(work / "home"),
        "XDG_CACHE_HOME": str(work / "home"),
    }

    def run(gen: int) -> dict[str, Any]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        changed = sum(1 for line in done.stdout.splitlines() if line.startswith("CHANGED:"))
        errors = sum(1 for line in done.stdout.splitlines() if line.startswith("ERROR:"))
        return {"generation": gen, "wall_s": elapsed, "cpu_s": cpu, "changed": changed, "errors": errors,
                "rc": done.returncode}  # fmt: skip

    return run


# --- the run -----------------------------------------------------------------------------------------------


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    ctx = mp.get_context("spawn")
    generation = ctx.Value("i", 1)
    ready = ctx.Event()
    server = ctx.Process(target=serve, args=(port, generation, ready), daemon=True)
    server.start()
    urlwatch: list[dict[str, Any]] = []
    try:
        if not ready.wait(30):
            raise SystemExit("the loopback sites did not start")
        raw = raw_run(port, generation)
        run_urlwatch = urlwatch_runner(port)
        veille = veille_run(port, generation, lambda gen: urlwatch.append(run_urlwatch(gen)))
    finally:
        server.terminate()
        server.join(5)
    load = os.getloadavg()
    floor = veille["floor_s"]
    print(
        f"{SOURCES} sources on {HOSTS} hosts, {DELAY * 1000:.0f} ms per answer, {veille['changes_expected']} changed "
        f"per cycle; {os.cpu_count()} CPUs, load average {load[0]:.1f} (other work on the machine slows both tools)"
    )
    print(
        f"floor    {floor:.3f} s ({PER_HOST} pages per host, {veille['per_host']} at once per host, "
        f"{veille['concurrency']} sources at once)"
    )
    print(
        f"raw      {raw['wall_s']:.3f} s wall, {raw['cpu_s']:.3f} s CPU: 300 conditional GETs over raw asyncio "
        "streams, nothing stored (what the sites and the machine's load allow)"
    )
    print(
        f"first    veille {veille['first_cycle']['wall_s']:.3f} s, urlwatch {urlwatch[0]['wall_s']:.3f} s "
        "(every page new: not measured against the targets)"
    )
    rows = []
    for v, u in zip(veille["cycles"], urlwatch[1:], strict=True):
        row = {
            "ratio": v["wall_s"] / floor,
            "speedup": u["wall_s"] / v["wall_s"],
            "v_cpu_ms": v["cpu_s"] / SOURCES * 1000,
            "u_cpu_ms": u["cpu_s"] / SOURCES * 1000,
        }
        rows.append(row)
        print(
            f"cycle {v['generation']}  veille {v['wall_s']:.3f} s wall ({row['ratio']:.2f}x the floor), "
            f"{row['v_cpu_ms']:.2f} ms CPU/source, {v['changes_found']}/{veille['changes_expected']} changes "
            f"{'exact' if v['exact'] else 'NOT EXACT ' + str(v['unexpected'])}, {v['alerts_sent']} alerts | "
            f"urlwatch {u['wall_s']:.3f} s, {row['u_cpu_ms']:.2f} ms CPU/page, {u['changed']} changed, "
            f"{u['errors']} errors | {row['speedup']:.1f}x"
        )

    def spread(name: str) -> str:
        values = sorted(r[name] for r in rows)
        return f"median {statistics.median(values):.2f} (from {values[0]:.2f} to {values[-1]:.2f})"

    within = sum(r["ratio"] <= 1.5 for r in rows)
    faster = sum(r["speedup"] >= 5 for r in rows)
    leaner = sum(r["v_cpu_ms"] <= r["u_cpu_ms"] for r in rows)
    exact = sum(bool(v["exact"]) for v in veille["cycles"])
    print(f"cycle / floor:      {spread('ratio')}; within 1.5 in {within} of {len(rows)} cycles")
    print(f"faster than urlwatch: {spread('speedup')}x; at least 5x in {faster} of {len(rows)} cycles")
    print(f"CPU per source:     veille {spread('v_cpu_ms')} ms, urlwatch {spread('u_cpu_ms')} ms; "
          f"no more than urlwatch in {leaner} of {len(rows)} cycles")  # fmt: skip
    print(f"changes:            every change and nothing else in {exact} of {len(rows)} cycles")
    (OUT / "bench_watch.json").write_text(
        json.dumps(
            {"veille": veille, "urlwatch": urlwatch, "raw": raw, "load_average": load}, indent=2, default=str
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()

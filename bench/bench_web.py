"""Web dashboard and REST API latency under load.

Builds a SQLite workspace with 1,000,000 price-history rows (``offer_versions``: 20,000 offers of 17
competitors, 50 versions each) and 100,000 events (plus incidents, alerts, notes), serves it with
``veille serve`` in a subprocess, and measures every page and every API list route with 20 concurrent
clients on loopback (httpx, asyncio). Prints p50 / p95 / max per route; the target is p95 < 100 ms.

    python -m bench web                 # or: python bench/bench_web.py [--keep DIR] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

OFFERS = 20_000
VERSIONS = 50  # 20,000 x 50 = 1,000,000 price-history rows
EVENTS = 100_000
CONCURRENCY = 20
TARGET_MS = 100.0
COMPETITORS = [
    "vmcloud",
    "ovhcloud",
    "scaleway",
    "hetzner",
    "infomaniak",
    "digitalocean",
    "hostinger",
    "contabo",
    "vultr",
    "lambda",
    "coreweave",
    "vastai",
    "runpod",
    "paperspace",
    "aws",
    "gcp",
    "azure",
]
KINDS = (
    "price_change",
    "offer_added",
    "offer_removed",
    "incident",
    "incident_resolved",
    "feature",
    "mention",
    "hiring",
)
PASSWORD = "bench-password-long"
NOW = datetime.now(UTC).replace(microsecond=0)

FLOOR = ["/static/app.css", "/login"]  # reference: what the server and client cost with no work at all
PAGES = [
    "/",
    "/events",
    "/events?competitor=hetzner&kind=price_change",
    "/competitors",
    "/competitors/hetzner",
    "/competitors/aws",
    "/positioning",
    "/matrix",
    "/threats",
    "/sources",
    "/alerts",
    "/reports",
    "/notes",
]
API = [
    "/api/v1/competitors",
    "/api/v1/competitors/ovhcloud",
    "/api/v1/events",
    "/api/v1/events?competitor=hetzner",
    "/api/v1/events?kind=price_change",
    "/api/v1/events?since={since}",
    "/api/v1/events?cursor={cursor}",
    "/api/v1/offers",
    "/api/v1/offers?competitor=aws",
    "/api/v1/offers?current=false",
    "/api/v1/offers/history?competitor=hetzner&sku=hz-00003",
    "/api/v1/positioning",
    "/api/v1/incidents",
    "/api/v1/alerts",
    "/api/v1/alert-rules",
    "/api/v1/sources",
    "/api/v1/notes",
    "/api/v1/ratings",
    "/api/v1/reports",
    "/api/v1/kb",
    "/positioning/history/vps-entry",
    "/competitors/hetzner/prices.json",
    "/competitors/aws/prices.json",
]


def _ts(value: datetime) -> str:
    """SQLAlchemy's SQLite storage format for datetimes (UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _offer_rows() -> Iterator[tuple[object, ...]]:
    rng = random.Random(1)
    start = NOW - timedelta(days=2 * 365)
    for n in range(OFFERS):
        competitor = COMPETITORS[n % len(COMPETITORS)]
        category = ("vps", "gpu", "dedicated", "block_storage")[n % 4]
        vcpu, ram = 2 ** (n % 6), 2 ** (n % 6 + 1)
        price = 3 + (n % 300) * 1.7
        step = timedelta(days=2 * 365 / VERSIONS)
        for v in range(VERSIONS):
            price *= rng.uniform(0.95, 1.05)
            begins = start + step * v
            ends = None if v == VERSIONS - 1 else _ts(begins + step)
            amount = f"{price:.4f}"
            yield (
                f"{competitor}.catalog",
                competitor,
                f"{competitor[:2]}-{n:05d}",
                f"r{n % 5}",
                "on_demand",
                _ts(begins),
                ends,
                f"{competitor.upper()} plan {n}",
                category,
                str(vcpu),
                str(ram),
                "80",
                "NVIDIA A100" if category == "gpu" else None,
                "1" if category == "gpu" else None,
                None,
                None,
                "hour",
                "EUR",
                None,
                amount,
                amount,
                "1",
                "2026-01-01",
                None,
                None,
                0,
                None,
                "{}",
                f"h{n}-{v}",
            )


def _event_rows() -> Iterator[tuple[object, ...]]:
    rng = random.Random(2)
    for n in range(EVENTS):
        when = NOW - timedelta(seconds=rng.randrange(365 * 86400))
        kind = KINDS[n % len(KINDS)]
        competitor = COMPETITORS[n % len(COMPETITORS)]
        data = orjson.dumps(
            {
                "old": {"monthly": "10", "currency": "EUR"},
                "new": {"monthly": "9", "currency": "EUR"},
                "pct_change": "-10",
            }
            if kind == "price_change"
            else {}
        ).decode()
        yield (
            kind,
            competitor,
            f"{competitor} {kind.replace('_', ' ')} #{n}",
            ("low", "medium", "high")[n % 3],
            _ts(when),
            _ts(when),
            f"https://example.org/{n}",
            f"bench:{n}",
            data,
            None,
            None,
            None,
            "open",
        )


def build(home: Path) -> None:
    """A workspace with the bundled knowledge base, an admin and the generated history."""
    from veille.auth import add_user
    from veille.kb.store import load_bundled
    from veille.settings import Settings
    from veille.workspace import Workspace

    ws = Workspace(Settings(home=home, database_url=None))
    store, _ = ws.init_store()
    load_bundled(store)
    with store.session() as session:
        add_user(session, "bench", "admin", PASSWORD)
    store.dispose()
    started = time.perf_counter()
    conn = sqlite3.connect(home / "veille.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    columns = (
        "source_id, competitor, sku, region, billing, valid_from, valid_to, name, category, vcpu, ram_gb, "
        "disk_gb, gpu_model, gpu_count, gpu_memory_gb, arch, unit, currency, price_hourly, price_monthly, "
        "monthly_eur, fx_rate, fx_date, capture_id, run_id, held, manual_url, extra, content_hash"
    )
    marks = ", ".join("?" * len(columns.split(",")))
    with conn:
        conn.executemany(f"INSERT INTO offer_versions ({columns}) VALUES ({marks})", _offer_rows())
        conn.executemany(
            "INSERT INTO events (kind, competitor, title, importance, occurred_at, detected_at, url, dedup_key, data, "
            "source_id, run_id, capture_id, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _event_rows(),
        )
        conn.executemany(
            "INSERT INTO incidents (source_id, incident_id, competitor, kind, title, impact, status, started_at, "
            "resolved_at, components, url, updates, first_seen_at) VALUES (?, ?, ?, 'incident', ?, 'minor', "
            "'resolved', ?, ?, '[]', NULL, '[]', ?)",
            (
                (
                    f"{c}.status",
                    f"i{n}",
                    c,
                    f"Incident {n}",
                    _ts(NOW - timedelta(hours=n)),
                    _ts(NOW - timedelta(hours=n)),
                    _ts(NOW),
                )
                for n in range(5000)
                for c in [COMPETITORS[n % len(COMPETITORS)]]
            ),
        )
        conn.executemany(
            "INSERT INTO alerts (rule, event_id, channel, created_at, status, attempts, payload) "
            "VALUES ('prices', ?, 'file', ?, ?, 0, '{}')",
            (
                (n + 1, _ts(NOW - timedelta(minutes=n)), "sent" if n % 10 else "pending")
                for n in range(10_000)
            ),
        )
        conn.executemany(
            "INSERT INTO notes (kind, competitor, title, body, score, happened_on, author, created_at, data) "
            "VALUES ('secret_shopping', ?, ?, 'body', '4', '2026-01-01', 'bench', ?, '{}')",
            (
                (COMPETITORS[n % len(COMPETITORS)], f"Note {n}", _ts(NOW - timedelta(hours=n)))
                for n in range(2000)
            ),
        )
    conn.execute("ANALYZE")
    conn.close()
    print(
        f"generated {OFFERS * VERSIONS:,} offer versions and {EVENTS:,} events in {time.perf_counter() - started:.1f} s"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, VEILLE_HOME=str(home), VEILLE_SECRET_KEY="bench-secret")
    cmd = [
        sys.executable,
        "-m",
        "veille",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(
        "the server did not start: " + (proc.stderr.read() if proc.stderr else b"").decode()[-2000:]
    )


async def _login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /login"
    response = await client.post(
        "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    )
    assert response.status_code == 303, response.text


async def _hammer(
    client: httpx.AsyncClient, path: str, requests: int
) -> tuple[list[float], list[float], int]:
    """``requests`` GETs of ``path`` by CONCURRENCY clients at once: latencies, app times, errors."""
    timings: list[float] = []
    app_times: list[float] = []
    errors = 0
    queue = iter(range(requests))

    async def worker() -> None:
        nonlocal errors
        for _ in queue:
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.TransportError:  # a connection reset counts as an error, not a crash
                timings.append((time.perf_counter() - started) * 1000)
                errors += 1
                continue
            timings.append((time.perf_counter() - started) * 1000)
            timing = response.headers.get("server-timing", "")
            if timing.startswith("app;dur="):
                app_times.append(float(timing[8:]))
            if response.status_code != 200:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return timings, app_times, errors


async def measure(
    base: str, api_token: str, requests: int, only: list[str] | None = None
) -> list[tuple[str, list[float], list[float], int]]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as pages:
        await _login(pages)
        api = httpx.AsyncClient(
            base_url=base, limits=limits, timeout=30, headers={"Authorization": f"Bearer {api_token}"}
        )
        first = (await api.get("/api/v1/events?limit=50")).json()
        since = (NOW - timedelta(days=7)).isoformat().replace("+", "%2B")
        anon = httpx.AsyncClient(base_url=base, limits=limits, timeout=30)
        routes = (
            [(p, anon) for p in FLOOR]
            + [(p, pages) for p in PAGES]
            + [
                (
                    p.format(since=since, cursor=first["next_cursor"]),
                    api if p.startswith("/api/") else pages,
                )
                for p in API
            ]
        )
        if only:
            routes = [(p, c) for p, c in routes if any(o in p for o in only)]
        results = []
        for path, client in routes:
            for _ in range(3):  # warm up (caches, connections)
                (await client.get(path)).raise_for_status()
            timings, app_times, errors = await _hammer(client, path, requests)
            results.append((path, timings, app_times, errors))
        await api.aclose()
        await anon.aclose()
    return results


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and its worker processes (its own process group)."""
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)
    except ProcessLookupError:
        pass


def _api_token(home: Path) -> str:
    from veille.auth import new_token
    from veille.settings import Settings
    from veille.workspace import Workspace

    ws = Workspace(Settings(home=home, database_url=None))
    with ws.store.session() as session:
        token = new_token(session, "bench")
    ws.store.dispose()
    return token


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")


def report(results: list[tuple[str, list[float], list[float], int]]) -> int:
    """The figures: client-side latency (p50, p95, max) and the app's own time (p95 of Server-Timing)."""
    print(f"{'route':56} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'app p95':>8} {'errors':>7}")
    slow = 0
    for path, timings, app_times, errors in results:
        timings.sort()
        p95 = _p95(timings)
        flag = (
            ""
            if p95 < TARGET_MS and not errors
            else "  <-- over target"
            if p95 >= TARGET_MS
            else "  <-- errors"
        )
        slow += bool(flag)
        label = path if len(path) <= 56 else path[:53] + "..."
        print(
            f"{label:56} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f} "
            f"{_p95(app_times):8.1f} {errors:7d}{flag}"
        )
    print(
        f"{len(results)} routes, {CONCURRENCY} concurrent clients; {slow} over the {TARGET_MS:.0f} ms p95 target"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return slow


def main(argv: list[str] | None = None) -> None:
    global CONCURRENCY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here and keep it")
    parser.add_argument("--requests", type=int, default=200, help="requests per route (default 200)")
    parser.add_argument("--concurrency", type=int, default=20, help="clients at once (default 20)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--only", nargs="*", help="measure only the routes containing one of these strings")
    args = parser.parse_args(argv if argv is not None else [])
    CONCURRENCY = args.concurrency
    home = args.keep or Path(tempfile.mkdtemp(prefix="veille-bench-web-"))
    try:
        if not (home / "veille.db").exists():
            build(home)
        token = _api_token(home)
        port = _free_port()
        server = serve(home, port, args.workers)
        try:
            results = asyncio.run(measure(f"http://127.0.0.1:{port}", token, args.requests, args.only))
        finally:
            _stop(server)
        report(results)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

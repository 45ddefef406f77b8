"""Web dashboard and REST API latency under load.

Builds a SQLite workspace with 1,000,000 price-history rows (``offer_versions``: 20,000 offers of 17
competitors, 50 versions each) and 100,000 events (plus incidents, alerts, notes), serves it with
``veille serve`` (one worker per CPU) in a subprocess, and measures every page and every API list route
with 20 concurrent connections on loopback. The load comes from wrk (C, Debian's ``wrk``), so the
client's own CPU does not crowd the server's on a small machine. Prints, per route, the first answer's
time (a render from cold, alone) and p50 / p95 / max under load; the target is p95 < 100 ms.

    python -m bench web        # or: python bench/bench_web.py [--keep DIR] [--seconds S] [--cache-mb 0]
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
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from veille.kb.ids import competitor_ids

OFFERS = 20_000
VERSIONS = 50  # 20,000 x 50 = 1,000,000 price-history rows
EVENTS = 100_000
CONCURRENCY = 20
SECONDS = 3  # of load per route (whole seconds: wrk takes no fractions)
WRK_THREADS = 2
TARGET_MS = 100.0
COMPETITORS = list(competitor_ids())
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
    "/matrix/cell?competitor=hetzner&criterion=price",
    "/threats",
    "/sources",
    "/sources/hetzner.server_types",
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


def on_built_workspace(
    doc: str | None, measure: Callable[[Path, int], None], argv: list[str] | None, runs: int, prefix: str
) -> None:
    """The command line of a benchmark over the generated workspace of ``build``: ``--keep DIR`` builds
    (or reuses) it there and keeps it, ``--runs N`` sets the timed runs; then ``measure(home, runs)``."""
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here and keep it")
    parser.add_argument("--runs", type=int, default=runs, help=f"timed runs (default {runs})")
    args = parser.parse_args(argv if argv is not None else [])
    home = args.keep or Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if not (home / "veille.db").exists():
            build(home)
        measure(home, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(home: Path, port: int, workers: int, cache_mb: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, VEILLE_HOME=str(home), VEILLE_SECRET_KEY="bench-secret", VEILLE_WEB_CACHE_MB=str(cache_mb)
    )
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


# wrk's summary as one JSON line; latencies are in microseconds. Any answer but 200 is an error (a
# redirect to /login would otherwise look like a fast page).
WRK_SCRIPT = """
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
setup = function(thread) table.insert(threads, thread) end
threads = {}
done = function(summary, latency, requests)
  local e = summary.errors
  local wrong = 0
  for _, thread in ipairs(threads) do wrong = wrong + (thread:get("bad") or 0) end
  io.write(string.format('{"requests": %d, "p50": %.1f, "p95": %.1f, "max": %.1f, "errors": %d}\\n',
    summary.requests, latency:percentile(50), latency:percentile(95), latency.max,
    e.connect + e.read + e.write + e.timeout + wrong))
end
"""


def server_cpu_seconds(group: int) -> float:
    """User + system CPU seconds of every live process of the server's process group (Linux /proc).

    Divided by the requests served, it is what one answer costs the server: unlike latency, it hardly
    moves with the load of a shared machine, and latency under ``CONCURRENCY`` connections follows
    from it (about ``CONCURRENCY / workers`` answers queue ahead of each one)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; then utime and stime, fields 14 and 15 of stat
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _wrk(url: str, headers: dict[str, str], seconds: int, script: Path) -> dict[str, float]:
    """``CONCURRENCY`` connections asking for ``url`` for ``seconds``: wrk's latency figures (ms)."""
    cmd = [
        "wrk",
        "-t",
        str(WRK_THREADS),
        "-c",
        str(CONCURRENCY),
        "-d",
        f"{max(1, seconds)}s",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    result = subprocess.run([*cmd, "-s", str(script), url], capture_output=True, text=True, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("{"))
    figures: dict[str, float] = orjson.loads(line)
    for key in ("p50", "p95", "max"):
        figures[key] /= 1000
    return figures


async def measure(
    base: str, api_token: str, seconds: int, only: list[str] | None = None, group: int | None = None
) -> list[tuple[str, float, dict[str, float]]]:
    """Per route: the first answer's time (a render from cold, one client) and wrk's figures under load."""
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as pages,
        httpx.AsyncClient(base_url=base, timeout=30) as bare,
    ):
        await _login(pages)
        cookie = "; ".join(f"{k}={v}" for k, v in pages.cookies.items())
        api_headers = {"Authorization": f"Bearer {api_token}"}
        first = (await pages.get("/api/v1/events?limit=50", headers=api_headers)).json()
        since = (NOW - timedelta(days=7)).isoformat().replace("+", "%2B")
        routes: list[tuple[str, dict[str, str]]] = (
            [(p, {}) for p in FLOOR]
            + [(p, {"Cookie": cookie}) for p in PAGES]
            + [
                (
                    p.format(since=since, cursor=first["next_cursor"]),
                    api_headers if p.startswith("/api/") else {"Cookie": cookie},
                )
                for p in API
            ]
        )
        if only:
            routes = [(p, h) for p, h in routes if any(o in p for o in only)]
        results = []
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(WRK_SCRIPT)
            script.flush()
            for path, headers in routes:
                started = time.perf_counter()
                # alone, with exactly wrk's headers; raises on a redirect to /login too
                (await bare.get(path, headers=headers)).raise_for_status()
                cold = (time.perf_counter() - started) * 1000
                # then every worker once (a handful at once lands on each), as a server that has run a while
                await asyncio.gather(*(bare.get(path, headers=headers) for _ in range(CONCURRENCY)))
                cpu = server_cpu_seconds(group) if group else 0.0
                figures = await asyncio.to_thread(_wrk, base + path, headers, seconds, Path(script.name))
                if group and figures["requests"]:
                    figures["cpu_ms"] = (server_cpu_seconds(group) - cpu) / figures["requests"] * 1000
                results.append((path, cold, figures))
    return results


class Writer(threading.Thread):
    """Commits one small write every ``1 / per_second`` s while the load runs, as a running watch does.

    Every commit makes the server's kept answers stale (they are reused only until the next write).
    """

    def __init__(self, database: Path, per_second: float) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.database, self.interval = database, 1 / per_second
        self.halt = threading.Event()
        self.writes = 0

    def run(self) -> None:
        conn = sqlite3.connect(self.database, timeout=30)
        while not self.halt.wait(self.interval):
            self.writes += 1
            with conn:
                conn.execute(
                    "INSERT INTO settings_kv (key, value) VALUES ('bench.tick', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(self.writes),),
                )
        conn.close()


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


def report(results: list[tuple[str, float, dict[str, float]]]) -> int:
    """The figures per route: the first answer (cold), then p50, p95 and max under load."""
    print(
        f"{'route':56} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7} {'errors':>7}"
        f" {'cpu ms':>7}"
    )
    slow = 0
    for path, cold, f in results:
        over = f["p95"] >= TARGET_MS
        flag = "  <-- over target" if over else "  <-- errors" if f["errors"] else ""
        slow += bool(flag)
        label = path if len(path) <= 56 else path[:53] + "..."
        print(
            f"{label:56} {cold:8.1f} {f['p50']:8.1f} {f['p95']:8.1f} {f['max']:8.1f} "
            f"{f['requests'] / SECONDS:7.0f} {int(f['errors']):7d} {f.get('cpu_ms', float('nan')):7.1f}{flag}"
        )
    print(
        f"{len(results)} routes, {CONCURRENCY} concurrent connections (wrk, {WRK_THREADS} threads, {SECONDS:g} s each); "
        f"{slow} over the {TARGET_MS:.0f} ms p95 target or with errors"
    )
    print(
        "cpu ms: the server's CPU (every worker) per answer under load; "
        f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    return slow


def main(argv: list[str] | None = None) -> None:
    global CONCURRENCY, SECONDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here and keep it")
    parser.add_argument("--seconds", type=int, default=SECONDS, help=f"load per route (default {SECONDS:g})")
    parser.add_argument(
        "--concurrency", type=int, default=CONCURRENCY, help="connections at once (default 20)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server worker processes (default: one per CPU)",
    )
    parser.add_argument("--cache-mb", type=int, default=64, help="VEILLE_WEB_CACHE_MB of the server (0: off)")
    parser.add_argument(
        "--writes-per-second", type=float, default=0, help="commit a small write this often during the load"
    )
    parser.add_argument("--only", nargs="*", help="measure only the routes containing one of these strings")
    args = parser.parse_args(argv if argv is not None else [])
    if shutil.which("wrk") is None:
        sys.exit("this benchmark drives the load with wrk: apt-get install wrk (`make bench` does)")
    CONCURRENCY, SECONDS = args.concurrency, args.seconds
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    home = args.keep or Path(tempfile.mkdtemp(prefix="veille-bench-web-"))
    try:
        if not (home / "veille.db").exists():
            build(home)
        token = _api_token(home)
        port = _free_port()
        server = serve(home, port, args.workers, args.cache_mb)
        writer = Writer(home / "veille.db", args.writes_per_second) if args.writes_per_second > 0 else None
        try:
            if writer:
                writer.start()
            results = asyncio.run(measure(f"http://127.0.0.1:{port}", token, SECONDS, args.only, server.pid))
        finally:
            if writer:
                writer.halt.set()
                writer.join()
            _stop(server)
        print(f"server: veille serve --workers {args.workers}, VEILLE_WEB_CACHE_MB={args.cache_mb}")
        if writer:
            print(f"writes: {writer.writes} commits during the run, {args.writes_per_second:g} a second")
        report(results)
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

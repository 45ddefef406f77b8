"""Run every benchmark module of this package (``bench_*.py``): ``python -m bench [NAME...] [OPTIONS]``.

Each module exposes ``main() -> None`` and prints its own figures. Names on the command line
(``ingest``, ``bench_ingest``) pick modules; without any, all run in name order. Options after one
name go to that benchmark (``python -m bench web --seconds 5``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
import time
from pathlib import Path


def reference_ns(iterations: int = 2_000_000) -> float:
    """ns per iteration of a fixed pure-Python loop, best of three: how fast this machine runs Python now.

    Shared build machines change speed from one hour to the next (the same watch cycle measured 0.35 s
    and 0.48 s an hour apart here): printed around each benchmark with ``reference_file_us``, it lets
    figures taken at different times be compared.
    """
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(iterations):
            total += i
        best = min(best, time.process_time() - started)
    return best / iterations * 1e9


def reference_file_us(files: int = 200) -> float:
    """us to write a 1 kB file and rename it into place (what a capture costs): the machine's I/O now."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for n in range(files):
            path = os.path.join(folder, f"{n}.tmp")
            with open(path, "wb") as out:
                out.write(b"x" * 1000)
            os.replace(path, path[:-4])
        return (time.perf_counter() - started) / files * 1e6


def machine_speed() -> str:
    """The two references, for the lines around each benchmark."""
    return f"reference loop {reference_ns():.0f} ns, file write {reference_file_us():.0f} us; lower is faster"


def discover() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )


def run(args: list[str]) -> int:
    split = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names, options = args[:split], args[split:]
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in names}
    modules = [m for m in discover() if not wanted or m in wanted]
    if wanted - set(modules):
        print(
            f"unknown benchmark(s): {', '.join(sorted(wanted - set(modules)))}; known: {', '.join(discover())}"
        )
        return 2
    if options and len(modules) != 1:
        print("options go to one benchmark: python -m bench NAME [OPTIONS]")
        return 2
    for name in modules:
        print(f"== {name} (machine now: {machine_speed()})", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        module.main(options) if options else module.main()
        print(
            f"== {name}: {time.perf_counter() - started:.1f} s in all (machine now: {machine_speed()})\n",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

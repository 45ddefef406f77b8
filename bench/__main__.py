"""Run every benchmark module of this package (``bench_*.py``): ``python -m bench [NAME...] [OPTIONS]``.

Each module exposes ``main() -> None`` and prints its own figures. Names on the command line
(``ingest``, ``bench_ingest``) pick modules; without any, all run in name order. Options after one
name go to that benchmark (``python -m bench web --seconds 5``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


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
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        module.main(options) if options else module.main()
        print(f"== {name}: {time.perf_counter() - started:.1f} s in all\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

"""Which server should ``carya serve`` embed? ``python -m benchmarks.http.servers``.

Serves the seed-003 catalog app (``examples/catalog/config.py``) under each
candidate, drives two of its routes with ``wrk`` on loopback, and prints
req/s, mean latency and errors. Candidates that cannot be installed from PyPI
on this Python (bjoern needs libev's headers, meinheld an old greenlet that no
longer compiles) are listed as skipped with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
import time

from benchmarks.http import launch, wrk
from benchmarks.http.table import render

ROUTES = ("/catalog/books/bestsellers", "/my_restcontroller/13579")

CANDIDATES = [
    launch.Server("waitress threads=4", launch.embedded("waitress", threads=4)),
    launch.Server("waitress threads=8", launch.embedded("waitress", threads=8)),
    launch.Server("waitress threads=16", launch.embedded("waitress", threads=16)),
    launch.Server("gunicorn sync w=2", launch.gunicorn(2)),
    launch.Server("gunicorn sync w=4", launch.gunicorn(4)),
    launch.Server("gunicorn gthread w=2 t=4", launch.gunicorn(2, "gthread", 4)),
    launch.Server("gunicorn gthread w=4 t=4", launch.gunicorn(4, "gthread", 4)),
    launch.Server("cheroot threads=8", launch.embedded("cheroot", threads=8)),
    launch.Server("carya serve, gthread worker (before)", launch.embedded("carya-gthread")),
    launch.Server("carya serve (default)", launch.embedded("carya")),
]

UNAVAILABLE = {"bjoern": "bjoern", "meinheld": "meinheld"}


def measure(servers: list[launch.Server], seconds: float, warmup: float,
            repeats: int) -> dict:
    """Every candidate up at once on its own port; wrk takes turns between them for
    ``repeats`` rounds and the best run is kept, so a burst of other work on the
    machine lands on all candidates alike instead of on one."""
    best: dict = {server.label: {} for server in servers}
    with contextlib.ExitStack() as stack:
        bases = {server.label: stack.enter_context(
                     launch.serving(server, "catalog", probe=ROUTES[0]))
                 for server in servers}
        for base in bases.values():
            for route in ROUTES:
                if warmup:
                    wrk.run(base + route, warmup)
        for _ in range(repeats):
            for route in ROUTES:
                for label, base in bases.items():
                    run = wrk.run(base + route, seconds)
                    if route not in best[label] or run.rps > best[label][route].rps:
                        best[label][route] = run
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http.servers")
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk -d per run (5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed wrk run first (1)")
    parser.add_argument("--repeats", type=int, default=2, help="rounds, best run kept (2)")
    parser.add_argument("--only", help="comma-separated substrings of server labels to run")
    args = parser.parse_args(argv)
    started = time.monotonic()
    chosen = [server for server in CANDIDATES
              if not args.only or any(part in server.label for part in args.only.split(","))]
    best = measure(chosen, args.seconds, args.warmup, args.repeats)
    rows = []
    for label, by_route in best.items():
        results = [by_route[route] for route in ROUTES]
        rows.append([label] + [f"{r.rps:,.0f}" for r in results]
                    + [f"{sum(r.latency_ms for r in results) / len(results):.2f}",
                       str(sum(r.errors for r in results))])
    for name in UNAVAILABLE:
        if importlib.util.find_spec(name) is None:
            rows.append([f"{name} (not installed: no clean PyPI build here)", "-", "-", "-", "-"])
    print()
    print(f"catalog app, wrk -t2 -c32 -d{args.seconds:g}s, best of {args.repeats}, loopback, "
          f"{time.monotonic() - started:.0f}s total")
    print(render(["server", "req/s " + ROUTES[0], "req/s " + ROUTES[1], "mean latency ms",
                  "errors"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

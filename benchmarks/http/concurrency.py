"""carya's front with and without coalesced writes, from one client to many:
``python -m benchmarks.http.concurrency``.

``coalesce_bytes`` (carya/front/pool.py) lets the event loop send a small
response when requests are waiting for a thread, so the thread goes on to the
next one. It should pay off under load and cost nothing at low concurrency;
this measures both: the same app under ``carya.serve`` as shipped and with
``coalesce_bytes=0``, side by side on their own ports, wrk taking turns between
them at 1, 4, 32 and 64 connections. Reported: req/s (best of the rounds) and
wrk's mean latency for that run, with ``--percentiles`` its median and 99th
percentile too. ``--apps slow`` serves the raw app after a 2 ms wait per request
(a handler waiting on its database, no GIL held): there threads, not the CPU, run
out first, and requests queue for them at far fewer connections.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time

from benchmarks.http import launch, wrk
from benchmarks.http.run import ROUTES, check

SERVERS = {"coalesced": "carya", "direct": "carya-direct"}
CONNECTIONS = (1, 4, 32, 64)


def measure(apps: list[str], routes: list[str], connections: tuple[int, ...], rounds: int,
            seconds: float, percentiles: bool = False) -> list[tuple]:
    """Rows ``(app, route, connections, {server: WrkResult})``."""
    cores = launch.split_cores()
    server_cpus, client_cpus = cores or (None, None)
    rows = []
    with contextlib.ExitStack() as stack:
        bases = {}
        for app in apps:
            for label, name in SERVERS.items():
                server = launch.Server(label, launch.embedded(name, workers=1))
                bases[app, label] = stack.enter_context(
                    launch.serving(server, app, probe=ROUTES["hello"].path, cpus=server_cpus))
        for (app, label), base in bases.items():
            for route in routes:
                problem = check(base, ROUTES[route])
                if problem:
                    raise SystemExit(f"{app} under {label}, {route}: {problem}")
        for app in apps:
            for route in routes:
                request = ROUTES[route]
                for count in connections:
                    best: dict[str, wrk.WrkResult] = {}
                    for _ in range(rounds):
                        for label in SERVERS:
                            url = bases[app, label] + request.path
                            result = wrk.run(url, seconds, connections=count,
                                             threads=min(2, count), request=request,
                                             cpus=client_cpus, percentiles=percentiles)
                            if label not in best or result.rps > best[label].rps:
                                best[label] = result
                    rows.append((app, route, count, best))
    return rows


def table(rows: list[tuple], percentiles: bool = False) -> str:
    head = ("| app | route | connections | direct req/s | coalesced req/s | coalesced/direct "
            "| mean latency ms, direct / coalesced |")
    rule = "|---|---|---:|---:|---:|---:|---:|"
    if percentiles:
        head += " p50 ms, direct / coalesced | p99 ms, direct / coalesced |"
        rule += "---:|---:|"
    lines = [head, rule]
    for app, route, count, best in rows:
        direct, coalesced = best["direct"], best["coalesced"]
        line = (f"| {app} | {route} | {count} | {direct.rps:,.0f} | {coalesced.rps:,.0f} "
                f"| {coalesced.rps / direct.rps:.2f} "
                f"| {direct.latency_ms:.2f} / {coalesced.latency_ms:.2f} |")
        if percentiles:
            for p in (50, 99):
                line += (f" {direct.percentiles.get(p, float('nan')):.2f} / "
                         f"{coalesced.percentiles.get(p, float('nan')):.2f} |")
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http.concurrency",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", default="raw,carya",
                        help="benchmarks.http.entry names (raw,carya; slow: raw after 2 ms)")
    parser.add_argument("--routes", default="Rest get_one,create",
                        help="comma-separated: " + ", ".join(ROUTES))
    parser.add_argument("--connections", default=",".join(map(str, CONNECTIONS)))
    parser.add_argument("--rounds", type=int, default=3, help="turns per setting (3)")
    parser.add_argument("--seconds", type=float, default=2.0, help="wrk -d per run (2)")
    parser.add_argument("--percentiles", action="store_true",
                        help="also wrk's median and 99th-percentile latency (wrk --latency)")
    args = parser.parse_args(argv)
    wrk.wrk_binary()
    started = time.monotonic()
    rows = measure(args.apps.split(","), args.routes.split(","),
                   tuple(int(c) for c in args.connections.split(",")), args.rounds,
                   args.seconds, args.percentiles)
    print(table(rows, args.percentiles))
    print(f"\ncarya.serve 1 worker x 8 threads, servers and wrk on separate cores, best of "
          f"{args.rounds} rounds of {args.seconds:g}s, {time.monotonic() - started:.0f}s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())

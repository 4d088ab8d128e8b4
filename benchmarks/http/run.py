"""``python -m benchmarks.http``: raw WSGI, Falcon, Pecan and carya over real HTTP.

For each server (carya's embedded one, the gunicorn command, mod_wsgi-express)
the four apps of ``benchmarks/apps`` are started side by side on loopback,
each route is checked once and warmed up, then ``wrk`` drives them in turn for
a bounded time, for a few rounds, best run kept. The report gives req/s and
carya/raw under each server; the target is carya >= 0.95x raw WSGI under the
same server (the framework's cost must disappear behind the server's).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
import urllib.request

from benchmarks.http import launch, wrk
from benchmarks.http.table import render
from benchmarks.shapes import CREATE_PAYLOAD, CREATED_ID, TOKEN

FRAMEWORKS = ("raw", "falcon", "pecan", "carya")
TARGET = 0.95

#: route label -> the request, and a fragment of the correct body
ROUTES = {
    "hello": wrk.Request("/hello", fragment="Hello, World!"),
    "Rest get_one": wrk.Request("/things/7", fragment='"7"'),
    "create": wrk.Request(
        "/servers", method="POST", body=json.dumps(CREATE_PAYLOAD).encode(),
        headers=(("Content-Type", "application/json"), ("X-Auth-Token", TOKEN),
                 ("Accept", "application/json")),  # as OpenStack's clients send
        fragment=CREATED_ID,
    ),
}

SERVER_NAMES = ("embedded", "gunicorn", "mod_wsgi")
#: more servers ``--servers`` may name: carya's front with coalesced writes off
OTHER_SERVERS = ("embedded-direct",)


def servers(workers: int) -> dict[str, launch.Server]:
    """Each server with ``workers`` processes: one per core it runs on, the rule
    carya's, gunicorn's and mod_wsgi's docs give (two processes taking turns on one
    core lose their CPU caches at every switch, and the figures swing with it)."""
    return {
        "embedded": launch.Server(f"carya.serve (gunicorn + carya front {workers}x8)",
                                  launch.embedded("carya", workers=workers)),
        "embedded-direct": launch.Server(
            f"carya.serve coalesce_bytes=0 ({workers}x8)",
            launch.embedded("carya-direct", workers=workers)),
        "gunicorn": launch.Server(f"gunicorn sync -w {workers}", launch.gunicorn(workers)),
        "mod_wsgi": launch.Server(f"mod_wsgi-express {workers} proc x 4 thr",
                                  launch.mod_wsgi_express(workers, 4)),
    }


def default_workers(cores: tuple | None) -> int:
    """One process per core the servers are pinned to; unpinned, two."""
    return len(cores[0]) if cores else 2



def check(base: str, request: wrk.Request) -> str | None:
    """None when the request answers 2xx with its fragment in the body, else what went wrong."""
    what = f"{request.method} {request.path}"
    sent = urllib.request.Request(base + request.path, data=request.body or None,
                                  headers=dict(request.headers), method=request.method)
    try:
        with urllib.request.urlopen(sent, timeout=10) as reply:
            body = reply.read().decode()
    except OSError as error:
        return f"{what}: {error}"
    return None if request.fragment in body else f"{what}: unexpected body {body[:200]!r}"


def measure(server: launch.Server, frameworks: list[str], seconds: float, warmup: float,
            repeats: int, cores: tuple | None = None) -> tuple[dict, list[str]]:
    """All frameworks' apps up at once under ``server``; wrk takes turns between them,
    ``repeats`` rounds, best run kept: the machine's slow drift and any burst of
    other work is spread over every framework instead of landing on one. Each kept
    run also carries ``rounds``, the req/s of every round in order, so the ratio of
    two frameworks can be read round by round (runs seconds apart). ``cores``: (the
    servers' CPUs, wrk's CPUs), see ``launch.split_cores``."""
    server_cpus, client_cpus = cores or (None, None)
    best: dict = {name: {} for name in frameworks}
    rounds: dict = {name: {label: [] for label in ROUTES} for name in frameworks}
    problems = []
    with contextlib.ExitStack() as stack:
        bases = {name: stack.enter_context(launch.serving(server, name,
                                                          probe=ROUTES["hello"].path,
                                                          cpus=server_cpus))
                 for name in frameworks}
        for name, base in bases.items():
            for request in ROUTES.values():
                problem = check(base, request)
                if problem:
                    problems.append(f"{server.label} / {name}: {problem}")
        if problems:
            return best, problems
        for base in bases.values():
            for request in ROUTES.values():
                if warmup:
                    wrk.run(base + request.path, warmup, request=request, cpus=client_cpus)
        for _ in range(repeats):
            for label, request in ROUTES.items():
                for name, base in bases.items():
                    before = launch.server_cpu(base)
                    run = wrk.run(base + request.path, seconds, request=request,
                                  cpus=client_cpus)
                    cpu_us = (launch.server_cpu(base) - before) / max(run.requests, 1) * 1e6
                    rounds[name][label].append(run.rps)
                    if run.errors:
                        problems.append(f"{server.label} / {name} {request.path}: "
                                        f"{run.errors} errors")
                    kept = best[name].get(label)
                    if kept is None or run.rps > kept.rps:
                        run.cpu_us = min(cpu_us, kept.cpu_us) if kept else cpu_us
                        best[name][label] = run
                    else:
                        kept.cpu_us = min(kept.cpu_us, cpu_us)
    for name, routes in best.items():
        for label, run in routes.items():
            run.rounds = rounds[name][label]
    return best, problems


def round_ratios(table: dict, label: str) -> list[float]:
    """carya/raw req/s of each round (the two runs of a round are seconds apart)."""
    raw, carya = table.get("raw", {}).get(label), table.get("carya", {}).get(label)
    if raw is None or carya is None:
        return []
    return [c / r for r, c in zip(raw.rounds, carya.rounds, strict=False) if r]


def report(table: dict, chosen: dict[str, launch.Server], frameworks: list[str]) -> str:
    rows = []
    for key, server in chosen.items():
        for label in ROUTES:
            cells = [server.label, label]
            rps = {}
            for name in frameworks:
                result = table.get(key, {}).get(name, {}).get(label)
                rps[name] = result.rps if result else None
                cells.append(f"{result.rps:,.0f}" if result else "-")
            if rps.get("carya") and rps.get("raw"):
                ratio = rps["carya"] / rps["raw"]
                cells += [f"{ratio:.3f}", "PASS" if ratio >= TARGET else "FAIL"]
            else:
                cells += ["-", "n/a"]
            ratios = sorted(round_ratios(table.get(key, {}), label))
            cells.append(f"{statistics.median(ratios):.3f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"
                         if ratios else "-")
            cpu = {name: getattr(table.get(key, {}).get(name, {}).get(label), "cpu_us", None)
                   for name in ("raw", "carya")}
            cells += [f"{cpu['raw']:.0f} / {cpu['carya']:.0f}" if None not in cpu.values()
                      else "-",
                      f"{cpu['raw'] / cpu['carya']:.3f}" if None not in cpu.values() else "-"]
            rows.append(cells)
    headers = ["server", "route", *(f"{name} req/s" for name in frameworks), "carya/raw",
               f">= {TARGET}", "per round: median (min-max)",
               "server CPU µs/req raw / carya", "raw/carya CPU"]
    return render(headers, rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="wrk -d per run (3)")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed wrk run first (1)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="rounds over all frameworks, best run kept (2)")
    parser.add_argument("--servers", default=",".join(SERVER_NAMES),
                        help="comma-separated subset of "
                        + ",".join(SERVER_NAMES + OTHER_SERVERS))
    parser.add_argument("--workers", type=int, default=0,
                        help="processes per server (default: one per CPU the servers "
                        "are pinned to; 2 with --no-pin)")
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--no-pin", action="store_true",
                        help="let the scheduler place servers and wrk anywhere (default: "
                        "servers on the first half of the CPUs, wrk on the other half)")
    parser.add_argument("--output", default=os.path.join("benchmarks", "results"),
                        help="where http-latest.json goes")
    args = parser.parse_args(argv)
    cores = None if args.no_pin else launch.split_cores()
    names = [name for name in args.servers.split(",") if name]
    frameworks = [name for name in args.frameworks.split(",") if name]
    unknown = [s for s in names if s not in SERVER_NAMES + OTHER_SERVERS] + [f for f in frameworks
                                                             if f not in FRAMEWORKS]
    if unknown:
        parser.error(f"unknown server/framework: {', '.join(unknown)}")
    every = servers(args.workers or default_workers(cores))
    chosen = {name: every[name] for name in names}
    wrk.wrk_binary()
    started = time.monotonic()
    table, problems = {}, []
    for key, server in chosen.items():
        table[key], found = measure(server, frameworks, args.seconds, args.warmup,
                                    args.repeats, cores)
        problems += found
        for name, results in table[key].items():
            done = ", ".join(f"{label} {r.rps:,.0f}" for label, r in results.items())
            print(f"  {server.label:<36} {name:<7} {done}", flush=True)
    print()
    placed = (f"servers on CPUs {_listed(cores[0])}, wrk on CPUs {_listed(cores[1])}"
              if cores else "unpinned")
    print(f"wrk -t2 -c32 -d{args.seconds:g}s (best of {args.repeats}) on 127.0.0.1, "
          f"{os.cpu_count()} cores ({placed}), {time.monotonic() - started:.0f}s in all")
    print(report(table, chosen, frameworks))
    if problems:
        print("\nVerification failures:\n  " + "\n  ".join(problems))
    save(args.output, table, vars(args))
    return 1 if problems else 0


def _listed(cpus: frozenset[int]) -> str:
    return ",".join(map(str, sorted(cpus)))


def save(directory: str, table: dict, options: dict) -> None:
    os.makedirs(directory, exist_ok=True)
    data = {"options": options, "results": {
        server: {name: {label: vars(result) for label, result in routes.items()}
                 for name, routes in by_framework.items()}
        for server, by_framework in table.items()}}
    with open(os.path.join(directory, "http-latest.json"), "w") as handle:
        json.dump(data, handle, indent=2)


if __name__ == "__main__":
    sys.exit(main())

"""Framework overhead with cold CPU caches: ``python -m benchmarks.cold_cache``.

The in-process suite calls one app in a tight loop, so its code and data stay in
the CPU caches. Under a real server they do not: between two requests the server
parses, polls and writes, and evicts most of what the app touched. This times each
app twice, *hot* (the suite's loop) and *cold* (``--evict`` MiB written, one byte
per cache line, before every request; only the request is timed), raw WSGI,
Falcon and carya taking turns loop by loop, best loop kept.

Why it exists: under ``python -m benchmarks.http`` (servers pinned to one core)
carya's get_one costs the server about 4 µs more than raw WSGI per request, where
the hot in-process loop says 1.6 µs; the cold figure is the in-process predictor of
that gap, and what a change to the request path has to shrink to move carya/raw
over HTTP. A diagnostic, not a target.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.driver import APP_MODULES, make_caller, verify
from benchmarks.shapes import SHAPES
from benchmarks.timing import best_in_turns

FRAMEWORKS = ("raw", "falcon", "carya")
DEFAULT_SHAPES = ("static", "rest_get_one", "create")


def evicting_loop(size_mib: float) -> Callable[[Callable[[], Any], int], float]:
    """A timing loop (``best_in_turns``'s ``loop``) that writes ``size_mib`` MiB before
    each call and counts only the calls."""
    buffer = bytearray(int(size_mib * 1024 * 1024))
    line = b"\x01" * (len(buffer) // 64)
    clock = time.perf_counter_ns

    def loop(call: Callable[[], Any], number: int) -> float:
        spent = 0
        for _ in range(number):
            buffer[::64] = line
            start = clock()
            call()
            spent += clock() - start
        return spent / number / 1000

    return loop


def callers(shape_names: list[str]) -> dict[tuple[str, str], Callable[[], None]]:
    """``(framework, shape) -> caller`` for every app that answers the shape correctly."""
    calls = {}
    shapes = [s for s in SHAPES if s.name in shape_names]
    for name in FRAMEWORKS:
        app = importlib.import_module(APP_MODULES[name]).build().app
        for shape in shapes:
            if not shape.serves(name):
                continue
            _, problems = verify(app, shape)
            if problems:
                raise SystemExit(f"{name} {shape.name}: wrong answer: {problems}")
            calls[(name, shape.name)] = make_caller(app, shape)
    return calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_cache",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=",".join(DEFAULT_SHAPES))
    parser.add_argument("--evict", type=float, default=2.0,
                        help="MiB written between requests in the cold loop (2)")
    parser.add_argument("--number", type=int, default=2000, help="calls per loop")
    parser.add_argument("--rounds", type=int, default=10, help="loops per app, taking turns")
    opts = parser.parse_args(argv)
    wanted = [s for s in opts.shapes.split(",") if s]
    unknown = set(wanted) - {s.name for s in SHAPES}
    if unknown:
        parser.error(f"unknown shapes: {', '.join(sorted(unknown))}")
    calls = callers(wanted)
    hot = best_in_turns(calls, opts.number * 5, opts.rounds)
    cold = best_in_turns(calls, opts.number, opts.rounds, loop=evicting_loop(opts.evict))
    print(f"µs per request, best of {opts.rounds} loops taking turns; cold: "
          f"{opts.evict:g} MiB evicted before each request")
    print(f"{'shape':14} {'framework':9} {'hot':>7} {'cold':>7}   {'hot - raw':>9} "
          f"{'cold - raw':>10}")
    for name, shape in sorted(calls, key=lambda key: (wanted.index(key[1]), key[0] != "raw")):
        raw = ("raw", shape)
        extra = (f"{hot[(name, shape)] - hot[raw]:9.2f} {cold[(name, shape)] - cold[raw]:10.2f}"
                 if raw in calls and name != "raw" else "")
        print(f"{shape:14} {name:9} {hot[(name, shape)]:7.2f} {cold[(name, shape)]:7.2f}   "
              f"{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

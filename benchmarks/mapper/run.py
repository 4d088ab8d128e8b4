"""Time carya's Mapper against Routes: matching and URL generation at 10/100/1000 routes.

Both mappers get the same Nova-like table (``table.py``). Every shape is
checked first: carya must answer exactly what Routes answers, or the shape
is reported as a verification failure and not timed (exit status 1).

Timing: per shape, a short warm-up of both mappers, then ``--repeats`` rounds
of one Routes loop and one carya loop (interleaved, so both see the same
machine noise), each bounded by its share of ``--seconds`` and by
``--max-iter`` calls; the best loop of each is reported (noise only makes a
loop slower). Calls are made directly, in-process; nothing touches the network.

Shapes
  match show        ``match('/abc123/servers/42', GET)``: the last route connected
  match action      ``match('/abc123/servers/42/action', POST)``
  match formatted   ``match('/abc123/servers/42.json', GET)``
  match miss        ``match('/abc123/nothing/here', GET)``: no route (a 404)
  match_path show   carya's framework fast path ``match_path('GET', path)``
                    (compared with Routes' ``match`` for the same request)
  url by name       ``URLGenerator(m, env)('server', project_id=..., id='42')``
  generate          ``generate(controller='servers', action='show', ...)``, same
                    arguments every call (Routes answers from its URL cache)
  generate varied   the same with a different id each call (4096 ids cycling,
                    more than Routes' 1600-entry cache holds)

Targets: match >= 10x Routes at 1000 routes (match shapes); carya's match cost
flat in route count, t(1000)/t(10) <= 1.2. Flatness is timed on its own:
carya's 10-route and 1000-route mappers in interleaved loops, so a burst of
machine load cannot land on one side only. The report says PASS/FAIL; the
exit status does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from benchmarks.mapper.table import build, connect_calls
from benchmarks.timing import timed_run as _timed_run

SIZES = (10, 100, 1000)
MATCH_SHAPES = ("match show", "match action", "match formatted", "match miss", "match_path show")
BATCH = 100
PROJECT = "abc123"
VARIED = 4096


def _load_routes() -> Any:
    try:
        import routes
    except ImportError:  # pragma: no cover - reported, not hidden
        return None
    return routes


def shapes(mapper: Any, routes_mod: Any, is_carya: bool) -> dict[str, Callable[[], Any]]:
    """name -> zero-argument call for one mapper."""
    get = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": ""}
    post = {"REQUEST_METHOD": "POST", "SCRIPT_NAME": ""}
    show = f"/{PROJECT}/servers/42"
    generator_cls = _generator(is_carya, routes_mod)
    url = generator_cls(mapper, {"SCRIPT_NAME": ""})
    ids = [str(n) for n in range(VARIED)]
    counter = iter(range(1 << 62))

    def varied() -> Any:
        return mapper.generate(controller="servers", action="show", project_id=PROJECT,
                               id=ids[next(counter) % VARIED])

    calls = {
        "match show": lambda: mapper.match(show, get),
        "match action": lambda: mapper.match(show + "/action", post),
        "match formatted": lambda: mapper.match(show + ".json", get),
        "match miss": lambda: mapper.match(f"/{PROJECT}/nothing/here", get),
        "match_path show": (
            (lambda: mapper.match_path("GET", show)) if is_carya
            else (lambda: mapper.match(show, get))
        ),
        "url by name": lambda: url("server", project_id=PROJECT, id="42"),
        "generate": lambda: mapper.generate(controller="servers", action="show",
                                            project_id=PROJECT, id="42"),
        "generate varied": varied,
    }
    return calls


def _generator(is_carya: bool, routes_mod: Any) -> Any:
    if is_carya:
        from carya.mapper import URLGenerator
        return URLGenerator
    return routes_mod.URLGenerator


def answer(name: str, call: Callable[[], Any]) -> Any:
    """What a shape returns, normalised so both mappers can be compared."""
    result = call()
    if name == "match_path show" and isinstance(result, tuple):
        return result[1]
    return result



def timed_run(call, budget, max_iter):
    """Calls per second over one loop bounded by time and count (see benchmarks.timing)."""
    return _timed_run(call, budget, max_iter, BATCH)


def measure(calls: list[Callable[[], Any]], opts: argparse.Namespace) -> list[float]:
    """Best calls/s of each call, loops interleaved round by round."""
    budget = opts.seconds / opts.repeats
    for call in calls:
        timed_run(call, min(0.05, budget / 4), 2000)
    best = [0.0] * len(calls)
    for _ in range(opts.repeats):
        for k, call in enumerate(calls):
            best[k] = max(best[k], timed_run(call, budget, opts.max_iter)[0])
    return best


def run(opts: argparse.Namespace) -> dict:
    routes_mod = _load_routes()
    from carya.mapper import Mapper

    results: dict = {"sizes": list(opts.sizes), "rows": [], "failures": [], "build_ms": {},
                     "flatness": {}}
    by_size: dict[int, Any] = {}
    for size in opts.sizes:
        calls = connect_calls(size)
        start = time.perf_counter()
        mine = by_size[size] = build(Mapper, calls)
        build_ms = {"carya": (time.perf_counter() - start) * 1000}
        ref = None
        if routes_mod is not None:
            start = time.perf_counter()
            ref = build(routes_mod.Mapper, calls)
            build_ms["routes"] = (time.perf_counter() - start) * 1000
        results["build_ms"][size] = build_ms
        mine_calls = shapes(mine, routes_mod, True)
        ref_calls = shapes(ref, routes_mod, False) if ref is not None else {}
        for name, call in mine_calls.items():
            row = {"shape": name, "routes": size, "carya": None, "routes_rate": None}
            if ref is None:
                row["carya"] = measure([call], opts)[0]
            else:
                expected, got = answer(name, ref_calls[name]), answer(name, call)
                if got != expected:
                    results["failures"].append(f"{name} @ {size}: carya {got!r} != {expected!r}")
                    results["rows"].append(row)
                    continue
                row["routes_rate"], row["carya"] = measure([ref_calls[name], call], opts)
            results["rows"].append(row)
    small, big = min(opts.sizes), max(opts.sizes)
    if small != big:
        low, high = shapes(by_size[small], routes_mod, True), shapes(by_size[big], routes_mod, True)
        for name in MATCH_SHAPES:
            rate_small, rate_big = measure([low[name], high[name]], opts)
            results["flatness"][name] = rate_small / rate_big
    return results


# --- report ---------------------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def report(results: dict, opts: argparse.Namespace) -> list[str]:
    lines = [
        "carya Mapper vs Routes: Nova-like resource routes, best of "
        f"{opts.repeats} loops ({opts.seconds:g}s budget per shape)",
        "",
        f"{'shape':<17} {'routes':>6} {'Routes req/s':>14} {'carya req/s':>14}"
        f" {'carya/Routes':>13}",
    ]
    for row in results["rows"]:
        ratio = "-"
        if row["carya"] and row["routes_rate"]:
            ratio = f"{row['carya'] / row['routes_rate']:.1f}x"
        lines.append(f"{row['shape']:<17} {row['routes']:>6} {_rate(row['routes_rate']):>14} "
                     f"{_rate(row['carya']):>14} {ratio:>13}")
    lines += ["", "build time (ms): " + ", ".join(
        f"{size} routes: carya {ms['carya']:.1f}"
        + (f" / Routes {ms['routes']:.1f}" if "routes" in ms else "")
        for size, ms in results["build_ms"].items())]
    lines += [""] + targets(results)
    if results["failures"]:
        lines += ["", "Verification failures:"] + [f"  {f}" for f in results["failures"]]
    return lines


def targets(results: dict) -> list[str]:
    rows = {(r["shape"], r["routes"]): r for r in results["rows"]}
    sizes = results["sizes"]
    lines = ["Targets:"]
    big, small = max(sizes), min(sizes)
    for shape in MATCH_SHAPES[:-1]:
        row = rows.get((shape, big))
        if row and row["carya"] and row["routes_rate"]:
            ratio = row["carya"] / row["routes_rate"]
            verdict = "PASS" if ratio >= 10 else "FAIL"
            lines.append(f"  {shape} at {big} routes >= 10x Routes: {ratio:.1f}x {verdict}")
    for shape, flat in results["flatness"].items():
        verdict = "PASS" if flat <= 1.2 else "FAIL"
        lines.append(f"  {shape} flatness t({big})/t({small}) <= 1.2: {flat:.2f} {verdict}")
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mapper", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run (short loops)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time budget per shape and mapper (default 1.0, --quick 0.15)")
    parser.add_argument("--repeats", type=int, default=3, help="timed loops; best is reported")
    parser.add_argument("--max-iter", type=int, default=None,
                        help="call cap per loop (default 300000, --quick 20000)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        default=list(SIZES), help="route counts, e.g. 10,100,1000")
    parser.add_argument("--output", default=os.path.join("benchmarks", "results"),
                        help="directory for mapper_latest.json")
    opts = parser.parse_args(argv)
    if opts.seconds is None:
        opts.seconds = 0.15 if opts.quick else 1.0
    if opts.max_iter is None:
        opts.max_iter = 20000 if opts.quick else 300000
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if _load_routes() is None:
        print("Routes is not installed (pip install -e '.[dev]'): timing carya alone.")
    results = run(opts)
    lines = report(results, opts)
    print("\n".join(lines))
    os.makedirs(opts.output, exist_ok=True)
    with open(os.path.join(opts.output, "mapper_latest.json"), "w") as fh:
        json.dump({**results, "report": lines, "options": vars(opts)}, fh, indent=1)
    return 1 if results["failures"] else 0

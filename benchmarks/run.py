"""Orchestration: one driver subprocess per framework, import timings, then the report.

Everything that measures runs in a child process; this process only starts
children, collects their JSON, and hands it to :mod:`benchmarks.report`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import report
from benchmarks.shapes import FRAMEWORKS, LOOKUP_SIZES

ROOT = Path(__file__).resolve().parent.parent
DRIVER_TIMEOUT = 600
IMPORT_RUNS = 5
CARYA_IMPORT = "from carya import expose, make_app, request; from carya.rest import RestController"
IMPORT_STATEMENTS = {
    "baseline": "pass",
    "raw": "import json",
    "falcon": "import falcon",
    "pecan": CARYA_IMPORT.replace("carya", "pecan"),
    "carya": CARYA_IMPORT,
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark carya against raw WSGI, Falcon and Pecan (in-process WSGI calls).",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        help="time budget per shape, split across the repeats (default 2.0)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed loops per shape; best wins")
    parser.add_argument(
        "--max-iter", type=int, default=200_000, help="iteration cap per timed loop"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 0.3 s per shape, 20k iteration cap"
    )
    parser.add_argument(
        "--frameworks",
        default=",".join(FRAMEWORKS),
        help="comma-separated subset of " + ",".join(FRAMEWORKS),
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every framework's driver this many times, taking turns; best kept, "
        "spread reported (use 2-3 on a busy machine)",
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu (default): the driver's CPU time, so other processes on a shared "
        "machine do not count; wall: elapsed time",
    )
    parser.add_argument(
        "--no-lookup", action="store_true", help="skip the N-route lookup apps (faster)"
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results", help="results directory"
    )
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.seconds, opts.max_iter = 0.3, 20_000
    opts.frameworks = [name for name in opts.frameworks.split(",") if name]
    unknown = set(opts.frameworks) - set(FRAMEWORKS)
    if unknown:
        parser.error(f"unknown frameworks: {', '.join(sorted(unknown))}")
    return opts


def python(*args, timeout=None):
    """Run the same interpreter (the venv's) from the repository root."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def carya_problem():
    """None if carya provides the Pecan names the app needs, else why not.

    ``import carya`` alone is not enough: an unfinished ``carya/`` directory
    imports as an empty namespace package.
    """
    proc = python("-c", CARYA_IMPORT, timeout=60)
    if proc.returncode == 0:
        return None
    lines = proc.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {proc.returncode}"


def run_driver(name, opts):
    """Run the driver for one framework; return its report (with errors on a crash)."""
    args = ["-m", "benchmarks.driver", name, "--seconds", str(opts.seconds)]
    args += ["--repeats", str(opts.repeats), "--max-iter", str(opts.max_iter)]
    args += ["--sizes", ",".join(map(str, LOOKUP_SIZES))]
    args += ["--clock", opts.clock]
    if opts.no_lookup:
        args.append("--only-shapes")
    try:
        proc = python(*args, timeout=DRIVER_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"framework": name, "errors": [f"driver timed out after {DRIVER_TIMEOUT} s"]}
    lines = proc.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        return {"framework": name, "errors": [f"driver crashed ({proc.returncode}):\n{tail}"]}


def import_times(names):
    """Milliseconds to import each framework: min of N fresh interpreters, minus ``pass``.

    Runs are interleaved across frameworks so that a noisy moment hurts all alike.
    """
    keys = ["baseline", *names]
    best = dict.fromkeys(keys, float("inf"))
    for _ in range(IMPORT_RUNS):
        for key in keys:
            start = time.perf_counter()
            proc = python("-c", IMPORT_STATEMENTS[key], timeout=60)
            elapsed = time.perf_counter() - start
            if proc.returncode == 0:
                best[key] = min(best[key], elapsed)
    base = best.pop("baseline")
    return {key: (value - base) * 1000 for key, value in best.items() if value != float("inf")}


def collect(opts):
    """Run every requested framework; return ``(reports, import_ms, carya_missing)``."""
    names = list(opts.frameworks)
    missing = carya_problem() if "carya" in names else None
    if missing:
        names.remove("carya")
        print(f"!! carya is not importable yet ({missing}); running without it.", file=sys.stderr)
    rounds = {name: [] for name in names}
    for turn in range(max(1, opts.rounds)):
        for name in names:
            start = time.perf_counter()
            print(f".. {name} (round {turn + 1})", end="", flush=True, file=sys.stderr)
            rounds[name].append(run_driver(name, opts))
            print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr)
    reports = {name: merge_rounds(runs) for name, runs in rounds.items()}
    print(".. import times", file=sys.stderr)
    return reports, import_times(names), missing


def merge_rounds(runs):
    """One report from several rounds of one framework: the best rate of each row.

    Every round's rates stay in ``round_rates`` so the report can show the
    spread; errors of any round are kept (a wrong answer is wrong once).
    """
    merged = runs[0]
    merged["round_rates"] = [round_rates(run) for run in runs]
    for run in runs[1:]:
        merged["errors"] = merged.get("errors", []) + [
            e for e in run.get("errors", []) if e not in merged.get("errors", [])
        ]
        for name, entry in run.get("shapes", {}).items():
            best = merged.setdefault("shapes", {}).get(name)
            if best is None or entry["rate"] > best["rate"]:
                merged["shapes"][name] = entry
        for size, positions in run.get("lookup", {}).items():
            for position, entry in positions.items():
                if not isinstance(entry, dict):
                    continue
                best = merged.setdefault("lookup", {}).setdefault(size, {}).get(position)
                if best is None or entry["rate"] > best["rate"]:
                    merged["lookup"][size][position] = entry
    return merged


def round_rates(run):
    """``{row: req/s}`` of one round (fixed shapes only; lookups are not spread-checked)."""
    return {name: entry["rate"] for name, entry in run.get("shapes", {}).items()}


def main(argv=None):
    """Benchmark, print the report, save results; non-zero only for wrong answers."""
    opts = parse_args(argv)
    reports, imports, missing = collect(opts)
    summary = report.render(reports, imports, missing)
    print(summary["text"])
    report.save(opts.output, summary, vars(opts))
    return 1 if summary["wrong_answers"] else 0

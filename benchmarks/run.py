"""Orchestration: one driver subprocess per framework, import timings, then the report.

Everything that measures runs in a child process; this process only starts
children, collects their JSON, and hands it to :mod:`benchmarks.report`.
"""

from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import driver as driver_module
from benchmarks import report
from benchmarks.import_time import CARYA_IMPORT, import_times
from benchmarks.shapes import FRAMEWORKS, LOOKUP_SIZES

ROOT = Path(__file__).resolve().parent.parent
DRIVER_TIMEOUT = 600  # a driver's setup (imports, builds, checks, peak RSS)
COMMAND_TIMEOUT = 120  # one timed loop (its budget is seconds / repeats)


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
    parser.add_argument(
        "--repeats", type=int, default=12,
        help="timed loops per shape and round, frameworks taking turns; best wins (default "
        "12: short loops, so a slow spell of the machine rarely covers one framework's "
        "every loop)",
    )
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
        "--import-python", default=sys.executable, metavar="PYTHON",
        help="the interpreter import times are measured under (default: this one, the "
        "development venv; a clean venv's python gives what users get)",
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


class Driver:
    """One framework's driver process, set up once and then timing keys on request."""

    def __init__(self, name, opts):
        self.name = name
        args = ["-m", "benchmarks.driver", name, "--serve", "--repeats", str(opts.repeats)]
        args += ["--sizes", ",".join(map(str, LOOKUP_SIZES)), "--clock", opts.clock]
        if opts.no_lookup:
            args.append("--only-shapes")
        self.errlog = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads could fill up
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errlog)
        self.setup = self.read(DRIVER_TIMEOUT)
        self.keys = self.setup.pop("keys", [])

    def read(self, timeout):
        """The driver's next JSON line, or a report of why there is none."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        try:
            return json.loads(line)
        except ValueError:
            self.proc.kill()
            self.proc.wait()
            self.errlog.seek(0)
            tail = "\n".join(self.errlog.read().strip().splitlines()[-15:])
            why = f"crashed ({self.proc.returncode})" if ready else "timed out"
            return {"framework": self.name, "errors": [f"driver {why}:\n{tail}"]}

    def time(self, key, opts):
        """One timed loop of ``key``; None (and the driver's error kept) if it failed."""
        if self.proc.poll() is not None:
            return None
        self.proc.stdin.write(json.dumps({"key": key, "budget": opts.seconds / opts.repeats,
                                          "max_iter": opts.max_iter}) + "\n")
        self.proc.stdin.flush()
        answer = self.read(COMMAND_TIMEOUT)
        if "rate" not in answer:
            self.setup.setdefault("errors", []).extend(answer.get("errors", []))
            return None
        return answer

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.errlog.close()


def take_turns(drivers, opts):
    """Time every key, frameworks taking turns loop by loop, ``opts.rounds`` rounds.

    A framework's loops for a shape sit between the other frameworks' loops for the
    same shape, so a slow spell of a shared machine lands on all of them alike.
    Returns, per framework, one report per round (the best of its loops that round).
    """
    keys = list(dict.fromkeys(key for d in drivers for key in d.keys))
    rounds = {d.name: [] for d in drivers}
    for turn in range(max(1, opts.rounds)):
        start = time.perf_counter()
        print(f".. round {turn + 1}", end="", flush=True, file=sys.stderr)
        best = {d.name: {} for d in drivers}
        for key in keys:
            takers = [d for d in drivers if key in d.keys]
            shift = turn % len(takers)  # nobody always goes first
            takers = takers[shift:] + takers[:shift]
            for _ in range(opts.repeats):
                for driver in takers:
                    result = driver.time(key, opts)
                    kept = best[driver.name].get(key)
                    if result is not None and (kept is None or result["rate"] > kept["rate"]):
                        best[driver.name][key] = result
        for driver in drivers:
            run = json.loads(json.dumps(driver.setup))  # a copy per round
            for key, result in best[driver.name].items():
                driver_module.record(run, key, result)
            rounds[driver.name].append(run)
        print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return rounds


def collect(opts):
    """Run every requested framework; return ``(reports, import_ms, carya_missing)``."""
    names = list(opts.frameworks)
    missing = carya_problem() if "carya" in names else None
    if missing:
        names.remove("carya")
        print(f"!! carya is not importable yet ({missing}); running without it.", file=sys.stderr)
    drivers = []
    try:
        for name in names:  # one at a time: setup measures peak RSS
            start = time.perf_counter()
            print(f".. {name} setup", end="", flush=True, file=sys.stderr)
            drivers.append(Driver(name, opts))
            print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr)
        rounds = take_turns(drivers, opts)
    finally:
        for driver in drivers:
            driver.close()
    reports = {name: merge_rounds(runs) for name, runs in rounds.items()}
    print(".. import times", file=sys.stderr)
    return reports, import_times(opts.import_python, names), missing


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

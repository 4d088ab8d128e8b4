"""Import time of carya, Falcon and Pecan under a given interpreter.

    python -m benchmarks.import_time [PYTHON]

Give the Python of a clean virtualenv (``python3 -m venv /tmp/v && /tmp/v/bin/pip
install . falcon pecan``) to measure what users get; the default is the current
interpreter (the development venv, where test-only packages such as Paste hook
into WebOb's imports and editable installs add their finders). Each figure is the
minimum over fresh interpreters, minus the minimum of ``python -c pass``; the
frameworks take turns run by run, so a slow spell of a shared machine lands on
all of them alike (one framework's runs back to back can differ from another's
by 20% here for that reason alone).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

CARYA_IMPORT = "from carya import expose, make_app, request; from carya.rest import RestController"
STATEMENTS = {
    "baseline": "pass",
    "raw": "import json",
    "falcon": "import falcon",
    "pecan": CARYA_IMPORT.replace("carya", "pecan"),
    "carya": CARYA_IMPORT,
}
RUNS = 9


def import_times(python: str, names: list[str], runs: int = RUNS) -> dict[str, float]:
    """Milliseconds to import each of ``names`` under ``python``: min of ``runs`` fresh
    interpreters minus that of ``pass``, taking turns. A name that fails to import
    is left out.

    The interpreters start in the temporary directory: ``python -c`` puts its
    working directory first on ``sys.path``, and from the repository root that
    would import this source tree (slower to find: 20 ms more here) instead of
    the installed package users get.
    """
    keys = ["baseline", *names]
    best = dict.fromkeys(keys, float("inf"))
    for _ in range(runs):
        for key in keys:
            start = time.perf_counter()
            done = subprocess.run([python, "-c", STATEMENTS[key]], cwd=tempfile.gettempdir(),
                                  capture_output=True, timeout=60)
            elapsed = time.perf_counter() - start
            if done.returncode == 0:
                best[key] = min(best[key], elapsed)
    base = best.pop("baseline")
    return {key: (value - base) * 1000 for key, value in best.items() if value != float("inf")}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    python = args[0] if args else sys.executable
    names = ["falcon", "pecan", "carya"]
    took = import_times(python, names)
    print(f"import time under {python} (min of {RUNS}, taking turns, minus `python -c pass`)")
    for name in names:
        shown = f"{took[name]:6.1f} ms" if name in took else "not installed"
        print(f"  {name:8s} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
